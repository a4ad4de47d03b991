"""Admin page for API tokens.

A token's key is made by the server when the token is added here and shown
once, in the message on the next page; only its hash is stored, so it can
never be shown again.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget
from django.utils import timezone

from outposts.models import Token
from outposts.services.tokens import token_issue


class TokenAdminForm(forms.ModelForm):
    class Meta:
        model = Token
        fields = ["identifier", "user", "intent", "description", "expiring", "expires"]
        widgets = {"description": AdminTextareaWidget(attrs={"rows": 2})}

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("expiring"):
            return cleaned
        expires = cleaned.get("expires")
        if expires is None:
            self.add_error("expires", "An expiring token needs an expiry date.")
        elif self.instance.pk is None and expires <= timezone.now():
            self.add_error("expires", "The expiry date must be in the future.")
        return cleaned


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    form = TokenAdminForm
    list_display = ["identifier", "user", "intent", "expiring", "expires", "managed"]
    list_select_related = ["user"]
    list_filter = ["intent", "expiring"]
    search_fields = ["identifier", "user__username", "description"]
    autocomplete_fields = ["user"]

    def get_fields(self, request, obj=None):
        if obj is None:
            # Tokens added here are API tokens, the kind the server issues.
            return ["identifier", "user", "description", "expiring", "expires"]
        return ["identifier", "user", "intent", "description", "expiring", "expires"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["managed"]

    def save_model(self, request, obj: Token, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        expires = form.cleaned_data["expires"] if obj.expiring else None
        token, key = token_issue(
            user=form.cleaned_data["user"],
            identifier=form.cleaned_data["identifier"],
            expires_in=expires - timezone.now() if expires else None,
            description=form.cleaned_data["description"],
        )
        if expires:
            # token_issue counts from its own clock; keep the exact time asked.
            token.expires = expires
            token.save(update_fields=["expires"])
        # The admin goes on with the instance of its form; make it the new row.
        obj.pk = token.pk
        obj._state.adding = False
        obj.refresh_from_db()
        messages.success(
            request,
            f"The key of token {token.identifier} is shown only this once: {key}",
        )
