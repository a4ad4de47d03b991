"""Helpers for tests that drive the admin through Django's test client."""

from django.urls import reverse


def admin_url(model, view: str, *args) -> str:
    return reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args
    )


def form_errors(response) -> dict:
    """The errors of the admin form a re-rendered page shows."""
    return response.context["adminform"].form.errors
