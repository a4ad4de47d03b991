"""The outposts page of the admin.

Every write goes through `outposts.services.outposts`, so an outpost created,
changed or deleted here gets the same service account, token, permissions,
audit event and agent notification as one written through the API.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from guardian.admin import GuardedModelAdmin

from outposts.admin.fields import StrictJSONField
from outposts.config import config_errors, default_config
from outposts.models import Outpost, Provider
from outposts.rules import provider_type_error
from outposts.services.outposts import (
    TRACKED_FIELDS,
    outpost_create,
    outpost_delete,
    outpost_update,
)


def provider_label(provider: Provider) -> str:
    return f"{provider.name} ({provider.verbose_name})"


class OutpostAdminForm(forms.ModelForm):
    config = StrictJSONField(required=False)

    class Meta:
        model = Outpost
        fields = [
            "name",
            "type",
            "service_connection",
            "providers",
            "config",
            "managed",
        ]
        widgets = {"name": forms.TextInput, "managed": forms.TextInput}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        providers = self.fields["providers"]
        # Joining the kinds makes the labels and the type check cost no query
        # per provider; the label shows the kind so a mismatch is visible
        # before saving.
        providers.queryset = providers.queryset.select_related(*Provider.kind_accessors)
        providers.label_from_instance = provider_label

    def clean_managed(self) -> str | None:
        # The column is unique and nullable: an empty field means "not managed",
        # not a second outpost managed by "".
        return self.cleaned_data.get("managed") or None

    def clean_config(self) -> dict:
        config = self.cleaned_data["config"]
        errors = config_errors(config)
        if errors:
            raise forms.ValidationError(errors)
        return config

    def clean(self) -> dict:
        cleaned = super().clean()
        outpost_type = cleaned.get("type")
        providers = cleaned.get("providers")
        if outpost_type is None or providers is None:
            return cleaned
        if not providers and not self.instance.is_embedded:
            self.add_error("providers", "This list may not be empty.")
            return cleaned
        message = provider_type_error(outpost_type, providers)
        if message:
            self.add_error("providers", message)
        return cleaned


@admin.register(Outpost)
class OutpostAdmin(GuardedModelAdmin):
    form = OutpostAdminForm
    list_display = ["name", "type", "service_connection", "provider_count", "managed"]
    list_select_related = ["service_connection"]
    list_filter = ["type"]
    search_fields = ["name", "providers__name"]
    filter_horizontal = ["providers"]

    @admin.display(description="Providers", ordering="provider_count")
    def provider_count(self, obj: Outpost) -> int:
        return obj.provider_count

    @admin.display(description="API token identifier")
    def token_identifier(self, obj: Outpost) -> str:
        return obj.token_identifier

    @admin.display(description="Service account")
    def service_account(self, obj: Outpost) -> str:
        return obj.service_account_username

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(provider_count=Count("providers", distinct=True))
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = ["token_identifier", "service_account"]
        if obj.is_embedded:
            # The agents find the embedded outpost by these two values.
            fields = ["name", "managed", *fields]
        return fields

    def get_changeform_initial_data(self, request) -> dict:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("config", default_config(request.build_absolute_uri("/")))
        return initial

    def save_model(self, request, obj: Outpost, form, change: bool) -> None:
        provider_ids = [provider.pk for provider in form.cleaned_data["providers"]]
        if not change:
            created = outpost_create(
                name=form.cleaned_data["name"],
                type=form.cleaned_data["type"],
                providers=provider_ids,
                service_connection=form.cleaned_data["service_connection"],
                config=form.cleaned_data["config"],
                managed=form.cleaned_data["managed"],
                request=request,
            )
            # The admin goes on with the instance of its form (change message,
            # redirect); make it the row the service created.
            obj.pk = created.pk
            obj._state.adding = False
            obj.refresh_from_db()
            return

        # The form has already written the new values into `obj`; the service
        # compares against the stored row, locked for the rest of the request.
        current = Outpost.objects.select_for_update().get(pk=obj.pk)
        changes = {
            field: form.cleaned_data[field]
            for field in TRACKED_FIELDS
            if field in form.cleaned_data
        }
        changes["providers"] = provider_ids
        outpost_update(current, changes=changes, request=request)

    def save_related(self, request, form, formsets, change: bool) -> None:
        # Providers were written by the service in save_model, with the audit
        # event and permissions; saving the form's m2m again would bypass it.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj: Outpost) -> None:
        outpost_delete(obj, request=request)

    def delete_queryset(self, request, queryset) -> None:
        # The changelist's queryset is grouped (provider count), which cannot
        # be locked; lock the rows by primary key instead.
        pks = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            for outpost in Outpost.objects.select_for_update().filter(pk__in=pks):
                outpost_delete(outpost, request=request)

    # Granting object permissions is an escalation path: whoever may change an
    # outpost could otherwise grant anyone (themselves included) any permission
    # on it. Managing them requires guardian's own change permissions.
    def _check_may_grant(self, request) -> None:
        if not request.user.has_perms(
            [
                "guardian.change_userobjectpermission",
                "guardian.change_groupobjectpermission",
            ]
        ):
            raise PermissionDenied

    def obj_perms_manage_view(self, request, object_pk):
        self._check_may_grant(request)
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        self._check_may_grant(request)
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        self._check_may_grant(request)
        return super().obj_perms_manage_group_view(request, object_pk, group_id)
