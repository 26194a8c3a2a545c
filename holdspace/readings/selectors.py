"""Reads of the library and of a couple's readings, scoped to what the viewer may see, in a
number of queries that does not grow with the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple
from holdspace.policy import Viewer, deny, is_care_team_of, is_partner_of
from holdspace.readings.models import Reading, ReadingAssignment, ReadingRead
from holdspace.readings.services import LIBRARY_ROLES


def library_list(viewer: Viewer, organisation: Organisation) -> list[Reading]:
    """Every reading of the library, archived last, each with how often it was assigned."""
    if viewer.role_in(organisation.pk) not in LIBRARY_ROLES:
        return []
    return list(
        Reading.objects.filter(organisation=organisation)
        .defer("body_markdown")
        .select_related("updated_by")
        .annotate(assigned=Count("assignments"))
        .order_by(F("archived_at").asc(nulls_first=True), "title", "id")
    )


def assignable_readings(couple: Couple) -> list[Reading]:
    """The readings the care team may still give: the organisation's, not archived."""
    return list(
        Reading.objects.filter(organisation_id=couple.organisation_id, archived_at__isnull=True)
        .only("id", "title", "topic")
        .order_by("title", "id")
    )


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


@dataclass(frozen=True)
class ReadView:
    partner_id: int
    name: str
    read_at: dt.datetime | None


@dataclass(frozen=True)
class AssignmentView:
    assignment: ReadingAssignment
    reading: Reading
    to: str  # "both" or the partner's name
    reads: list[ReadView]  # one per partner it is for (a partner viewer: only themselves)
    my_read_at: dt.datetime | None

    @property
    def is_new(self) -> bool:
        return self.my_read_at is None


def couple_readings(
    viewer: Viewer,
    couple: Couple,
    *,
    with_body: bool = False,
    limit: int | None = None,
    assignment_id: int | None = None,
) -> list[AssignmentView]:
    """The viewer's view of COUPLE's readings, newest first, in two queries whatever their
    number: the assignments with their readings, then the reads the viewer may see."""
    partner = is_partner_of(viewer, couple)
    reads = ReadingRead.objects.filter(organisation_id=couple.organisation_id)
    if partner:
        reads = reads.filter(partner=viewer.user)
    queryset = (
        assignments_visible_to(viewer, couple)
        .select_related("reading", "assigned_by")
        .prefetch_related(Prefetch("reads", queryset=reads, to_attr="read_list"))
        .order_by("-assigned_at", "-id")
    )
    if not with_body:
        queryset = queryset.defer("reading__body_markdown")
    if assignment_id is not None:
        queryset = queryset.filter(pk=assignment_id)
    rows = list(queryset[:limit] if limit is not None else queryset)
    names = {p.user_id: p.user.display_name for p in couple.loaded_partners}
    views = []
    for assignment in rows:
        read_at = {r.partner_id: r.read_at for r in assignment.read_list}  # type: ignore[attr-defined]
        targets = [assignment.partner_id] if assignment.partner_id else list(names)
        if partner:
            targets = [viewer.user.pk]
        views.append(
            AssignmentView(
                assignment=assignment,
                reading=assignment.reading,
                to=names.get(assignment.partner_id, "") if assignment.partner_id else "both",
                reads=[ReadView(uid, names.get(uid, ""), read_at.get(uid)) for uid in targets],
                my_read_at=read_at.get(viewer.user.pk),
            )
        )
    return views


def get_assignment_for(viewer: Viewer, couple: Couple, assignment_id: int) -> ReadingAssignment:
    """One assignment of COUPLE the viewer may see, with its reading; else 404."""
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
