"""{% regulator_report_link "colorado-admin-log" %}: the nav's link to a regulator report, for
org admins and clinical leads of an organisation whose profile has it (none for anyone else).
`{% oregon_303_link %}` is this tag for Oregon's 303 report."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from holdspace.accounts.models import User
from holdspace.policy.core import viewer_from_request
from holdspace.policy.regulator import regulator_report_offered, reports_to_a_regulator

register = template.Library()

# Each report's page (its URL name) and the nav's words for it.
LINKS = {
    "oregon-303": ("oregon_303", gettext_lazy("303 report")),
    "colorado-admin-log": ("colorado_admin_log", gettext_lazy("Administration log")),
}


def report_link(context: dict[str, Any], report: str) -> SafeString:
    request = context.get("request")
    if request is None or not isinstance(getattr(request, "user", None), User):
        return SafeString("")
    viewer = viewer_from_request(request)
    if not reports_to_a_regulator(viewer) or not regulator_report_offered(viewer, report):
        return SafeString("")
    url_name, label = LINKS[report]
    current = request.resolver_match is not None and request.resolver_match.url_name == url_name
    return format_html(
        '<a href="{}"{}>{}</a>',
        reverse(url_name),
        SafeString(' aria-current="page"') if current else "",
        label,
    )


@register.simple_tag(takes_context=True)
def regulator_report_link(context: dict[str, Any], report: str) -> SafeString:
    return report_link(context, report)
