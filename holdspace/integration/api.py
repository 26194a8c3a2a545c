"""/api/v1/couples/{id}/commitments and /api/v1/commitments/{id}/checkins."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from holdspace.integration.models import CheckIn, Commitment
from holdspace.integration.services import checkin_record, commitment_create
from holdspace.lib.api import Input, api_viewer, documented
from holdspace.policy import couples_visible_to, deny, get_couple_for

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
    cadence: str
    starts_on: dt.date


class CheckInIn(Input):
    status: Literal["done", "missed"]
    note: str = Field(default="", max_length=4000)


class CheckInOut(Schema):
    id: int
    commitment_id: int
    partner_id: int
    period_start: dt.date
    status: str


@router.post(
    "/couples/{couple_id}/commitments",
    response=documented({201: CommitmentOut}, writes=True),
    summary="Add a commitment (the partners, or their care team with them)",
)
def commitment_new(
    request: HttpRequest, couple_id: int, payload: CommitmentIn
) -> Status[CommitmentOut]:
    viewer = api_viewer(request)
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
            cadence=revision.cadence,
            starts_on=revision.starts_on,
        ),
    )


@router.post(
    "/commitments/{commitment_id}/checkins",
    response=documented({201: CheckInOut}, writes=True),
    summary="Check in on a commitment for this period (a partner who keeps it)",
)
def checkin_new(request: HttpRequest, commitment_id: int, payload: CheckInIn) -> Status[CheckInOut]:
    viewer = api_viewer(request)
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
            status=made.status,
        ),
    )
