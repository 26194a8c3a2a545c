"""/api/v1/couples/{id}/readiness: the readiness gate, through the same selector and policy as
the readiness page; /api/v1/couples/{id}/preparation-sessions: a preparation session booked
ahead on the calendar (409 when its room or facilitator is taken then)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from holdspace.lib.api import ErrorOut, Input, documented
from holdspace.lib.citations import citation
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.models import PreparationKind, PreparationStatus
from holdspace.preparation.readiness import Item
from holdspace.preparation.selectors import readiness_read
from holdspace.preparation.services import preparation_session_schedule

router = Router(tags=["screening and preparation"])


class ItemOut(Schema):
    code: str
    label: str
    done: bool
    detail: str
    source: str
    unverified: bool
    # Not done, but answered and with the care team: nothing for the partner to do.
    with_care_team: bool = False


class PartnerReadinessOut(Schema):
    partner_id: int
    display_name: str
    ready: bool
    items: list[ItemOut]


class ReadinessOut(Schema):
    couple_id: int
    profile: str
    substance: str
    ready: bool
    partners: list[PartnerReadinessOut]
    couple_items: list[ItemOut]


def _item_out(item: Item, *, partner: bool = False) -> ItemOut:
    out = ItemOut(**{**item.as_dict(), "source": citation(item.source)})  # type: ignore[arg-type]
    if partner and item.partner_detail:
        out.detail = item.partner_detail
    return out


@router.get(
    "/{couple_id}/readiness",
    response=documented({200: ReadinessOut, 403: ErrorOut}),
    summary="What each partner has done and what is missing before a medicine session",
)
def readiness_view(request: HttpRequest, couple_id: int) -> ReadinessOut:
    viewer = viewer_from_request(request)
    seen = readiness_read(viewer=viewer, couple=get_couple_for(viewer, couple_id))
    # A partner learns only whether they themselves are ready, in the words meant for them.
    own_only = not seen.care_team
    return ReadinessOut(
        couple_id=seen.result.couple.pk,
        profile=seen.result.profile.id,
        substance=seen.result.substance,
        ready=seen.ready,
        partners=[
            PartnerReadinessOut(
                partner_id=p.partner.user_id,
                display_name=p.partner.user.display_name,
                ready=p.ready,
                items=[_item_out(i, partner=own_only) for i in p.items],
            )
            for p in seen.partners
        ],
        couple_items=[_item_out(i) for i in seen.result.couple_items],
    )


class PreparationBookIn(Input):
    kind: PreparationKind
    partner_id: int | None = Field(default=None, description="The partner of a private session.")
    starts_at: dt.datetime
    ends_at: dt.datetime | None = Field(
        default=None, description="An hour after the start unless given."
    )
    room: str = Field(default="", max_length=120, description="A room's name or id.")
    facilitator_id: int


class PreparationSessionOut(Schema):
    id: int
    couple_id: int
    kind: PreparationKind
    partner_id: int | None
    status: PreparationStatus
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    room: str
    facilitator_id: int


@router.post(
    "/{couple_id}/preparation-sessions",
    response=documented({201: PreparationSessionOut, 409: ErrorOut}, writes=True),
    summary="Book a preparation session ahead (care team; 409 when its room or facilitator "
    "is already booked then)",
)
def preparation_book(
    request: HttpRequest, couple_id: int, payload: PreparationBookIn
) -> Status[PreparationSessionOut]:
    viewer = viewer_from_request(request)
    session = preparation_session_schedule(
        viewer=viewer,
        couple=get_couple_for(viewer, couple_id),
        kind=payload.kind,
        partner_id=payload.partner_id,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        room=payload.room,
        facilitator_id=payload.facilitator_id,
    )
    booking = session.booking
    return Status(
        201,
        PreparationSessionOut(
            id=session.pk,
            couple_id=session.couple_id,
            kind=PreparationKind(session.kind),
            partner_id=session.partner_id,
            status=PreparationStatus(session.status),
            starts_at=session.held_at,
            ends_at=booking.ends_at if booking else None,
            room=booking.room.name if booking and booking.room else "",
            facilitator_id=session.facilitator_id,
        ),
    )
