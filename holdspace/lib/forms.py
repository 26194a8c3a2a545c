"""Small helpers for Django forms shared by every app's views."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import Form


def errors_onto(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError beside the fields it names (others above the form)."""
    for field, problems in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)
