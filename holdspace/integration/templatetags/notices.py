"""{% not_monitored_notice couple %}: the one-time "not monitored in real time" notice."""

from __future__ import annotations

from typing import Any

from django import template

from holdspace.accounts.models import User
from holdspace.couples.models import Couple
from holdspace.integration.journal.services import notice_seen
from holdspace.policy.core import viewer_from_request

register = template.Library()


@register.inclusion_tag("_not_monitored.html", takes_context=True)
def not_monitored_notice(context: dict[str, Any], couple: Couple) -> dict[str, Any]:
    """The full notice the first time a partner of COUPLE is shown it (recorded then), a one-line
    reminder after. Anyone else always gets the full notice and nothing is recorded."""
    request = context.get("request")
    seen_at = None
    if isinstance(getattr(request, "user", None), User) and isinstance(couple, Couple):
        _partner, seen_at = notice_seen(viewer_from_request(request), couple)  # type: ignore[arg-type]
    return {"notice_seen_at": seen_at}
