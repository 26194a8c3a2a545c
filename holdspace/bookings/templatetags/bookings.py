"""{% calendar_link %}: the staff nav's link to the organisation's calendar."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from holdspace.accounts.models import User
from holdspace.policy.bookings import calendar_organisations
from holdspace.policy.core import viewer_from_request

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_link(context: dict[str, Any]) -> SafeString:
    """The link for staff who run the day (reuses the request's viewer); nothing for others."""
    request = context.get("request")
    if request is None or not isinstance(getattr(request, "user", None), User):
        return SafeString("")
    if not calendar_organisations(viewer_from_request(request)):
        return SafeString("")
    return format_html('<a href="{}">{}</a>', reverse("calendar"), _("Calendar"))
