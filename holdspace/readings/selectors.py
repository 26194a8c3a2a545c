"""Reads of the library and of a couple's readings, scoped to what the viewer may see, in a
number of queries that does not grow with the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch

from holdspace.accounts.models import Organisation
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer
from holdspace.policy.couples import get_couple_for
from holdspace.policy.readings import (
    assignments_visible_to,
    can_assign_readings,
    get_assignment_for,
    readings_visible_to,
    reads_as_partner,
    reads_visible_to,
    require_readings_view,
)
from holdspace.readings.models import Reading, ReadingAssignment


def library_list(viewer: Viewer, organisation: Organisation) -> list[Reading]:
    """Every reading of the library, archived last, each with how often it was assigned."""
    return list(
        readings_visible_to(viewer, organisation.pk)
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
    partner = reads_as_partner(viewer, couple)
    reads = reads_visible_to(viewer, couple)
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


def reading_list(
    viewer: Viewer, couple: Couple, *, with_body: bool = False
) -> list[AssignmentView]:
    """COUPLE's readings for its partners and its care team (403 for anyone else who sees the
    couple), audited as a read."""
    require_readings_view(viewer, couple)
    views = couple_readings(viewer, couple, with_body=with_body)
    viewer.audit(
        Action.READING_LIST,
        organisation_id=couple.organisation_id,
        object_type="reading_assignment",
        couple_id=couple.pk,
        ids=[v.assignment.pk for v in views],
    )
    return views


@dataclass(frozen=True)
class CoupleReadingsPage:
    couple: Couple
    views: list[AssignmentView]
    partner: bool  # the viewer reads as a partner
    assignable: list[Reading] | None  # None: the viewer does not assign readings


def couple_readings_page(*, viewer: Viewer, couple_id: int) -> CoupleReadingsPage:
    """A couple's readings page: who has read what, and for the care team what it may still
    assign. Audited."""
    couple = get_couple_for(viewer, couple_id)
    views = reading_list(viewer, couple)
    return CoupleReadingsPage(
        couple,
        views,
        reads_as_partner(viewer, couple),
        assignable_readings(couple) if can_assign_readings(viewer, couple) else None,
    )


@dataclass(frozen=True)
class ReadingPage:
    couple: Couple
    assignment: ReadingAssignment
    partner: bool  # opened by a partner it is for: their read is recorded (reading_open)


def reading_page(*, viewer: Viewer, couple_id: int, assignment_id: int) -> ReadingPage:
    """One assigned reading for its partners and the care team (404 for an assignment the
    viewer may not see). A partner's open is audited when their read is recorded; the care
    team's is audited here."""
    couple = get_couple_for(viewer, couple_id)
    require_readings_view(viewer, couple)
    assignment = get_assignment_for(viewer, couple, assignment_id)
    partner = reads_as_partner(viewer, couple)
    if not partner:
        viewer.audit(Action.READING_VIEW, assignment)
    return ReadingPage(couple, assignment, partner)
