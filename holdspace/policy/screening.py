"""Screening: a partner's screening answers are theirs and their care team's; the other
partner never sees them. The findings (the page with the rules and their sources) are the care
team's to explain. Only a clinical lead overrides the engine's decision.

- `screenings_visible_to(viewer, couple)`, `org_screenings_visible_to(viewer, org_id)` (the
  queue) and `screening_queue_organisation(viewer, requested)` (404, audited).
- `get_screening_for(viewer, couple, id)` and `get_screening_findings_for(…)`: 404, audited.
- `require_screening_override(viewer, screening)`: 403, audited, for anyone but a clinical lead.
"""

from __future__ import annotations

from django.db.models import QuerySet

from holdspace.accounts.models import Organisation, Role
from holdspace.couples.models import Couple
from holdspace.policy.core import (
    _CARE_ROLES,
    Viewer,
    denial_chain,
    deny,
    is_care_team_of,
    is_partner_of,
    refuse,
)
from holdspace.screening.models import Screening


def screenings_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[Screening]:
    screenings = Screening.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if is_partner_of(viewer, couple):
        return screenings.filter(partner=viewer.user)
    if is_care_team_of(viewer, couple):
        return screenings
    return screenings.none()


def get_screening_for(viewer: Viewer, couple: Couple, screening_id: int) -> Screening:
    screening = screenings_visible_to(viewer, couple).filter(pk=screening_id).first()
    if screening is None:
        exists = Screening.objects.filter(pk=screening_id, couple=couple).exists()
        raise deny(
            viewer,
            what="screening",
            object_id=screening_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk if exists else None,
        )
    return screening


def can_see_screening_findings(viewer: Viewer, couple: Couple) -> bool:
    """The findings are for the care team to explain; a partner sees their own answers."""
    return is_care_team_of(viewer, couple)


def screens_for_a_partner(viewer: Viewer, couple: Couple) -> bool:
    """The care team enters a screening with a partner, and must say which; a partner screens
    themselves."""
    return is_care_team_of(viewer, couple)


def get_screening_findings_for(viewer: Viewer, couple: Couple, screening_id: int) -> Screening:
    """A screening with its findings: the care team's (404, audited, for anyone else, the
    partner screened included)."""
    if not can_see_screening_findings(viewer, couple):
        raise deny(
            viewer,
            what="screening",
            object_id=screening_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    return get_screening_for(viewer, couple, screening_id)


def can_override_screening(viewer: Viewer, couple: Couple) -> bool:
    """Only a clinical lead overrides the engine's decision; a facilitator cannot."""
    return viewer.role_in(couple.organisation_id) == Role.CLINICAL_LEAD


def require_screening_override(viewer: Viewer, screening: Screening) -> None:
    if not can_override_screening(viewer, screening.couple):
        raise refuse(
            viewer,
            action="override",
            what="screening",
            object_id=screening.pk,
            organisation_id=screening.organisation_id,
            couple_id=screening.couple_id,
        )


def screening_queue_organisation(viewer: Viewer, requested: object) -> Organisation:
    """The organisation whose screenings awaiting a decision the viewer looks at (`?org=`, or
    their first as clinical lead or facilitator); anyone else meets a 404."""
    allowed = sorted(viewer.orgs_with(_CARE_ROLES))
    raw = str(requested or "").strip()
    chosen = int(raw) if raw.isdigit() else (allowed[0] if allowed and not raw else None)
    if chosen is None or chosen not in allowed:
        raise deny(
            viewer,
            what="screening queue",
            object_id=raw,
            organisation_id=denial_chain(viewer, chosen),
        )
    return Organisation.objects.get(pk=chosen)


def org_screenings_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[Screening]:
    """Screenings across an organisation: a clinical lead's all, a facilitator's those of the
    couples they care for; no one else's (partners see their own through their couple)."""
    screenings = Screening.objects.filter(organisation_id=organisation_id)
    role = viewer.role_in(organisation_id)
    if role == Role.CLINICAL_LEAD:
        return screenings
    if role == Role.FACILITATOR:
        return screenings.filter(couple__care_team__user=viewer.user)
    return screenings.none()
