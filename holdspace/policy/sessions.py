"""Medicine sessions: a partner (and an org admin) may know their couple's session exists
(date, time, room); its plan, live record, discharge and summary belong to the care team. The
dose log is the clinical leads'.

- `medicine_sessions_visible_to(viewer, couple)`: the couple's sessions the viewer may list.
- `get_medicine_session_for(viewer, id)`: 404, audited, for a session of a couple the viewer
  does not see (sessions have their own address, /sessions/<id>, so no parent is given).
- `require_session_care(viewer, session, action=…)`: 403, audited, for anyone but the care team.
- `get_session_partner_for(viewer, session, partner_id)`: a partner of the session's couple, or
  404, audited.
- `dose_log_organisation(viewer, requested, attempted=…)`: the organisation whose dose log a
  clinical lead reads (403, audited, for anyone else).
"""

from __future__ import annotations

from django.db.models import QuerySet

from holdspace.accounts.models import Membership, Organisation, Role
from holdspace.couples.models import Couple, Partner
from holdspace.policy.core import Viewer, deny, is_care_team_of, organisation_for, refuse
from holdspace.policy.couples import couples_visible_to, get_couple_for
from holdspace.sessions.models import MedicineSession

# Who reads the organisation's dose log and exports it.
_DOSE_LOG_ROLES = frozenset({Role.CLINICAL_LEAD})


def medicine_sessions_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[MedicineSession]:
    """COUPLE's sessions (COUPLE from get_couple_for): their existence is the care team's and
    the couple's to know, like the couple itself; anyone else sees none."""
    return MedicineSession.objects.filter(
        organisation_id=couple.organisation_id,
        couple=couple,
        couple__in=couples_visible_to(viewer),
    )


def get_medicine_session_for(viewer: Viewer, session_id: int) -> MedicineSession:
    session = (
        MedicineSession.objects.filter(pk=session_id, couple__in=couples_visible_to(viewer))
        .select_related("organisation", "booking__room")
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


def can_see_session_plan(viewer: Viewer, session: MedicineSession) -> bool:
    """The plan (products, doses, music) is the care team's; partners see the session only."""
    return is_care_team_of(viewer, session.couple)


def require_session_care(viewer: Viewer, session: MedicineSession, *, action: str) -> None:
    """The live record, the plan, discharge and the summary: the couple's care team only (403
    for others who see the session)."""
    if not can_see_session_plan(viewer, session):
        raise refuse(
            viewer,
            action=action,
            what="medicine session",
            object_id=session.pk,
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
        )


def get_session_partner_for(viewer: Viewer, session: MedicineSession, partner_id: int) -> Partner:
    """One partner of SESSION's couple (the session from get_medicine_session_for); anyone
    else is 404, audited in the session's organisation."""
    partner = next((p for p in session.couple.loaded_partners if p.user_id == partner_id), None)
    if partner is None:
        raise deny(
            viewer,
            what="partner",
            object_id=partner_id,
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
        )
    return partner


def adverse_event_signers(session: MedicineSession) -> set[int]:
    """Who signs off a severe adverse event before the partner leaves: the clinical leads of
    the session's organisation (a facilitator's acknowledgement does not count)."""
    return set(
        Membership.objects.filter(
            organisation_id=session.organisation_id, role=Role.CLINICAL_LEAD
        ).values_list("user_id", flat=True)
    )


def dose_log_organisation(viewer: Viewer, requested: object, *, attempted: str) -> Organisation:
    """The organisation whose dose log is asked for (`?org=`, else the viewer's first as a
    clinical lead); anyone else is refused (403, audited)."""
    return organisation_for(
        viewer, requested, _DOSE_LOG_ROLES, what="dose log", attempted=attempted
    )


def dose_log_organisations(viewer: Viewer) -> list[int]:
    """The organisations whose dose log the viewer may switch between."""
    return viewer.orgs_with(_DOSE_LOG_ROLES)
