"""/api/v1/couples/{id}/commitments, /api/v1/commitments/{id}/checkins and
/api/v1/couples/{id}/schedule."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.audit.actions import Action
from holdspace.integration.models import Cadence, CheckIn, Commitment
from holdspace.integration.services import checkin_record, commitment_create
from holdspace.lib.api import (
    ErrorOut,
    Input,
    Page,
    PageQuery,
    documented,
    next_offset,
    page_slice,
)
from holdspace.policy import couples_visible_to, deny, get_couple_for, is_partner_of
from holdspace.policy.core import viewer_from_request

router = Router(tags=["integration"])


class CommitmentIn(Input):
    description: str = Field(min_length=1, max_length=4000)
    who: Literal["both"] | int = Field(description="`both`, or the partner's user id")
    cadence: Literal["daily", "weekly", "fortnightly", "monthly"]
    starts_on: dt.date | None = None


class CommitmentOut(Schema):
    id: int
    couple_id: int
    description: str
    who: Literal["both"] | int
    cadence: Cadence
    starts_on: dt.date


class CheckInIn(Input):
    status: Literal["done", "missed"]
    note: str = Field(default="", max_length=4000)


class CheckInOut(Schema):
    id: int
    commitment_id: int
    partner_id: int
    period_start: dt.date
    status: Literal["done", "missed"]


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
    commitment = Commitment.objects.filter(
        pk=commitment_id, couple__in=couples_visible_to(viewer)
    ).first()
    if commitment is None:
        raise deny(viewer, what="commitment", object_id=commitment_id, organisation_id=None)
    couple = get_couple_for(viewer, commitment.couple_id)
    made: CheckIn = checkin_record(
        viewer=viewer,
        couple=couple,
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
            status=made.status,  # type: ignore[arg-type]
        ),
    )


class ScheduleItemOut(Schema):
    key: str = Field(description="Stable identity of the item")
    kind: Literal["measure", "checkin", "follow_up", "session"]
    label: str
    due_on: dt.date
    starts_at: dt.datetime | None = Field(description="For sessions: when they start")
    partner_id: int | None = Field(description="Whose item it is; null for both partners")
    status: Literal["overdue", "due", "upcoming"]
    for_team: bool = Field(description="The care team acts on it (a follow-up contact)")
    url: str = Field(description="The page that opens the item")


class ScheduleOut(Page[ScheduleItemOut]):
    pass


@router.get(
    "/couples/{couple_id}/schedule",
    response=documented({200: ScheduleOut, 403: ErrorOut}),
    summary="Due and upcoming items for the caller (a partner: theirs and the couple's)",
)
def schedule(request: HttpRequest, couple_id: int, query: Query[PageQuery]) -> ScheduleOut:
    from django.conf import settings
    from django.utils import timezone

    from holdspace.integration.schedule import schedule_for

    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    items, total = page_slice(schedule_for(viewer, couple), query)
    today = timezone.localdate()
    viewer.audit(
        Action.SCHEDULE_READ,
        organisation_id=couple.organisation_id,
        object_type="couple",
        object_id=couple.pk,
        couple_id=couple.pk,
    )
    partner = is_partner_of(viewer, couple)
    return ScheduleOut(
        count=total,
        next=next_offset(query, total),
        items=[
            ScheduleItemOut(
                key=i.key,
                kind=i.kind,  # type: ignore[arg-type]
                label=i.public_label if (i.for_team and partner) else i.label,
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
