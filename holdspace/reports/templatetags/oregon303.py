"""{% oregon_303_link %}: the nav's link to Oregon's 303 quarterly report, for org admins and
clinical leads whose organisation's profile has it."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from holdspace.accounts.models import User
from holdspace.policy.core import viewer_from_request
from holdspace.policy.regulator import regulator_report_offered, reports_to_a_regulator

register = template.Library()


@register.simple_tag(takes_context=True)
def oregon_303_link(context: dict[str, Any]) -> SafeString:
    request = context.get("request")
    if request is None or not isinstance(getattr(request, "user", None), User):
        return SafeString("")
    viewer = viewer_from_request(request)
    if not reports_to_a_regulator(viewer) or not regulator_report_offered(viewer, "oregon-303"):
        return SafeString("")
    current = request.resolver_match is not None and request.resolver_match.url_name == "oregon_303"
    return format_html(
        '<a href="{}"{}>{}</a>',
        reverse("oregon_303"),
        SafeString(' aria-current="page"') if current else "",
        _("303 report"),
    )
