"""Readings: the organisation's psychoeducation library, what is assigned to whom, and who
read it.

- Staff of the organisation (org admin, clinical lead, facilitator) write and edit its
  library; another organisation's library, and its readings, do not exist for them (404).
- The couple's care team (its facilitators and the clinical leads) assigns a reading to the
  couple (both partners) or to one partner, and sees every assignment and every read.
- A partner sees the readings assigned to both of them or to them alone, never one assigned
  only to the other partner, and their own reads; only they mark one read.
- Anyone else who sees the couple (an org admin) is refused its readings (403).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from holdspace.accounts.models import Organisation, Role
from holdspace.couples.models import Couple
from holdspace.policy.core import (
    Viewer,
    deny,
    is_care_team_of,
    is_partner_of,
    organisation_for,
    refuse,
    require_care_team,
    require_couple_people,
)
from holdspace.policy.couples import couples_visible_to
from holdspace.readings.models import Reading, ReadingAssignment, ReadingRead

# Roles that write the library of their organisation.
LIBRARY_ROLES = frozenset({Role.ORG_ADMIN, Role.CLINICAL_LEAD, Role.FACILITATOR})


# The library -------------------------------------------------------------------------------


def writes_a_library(viewer: Viewer) -> bool:
    """Whether the viewer writes the library of any of their organisations."""
    return bool(viewer.orgs_with(LIBRARY_ROLES))


def can_edit_library(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.role_in(organisation_id) in LIBRARY_ROLES


def library_organisation_for(viewer: Viewer, requested: object, *, attempted: str) -> Organisation:
    """The library asked for (`?org=`) or the viewer's first: another organisation's does not
    exist for them (404); their own, without a staff role, is refused (403). Both audited."""
    raw = str(requested or "").strip()
    if raw.isdigit() and viewer.role_in(int(raw)) is None:
        raise deny(viewer, what="reading library", object_id=raw, organisation_id=None)
    return organisation_for(viewer, raw, LIBRARY_ROLES, what="reading library", attempted=attempted)


def readings_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[Reading]:
    """The readings of ORGANISATION_ID's library the viewer sees: all for its staff."""
    readings = Reading.objects.filter(organisation_id=organisation_id)
    return readings if can_edit_library(viewer, organisation_id) else readings.none()


def get_reading_for(viewer: Viewer, reading_id: int) -> Reading:
    """A reading of a library the viewer writes; anything else does not exist for them (404,
    audited in the chain of the reading's organisation)."""
    reading = (
        Reading.objects.filter(pk=reading_id, organisation_id__in=viewer.orgs_with(LIBRARY_ROLES))
        .select_related("organisation", "updated_by")
        .first()
    )
    if reading is None:
        existing = Reading.objects.filter(pk=reading_id).values_list("organisation_id", flat=True)
        raise deny(viewer, what="reading", object_id=reading_id, organisation_id=existing.first())
    return reading


def require_library_write(viewer: Viewer, organisation: Organisation) -> None:
    """Adding to the library: its organisation's staff (403, audited)."""
    if not can_edit_library(viewer, organisation.pk):
        raise refuse(
            viewer,
            action="write the library of",
            what="organisation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
        )


def require_reading_edit(viewer: Viewer, reading: Reading) -> None:
    """Editing a reading: its organisation's staff; for anyone else it does not exist (404)."""
    if not can_edit_library(viewer, reading.organisation_id):
        raise deny(
            viewer, what="reading", object_id=reading.pk, organisation_id=reading.organisation_id
        )


# A couple's readings -----------------------------------------------------------------------


def require_readings_view(viewer: Viewer, couple: Couple) -> None:
    """The couple's readings: its partners and its care team (403 for others who see it)."""
    require_couple_people(viewer, couple, action="see the readings of")


def reads_as_partner(viewer: Viewer, couple: Couple) -> bool:
    """Whether the viewer reads COUPLE's readings as one of its partners (their own reads,
    recorded when they open one), rather than as its care team."""
    return is_partner_of(viewer, couple)


def can_assign_readings(viewer: Viewer, couple: Couple) -> bool:
    """A facilitator on the couple's care team, or a clinical lead."""
    return is_care_team_of(viewer, couple)


def require_reading_assign(viewer: Viewer, couple: Couple) -> None:
    require_care_team(viewer, couple, action="assign readings to")


def assignments_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[ReadingAssignment]:
    """The assignments of COUPLE the viewer may see (COUPLE must come from get_couple_for): the
    care team sees all; a partner those given to both partners or to them alone."""
    assignments = ReadingAssignment.objects.filter(
        organisation_id=couple.organisation_id, couple=couple
    )
    if is_partner_of(viewer, couple):
        return assignments.filter(Q(partner__isnull=True) | Q(partner=viewer.user))
    if is_care_team_of(viewer, couple):
        return assignments
    return assignments.none()


def reads_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[ReadingRead]:
    """The reads of COUPLE's readings the viewer may see: a partner their own, the care team
    all of them."""
    reads = ReadingRead.objects.filter(
        organisation_id=couple.organisation_id, assignment__couple=couple
    )
    if is_partner_of(viewer, couple):
        return reads.filter(partner=viewer.user)
    if is_care_team_of(viewer, couple):
        return reads
    return reads.none()


def get_assignment_for(viewer: Viewer, couple: Couple, assignment_id: int) -> ReadingAssignment:
    """One assignment of COUPLE the viewer may see, with its reading; else 404, audited."""
    assignment = (
        assignments_visible_to(viewer, couple)
        .select_related("reading", "assigned_by")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        exists = ReadingAssignment.objects.filter(pk=assignment_id, couple=couple).exists()
        raise deny(
            viewer,
            what="reading_assignment",
            object_id=assignment_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk if exists else None,
        )
    assignment.couple = couple  # the same instance, with its partners and care team loaded
    return assignment


def couple_of_assignment_for(viewer: Viewer, assignment_id: int) -> int:
    """The couple of an assignment asked for by its id alone (the API's read), when the
    viewer sees that couple; 404, audited, otherwise."""
    found = (
        ReadingAssignment.objects.filter(pk=assignment_id, couple__in=couples_visible_to(viewer))
        .values_list("couple_id", flat=True)
        .first()
    )
    if found is None:
        organisation_id = (
            ReadingAssignment.objects.filter(pk=assignment_id)
            .values_list("organisation_id", flat=True)
            .first()
        )
        raise deny(
            viewer,
            what="reading_assignment",
            object_id=assignment_id,
            organisation_id=organisation_id,
        )
    return found


def require_reading_mark_read(
    viewer: Viewer, couple: Couple, assignment: ReadingAssignment
) -> None:
    """Only a partner the reading is assigned to marks it read: 403 for the care team, 404
    for an assignment that is not theirs; audited."""
    if not is_partner_of(viewer, couple):
        raise refuse(
            viewer,
            action="mark as read",
            what="reading_assignment",
            object_id=assignment.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    mine = assignment.partner_id is None or assignment.partner_id == viewer.user.pk
    if assignment.couple_id != couple.pk or not mine:
        raise deny(
            viewer,
            what="reading_assignment",
            object_id=assignment.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
