"""{% notification_settings_link %}: the staff nav's link to how they are told of alerts."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from holdspace.accounts.models import User
from holdspace.policy.core import viewer_from_request
from holdspace.policy.notifications import chooses_a_channel

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_settings_link(context: dict[str, Any]) -> SafeString:
    """The link for staff who may be told of alerts (reuses the request's viewer)."""
    request = context.get("request")
    if request is None or not isinstance(getattr(request, "user", None), User):
        return SafeString("")
    if not chooses_a_channel(viewer_from_request(request)):
        return SafeString("")
    return format_html('<a href="{}">{}</a>', reverse("notification_settings"), _("Notifications"))
