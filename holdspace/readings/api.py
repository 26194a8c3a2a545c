"""/api/v1/couples/{id}/readings and /api/v1/readings/assignments/{id}/read."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.lib.api import (
    ErrorOut,
    Input,
    Page,
    PageQuery,
    documented,
    next_offset,
    page_slice,
)
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.readings import (
    couple_of_assignment_for,
    get_assignment_for,
    require_readings_view,
)
from holdspace.readings.models import Topic
from holdspace.readings.selectors import AssignmentView, couple_readings, reading_list
from holdspace.readings.services import (
    MAX_NOTE,
    assignment_create,
    reading_mark_read,
    render_markdown,
)

router = Router(tags=["readings"])


class ReadOut(Schema):
    partner_id: int
    read_at: dt.datetime | None = Field(
        description="When the partner first opened it; null: not yet"
    )


class AssignmentOut(Schema):
    id: int
    couple_id: int
    reading_id: int
    title: str
    summary: str
    topic: Topic
    body_html: str = Field(description="The reading, as sanitised HTML")
    partner_id: int | None = Field(description="The partner it is for; null for both partners")
    note: str
    assigned_at: dt.datetime
    assigned_by: str
    read_at: dt.datetime | None = Field(
        description="When the caller first read it (null if not yet, or the caller is staff)"
    )
    reads: list[ReadOut] = Field(
        description="For the care team: each partner it is for; for a partner: their own"
    )


class AssignmentIn(Input):
    reading_id: int = Field(description="A reading of the organisation's library, not archived")
    partner_id: int | None = Field(
        default=None, description="One partner's user id; null or absent for both partners"
    )
    note: str = Field(default="", max_length=MAX_NOTE)


class ReadingReadOut(Schema):
    assignment_id: int
    partner_id: int
    read_at: dt.datetime
    first: bool = Field(description="Whether this call recorded the read (false: read before)")


def _out(view: AssignmentView) -> AssignmentOut:
    a = view.assignment
    return AssignmentOut(
        id=a.pk,
        couple_id=a.couple_id,
        reading_id=view.reading.pk,
        title=view.reading.title,
        summary=view.reading.summary,
        topic=Topic(view.reading.topic),
        body_html=str(render_markdown(view.reading.body_markdown)),
        partner_id=a.partner_id,
        note=a.note,
        assigned_at=a.assigned_at,
        assigned_by=a.assigned_by.display_name,
        read_at=view.my_read_at,
        reads=[ReadOut(partner_id=r.partner_id, read_at=r.read_at) for r in view.reads],
    )


class AssignmentListOut(Page[AssignmentOut]):
    pass


@router.get(
    "/couples/{couple_id}/readings",
    response=documented({200: AssignmentListOut, 403: ErrorOut}),
    summary="The readings assigned to the couple that the caller may see, with when read",
)
def readings_list(
    request: HttpRequest, couple_id: int, query: Query[PageQuery]
) -> AssignmentListOut:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    views, total = page_slice(reading_list(viewer, couple, with_body=True), query)
    return AssignmentListOut(
        items=[_out(v) for v in views], count=total, next=next_offset(query, total)
    )


@router.post(
    "/couples/{couple_id}/readings",
    response=documented({201: AssignmentOut}, writes=True),
    summary="Assign a reading to the couple or one partner (the couple's care team)",
)
def reading_assign(
    request: HttpRequest, couple_id: int, payload: AssignmentIn
) -> Status[AssignmentOut]:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    made = assignment_create(
        viewer=viewer,
        couple=couple,
        reading_id=payload.reading_id,
        partner_id=payload.partner_id,
        note=payload.note,
    )
    (view,) = couple_readings(viewer, couple, with_body=True, assignment_id=made.pk)
    return Status(201, _out(view))


@router.post(
    "/readings/assignments/{assignment_id}/read",
    response=documented({200: ReadingReadOut}, writes=True),
    summary="Record that the calling partner read an assigned reading (once; later calls keep "
    "the first time)",
)
def reading_read(request: HttpRequest, assignment_id: int) -> ReadingReadOut:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_of_assignment_for(viewer, assignment_id))
    require_readings_view(viewer, couple)
    assignment = get_assignment_for(viewer, couple, assignment_id)
    read, created = reading_mark_read(viewer=viewer, couple=couple, assignment=assignment)
    return ReadingReadOut(
        assignment_id=assignment.pk,
        partner_id=read.partner_id,
        read_at=read.read_at,
        first=created,
    )
