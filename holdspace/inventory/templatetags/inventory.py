"""{% ledger_link %}: the staff nav's link to the organisation's product ledger."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from holdspace.accounts.models import User
from holdspace.inventory.selectors import keeps_a_ledger
from holdspace.policy.core import viewer_from_request

register = template.Library()


@register.simple_tag(takes_context=True)
def ledger_link(context: dict[str, Any]) -> SafeString:
    """The link for staff who may see a ledger their organisation keeps (its profile asks for
    one, or lots are in it); nothing for anyone else."""
    request = context.get("request")
    if request is None or not isinstance(getattr(request, "user", None), User):
        return SafeString("")
    if not keeps_a_ledger(viewer_from_request(request)):
        return SafeString("")
    current = getattr(getattr(request, "resolver_match", None), "url_name", "") or ""
    return format_html(
        '<a href="{}"{}>{}</a>',
        reverse("inventory"),
        SafeString(' aria-current="page"') if current == "inventory" else "",
        _("Ledger"),
    )
