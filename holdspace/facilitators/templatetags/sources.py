"""A rule's source on a screen: `{{ note|citation }}` (the citation, never our research notes)
and `{% sources note unverified %}`, which adds the whole note, behind a "Sources" disclosure,
for a clinical lead of the organisation the page is about, and nobody else."""

from __future__ import annotations

from typing import Any

from django import template

from holdspace.accounts.models import User
from holdspace.lib.citations import citation as citation_of
from holdspace.policy.core import viewer_from_request
from holdspace.policy.facilitators import sees_research_notes

register = template.Library()

# The context names a page about one organisation's records uses for them.
_ABOUT = ("couple", "session", "alert", "organisation")


@register.filter
def citation(note: object) -> str:
    return citation_of(str(note or ""))


@register.filter
def citation_short(note: object) -> str:
    """The references alone, for a line such as an alert card's."""
    return citation_of(str(note or ""), short=True)


def _about(context: Any) -> int | None:
    """The organisation the page is about, if it is about one."""
    for name in _ABOUT:
        about = context.get(name)
        organisation_id = getattr(about, "organisation_id", None) or (
            about.pk if name == "organisation" and about is not None else None
        )
        if organisation_id:
            return int(organisation_id)
    return None


def shows_research_notes(context: Any) -> bool:
    """Whether the person viewing may read the whole notes behind the rules on this page (the
    policy's `sees_research_notes`: a clinical lead of the organisation it is about)."""
    request = context.get("request")
    if request is None or not isinstance(getattr(request, "user", None), User):
        return False
    return sees_research_notes(viewer_from_request(request), _about(context))


@register.inclusion_tag("_sources.html", takes_context=True)
def sources(context: Any, note: object, unverified: bool = False, short: bool = False) -> Any:
    """The citation of NOTE; for a clinical lead, the whole note (and whether the rule's source
    is unverified) in a disclosure when it says more than the citation."""
    text = str(note or "")
    shown = citation_of(text, short=short)
    lead = shows_research_notes(context)
    return {
        "shown": shown,
        "note": text if lead and (text != shown or unverified) else "",
        "unverified": unverified,
    }
