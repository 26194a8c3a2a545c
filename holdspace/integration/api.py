"""/api/v1/couples/{id}/commitments, /api/v1/commitments/{id}/checkins and
/api/v1/couples/{id}/schedule."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.integration.models import MAX_TEXT, Cadence, CheckIn, CheckInStatus
from holdspace.integration.schedule import Kind
from holdspace.integration.selectors import schedule_read
from holdspace.integration.services import checkin_record, commitment_create
from holdspace.lib.api import ErrorOut, Input, Page, PageQuery, documented, next_offset, page_slice
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.integration import get_any_commitment_for

router = Router(tags=["integration"])


class CommitmentIn(Input):
    description: str = Field(min_length=1, max_length=MAX_TEXT)
    who: Literal["both"] | int = Field(description="`both`, or the partner's user id")
    cadence: Cadence
    starts_on: dt.date | None = None


class CommitmentOut(Schema):
    id: int
    couple_id: int
    description: str
    who: Literal["both"] | int
    cadence: Cadence
    starts_on: dt.date


class CheckInIn(Input):
    status: CheckInStatus
    note: str = Field(default="", max_length=MAX_TEXT)


class CheckInOut(Schema):
    id: int
    commitment_id: int
    partner_id: int
    period_start: dt.date
    status: CheckInStatus


@router.post(
    "/couples/{couple_id}/commitments",
    response=documented({201: CommitmentOut}, writes=True),
    summary="Add a commitment (the partners, or their care team with them)",
)
def commitment_new(
    request: HttpRequest, couple_id: int, payload: CommitmentIn
) -> Status[CommitmentOut]:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    commitment = commitment_create(
        viewer=viewer,
        couple=couple,
        description=payload.description,
        who=payload.who,
        cadence=payload.cadence,
        starts_on=payload.starts_on,
    )
    revision = commitment.revisions.get()
    return Status(
        201,
        CommitmentOut(
            id=commitment.pk,
            couple_id=couple.pk,
            description=revision.description,
            who=revision.partner_id or "both",
            cadence=Cadence(revision.cadence),
            starts_on=revision.starts_on,
        ),
    )


@router.post(
    "/commitments/{commitment_id}/checkins",
    response=documented({201: CheckInOut}, writes=True),
    summary="Check in on a commitment for this period (a partner who keeps it)",
)
def checkin_new(request: HttpRequest, commitment_id: int, payload: CheckInIn) -> Status[CheckInOut]:
    viewer = viewer_from_request(request)
    commitment = get_any_commitment_for(viewer, commitment_id)
    made: CheckIn = checkin_record(
        viewer=viewer,
        couple=commitment.couple,
        commitment=commitment,
        status=payload.status,
        note=payload.note,
    )
    return Status(
        201,
        CheckInOut(
            id=made.pk,
            commitment_id=commitment.pk,
            partner_id=made.partner_id,
            period_start=made.period_start,
            status=CheckInStatus(made.status),
        ),
    )


class ScheduleItemOut(Schema):
    key: str = Field(description="Stable identity of the item")
    kind: Kind
    label: str
    due_on: dt.date
    starts_at: dt.datetime | None = Field(description="For sessions: when they start")
    partner_id: int | None = Field(description="Whose item it is; null for both partners")
    status: Literal["overdue", "due", "upcoming"]
    for_team: bool = Field(description="The care team acts on it (a follow-up contact)")
    url: str = Field(description="The page that opens the item")


class ScheduleOut(Page[ScheduleItemOut]):
    """Soonest first."""


@router.get(
    "/couples/{couple_id}/schedule",
    response=documented({200: ScheduleOut, 403: ErrorOut}),
    summary="Due and upcoming items for the caller (a partner: theirs and the couple's)",
)
def schedule(request: HttpRequest, couple_id: int, query: Query[PageQuery]) -> ScheduleOut:
    viewer = viewer_from_request(request)
    read = schedule_read(viewer, get_couple_for(viewer, couple_id))
    items, total = page_slice(read.items, query)
    today = timezone.localdate()
    return ScheduleOut(
        count=total,
        next=next_offset(query, total),
        items=[
            ScheduleItemOut(
                key=i.key,
                kind=Kind(i.kind),
                label=i.public_label if (i.for_team and read.for_partner) else i.label,
                due_on=i.due_on,
                starts_at=i.starts_at,
                partner_id=i.partner_id,
                status=i.status(today),  # type: ignore[arg-type]
                for_team=i.for_team,
                url=settings.SITE_URL + i.path,
            )
            for i in items
        ],
    )
