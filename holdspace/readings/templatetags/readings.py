"""{% reading_library_link %}: the staff nav's link to the organisation's reading library."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from holdspace.accounts.models import User
from holdspace.policy.core import viewer_from_request
from holdspace.policy.readings import writes_a_library

register = template.Library()


@register.simple_tag(takes_context=True)
def reading_library_link(context: dict[str, Any]) -> SafeString:
    """The link for staff who write a library (reuses the request's viewer); nothing for others."""
    request = context.get("request")
    if request is None or not isinstance(getattr(request, "user", None), User):
        return SafeString("")
    if not writes_a_library(viewer_from_request(request)):
        return SafeString("")
    return format_html('<a href="{}">{}</a>', reverse("reading_library"), _("Readings"))
