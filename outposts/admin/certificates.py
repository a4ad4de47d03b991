"""Admin page for certificate-key pairs.

The private key is write-only: it can be set or replaced here, but no page
ever sends it back to the browser.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminTextInputWidget

from outposts.admin.fields import WriteOnlyTextarea
from outposts.models import CertificateKeyPair


class CertificateKeyPairAdminForm(forms.ModelForm):
    key_data = forms.CharField(
        label="Private key",
        required=False,
        strip=False,
        widget=WriteOnlyTextarea,
        help_text=(
            "PEM-encoded private key. It is never shown again; leave empty to "
            "keep the stored key."
        ),
    )
    remove_key = forms.BooleanField(
        label="Remove the stored private key", required=False
    )

    class Meta:
        model = CertificateKeyPair
        fields = ["name", "certificate_data", "key_data"]
        widgets = {"name": AdminTextInputWidget}

    def clean(self) -> dict:
        cleaned = super().clean()
        submitted = cleaned.get("key_data", "")
        if cleaned.get("remove_key"):
            if submitted:
                self.add_error(
                    "key_data", "Either remove the key or give a new one, not both."
                )
            cleaned["key_data"] = ""
        elif not submitted and self.instance.pk is not None:
            # An empty field keeps what is stored: the page never had it.
            cleaned["key_data"] = self.instance.key_data
        return cleaned

    def save(self, commit: bool = True) -> CertificateKeyPair:
        # Set explicitly: a form that omits the field entirely would otherwise
        # leave the stored key in place even when asked to remove it.
        self.instance.key_data = self.cleaned_data["key_data"]
        return super().save(commit)


@admin.register(CertificateKeyPair)
class CertificateKeyPairAdmin(admin.ModelAdmin):
    form = CertificateKeyPairAdminForm
    fields = ["name", "certificate_data", "key_data", "remove_key"]
    list_display = ["name", "has_private_key"]
    search_fields = ["name"]

    @admin.display(description="Private key", boolean=True)
    def has_private_key(self, obj: CertificateKeyPair) -> bool:
        return bool(obj.key_data)
