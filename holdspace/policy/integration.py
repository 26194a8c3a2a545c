"""Integration: what a couple carries forward after its medicine session.

- Commitments and their check-ins are the couple's own people's: both partners and the care
  team read and write them; only a partner who keeps a commitment checks in on it. Anyone else
  who sees the couple (an org admin) is refused (403); anyone who does not, meets a 404.
- The integration page (the offer after each session, integration sessions, follow-up
  contacts) is read by the couple's own people and written by its care team alone. Partners
  see the sessions and what they carry forward, never the notes (the page leaves them out)
  nor the offers and follow-up contacts, which are the care team's.
- The schedule: a partner sees their own items and the couple's, the care team everything.

Each getter answers a record of another couple, or one that does not exist, with the same
audited 404, in the organisation's chain.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from holdspace.couples.models import Couple
from holdspace.integration.models import (
    Commitment,
    CommitmentRevision,
    FollowUpContact,
    IntegrationOffer,
    IntegrationSession,
)
from holdspace.policy.core import (
    Viewer,
    deny,
    is_care_team_of,
    is_partner_of,
    refuse,
    require_care_team,
    require_couple_people,
)
from holdspace.policy.couples import couples_visible_to, get_couple_for

Found = TypeVar("Found", bound=Model)


def _one_of(
    viewer: Viewer, couple: Couple, visible: QuerySet[Found], raw: object, what: str
) -> Found:
    """The row of VISIBLE (COUPLE's records the viewer sees) whose id is RAW, as typed in a URL
    or a form, with its couple loaded; anything else is missing (404, audited)."""
    typed = str(raw)
    found = visible.filter(pk=int(typed)).first() if typed.isdigit() else None
    if found is None:
        raise deny(
            viewer,
            what=what,
            object_id=typed,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    found.couple = couple  # type: ignore[attr-defined]
    return found


# Commitments -----------------------------------------------------------------------------


def commitments_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[Commitment]:
    """COUPLE's commitments (COUPLE from get_couple_for): all of them for its partners and
    care team, none for anyone else."""
    commitments = Commitment.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if is_partner_of(viewer, couple) or is_care_team_of(viewer, couple):
        return commitments
    return commitments.none()


def require_commitments_read(viewer: Viewer, couple: Couple) -> None:
    require_couple_people(viewer, couple, action="see the commitments of")


def require_commitment_write(viewer: Viewer, couple: Couple) -> None:
    """The partners write their commitments, or their care team with them."""
    require_couple_people(viewer, couple, action="write the commitments of")


def get_commitment_for(viewer: Viewer, couple: Couple, commitment_id: object) -> Commitment:
    """One of COUPLE's commitments; 403 for those who see the couple but not its commitments,
    as on the page; 404 (audited) for another couple's or none."""
    require_commitments_read(viewer, couple)
    return _one_of(
        viewer, couple, commitments_visible_to(viewer, couple), commitment_id, "commitment"
    )


def get_any_commitment_for(viewer: Viewer, commitment_id: int) -> Commitment:
    """A commitment asked for by its id alone (the API's check-ins), with its couple loaded:
    as get_commitment_for, once its couple is known to be one the viewer sees."""
    row = (
        Commitment.objects.filter(pk=commitment_id)
        .values_list("organisation_id", "couple_id")
        .first()
    )
    if row is None or not couples_visible_to(viewer).filter(pk=row[1]).exists():
        raise deny(
            viewer,
            what="commitment",
            object_id=commitment_id,
            organisation_id=row[0] if row else None,
            couple_id=row[1] if row else None,
        )
    return get_commitment_for(viewer, get_couple_for(viewer, row[1]), commitment_id)


def can_check_in(viewer: Viewer, couple: Couple) -> bool:
    """Partners check in on the commitments they keep; the care team reads the check-ins."""
    return is_partner_of(viewer, couple)


def require_commitment_checkin(
    viewer: Viewer, commitment: Commitment, revision: CommitmentRevision
) -> None:
    """A partner who keeps COMMITMENT, as its current REVISION says (one partner, or both)."""
    keeps = revision.partner_id is None or revision.partner_id == viewer.user.pk
    if not (can_check_in(viewer, commitment.couple) and keeps):
        raise refuse(
            viewer,
            action="check in on",
            what="commitment",
            object_id=commitment.pk,
            organisation_id=commitment.organisation_id,
            couple_id=commitment.couple_id,
        )


# The integration page ----------------------------------------------------------------------


def require_integration_read(viewer: Viewer, couple: Couple) -> None:
    require_couple_people(viewer, couple, action="see the integration of")


def can_record_integration(viewer: Viewer, couple: Couple) -> bool:
    """The care team records offers, integration sessions and follow-up contacts."""
    return is_care_team_of(viewer, couple)


def require_integration_record(
    viewer: Viewer, couple: Couple, *, action: str = "record the integration of"
) -> None:
    require_care_team(viewer, couple, action=action)


def offers_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[IntegrationOffer]:
    offers = IntegrationOffer.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    return offers if can_record_integration(viewer, couple) else offers.none()


def integration_sessions_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[IntegrationSession]:
    """COUPLE's integration sessions, for its partners and its care team (the notes are the
    care team's: pages show partners what is carried forward alone)."""
    sessions = IntegrationSession.objects.filter(
        organisation_id=couple.organisation_id, couple=couple
    )
    if is_partner_of(viewer, couple) or is_care_team_of(viewer, couple):
        return sessions
    return sessions.none()


def get_integration_session_for(
    viewer: Viewer, couple: Couple, session_id: object
) -> IntegrationSession:
    return _one_of(
        viewer,
        couple,
        integration_sessions_visible_to(viewer, couple),
        session_id,
        "integration_session",
    )


def follow_ups_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[FollowUpContact]:
    """The follow-up contacts of COUPLE: the care team's to make, so theirs alone to see."""
    contacts = FollowUpContact.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    return contacts if can_record_integration(viewer, couple) else contacts.none()


def get_follow_up_for(viewer: Viewer, couple: Couple, contact_id: object) -> FollowUpContact:
    return _one_of(viewer, couple, follow_ups_visible_to(viewer, couple), contact_id, "follow_up")


# The schedule ------------------------------------------------------------------------------


def schedule_partner_for(viewer: Viewer, couple: Couple) -> int | None:
    """Whose items of COUPLE's schedule VIEWER sees: a partner's own (their user id) beside the
    couple's; the care team's everyone's (None). Anyone else is refused (403)."""
    require_couple_people(viewer, couple, action="see the schedule of")
    return viewer.user.pk if is_partner_of(viewer, couple) else None
