"""Medicine sessions: a partner may know their session exists (date, time, room); its plan,
live record and discharge belong to the care team."""

from __future__ import annotations

from holdspace.policy.core import Viewer, deny, is_care_team_of, refuse
from holdspace.policy.couples import couples_visible_to, get_couple_for
from holdspace.sessions.models import MedicineSession


def get_medicine_session_for(viewer: Viewer, session_id: int) -> MedicineSession:
    session = (
        MedicineSession.objects.filter(pk=session_id, couple__in=couples_visible_to(viewer))
        .select_related("organisation")
        .first()
    )
    if session is None:
        existing = MedicineSession.objects.filter(pk=session_id).values_list(
            "organisation_id", "couple_id"
        )
        found = existing.first()
        raise deny(
            viewer,
            what="medicine session",
            object_id=session_id,
            organisation_id=found[0] if found else None,
            couple_id=found[1] if found else None,
        )
    session.couple = get_couple_for(viewer, session.couple_id)
    return session


def require_session_care(viewer: Viewer, session: MedicineSession, *, action: str) -> None:
    """The live record and the plan: the couple's care team only (403 for others who see it)."""
    if not is_care_team_of(viewer, session.couple):
        raise refuse(
            viewer,
            action=action,
            what="medicine session",
            object_id=session.pk,
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
        )
