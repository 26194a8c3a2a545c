"""{% oregon_303_link %}: the nav's link to Oregon's 303 quarterly report, for org admins and
clinical leads whose organisation's profile has it (`regulator.report_link`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from holdspace.reports.templatetags.regulator import report_link

register = template.Library()


@register.simple_tag(takes_context=True)
def oregon_303_link(context: dict[str, Any]) -> SafeString:
    return report_link(context, "oregon-303")
