"""/api/v1/couples/{id}/partners/{partner_id}/forms/demographic_form: a partner's coded client
data form (Oregon's 303), read and answered through the same check as the web form;
/api/v1/couples/{id}/readiness: the readiness gate, through the same selector and policy as
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
from holdspace.preparation.clientdata import ClientDataShown, client_data_shown
from holdspace.preparation.models import PartnerForm, PreparationKind, PreparationStatus
from holdspace.preparation.readiness import Item
from holdspace.preparation.selectors import client_data_read, readiness_read
from holdspace.preparation.services import client_data_submit, preparation_session_schedule
from holdspace.screening.profiles import get_profile

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


# The coded client data form (Oregon's 303) -------------------------------------------------


class ClientDataIn(Input):
    version: str | None = Field(
        default=None, max_length=40, description="The form version answered; the current one."
    )
    answers: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Question code to an answer code (single) or a list of them (multiple); "
        "`prefer_not` goes alone; a question left out is unanswered; `age` is never asked.",
    )
    other: dict[str, str] = Field(
        default_factory=dict,
        description="Question code to free text, only where the question has an Other answer; "
        "kept, never counted.",
    )
    withheld: bool = Field(default=False, description="The partner opted out of the report.")
    opt_out_offered: bool = Field(
        default=False,
        description="The written confirmation that the opt-out was offered: must be true.",
    )


class ClientDataAnswerOut(Schema):
    code: str
    question: str
    answers: list[str]
    other: str


class ClientDataOut(Schema):
    id: int
    partner_id: int
    coded: bool = Field(description="False for a row from before the form was coded.")
    version: str | None
    answers: dict[str, str | list[str]]
    other: dict[str, str]
    withheld: bool
    opt_out_offered: bool
    labelled: list[ClientDataAnswerOut] = Field(
        description="The answers as the labels of the version they were given under."
    )
    legacy: dict[str, str] = Field(description="A row from before the form was coded, as typed.")
    created_at: dt.datetime


def _client_data_out(record: PartnerForm, shown: ClientDataShown) -> ClientDataOut:
    data = record.data
    return ClientDataOut(
        id=record.pk,
        partner_id=record.partner_id,
        coded=shown.coded,
        version=shown.version or None,
        answers=data.get("answers", {}) if shown.coded else {},
        other=data.get("other", {}) if shown.coded else {},
        withheld=shown.withheld,
        opt_out_offered=shown.confirmed,
        labelled=[
            ClientDataAnswerOut(code=a.code, question=a.question, answers=a.answers, other=a.other)
            for a in shown.answers
        ],
        legacy=dict(shown.legacy),
        created_at=record.created_at,
    )


@router.get(
    "/{couple_id}/partners/{partner_id}/forms/demographic_form",
    response=documented({200: ClientDataOut, 403: ErrorOut}),
    summary="A partner's newest client data form (Oregon's 303), with its labels (the partner "
    "and their care team; 403 for the other partner; 404 when none is stored)",
)
def client_data_view(request: HttpRequest, couple_id: int, partner_id: int) -> ClientDataOut:
    viewer = viewer_from_request(request)
    read = client_data_read(
        viewer=viewer, couple=get_couple_for(viewer, couple_id), partner_id=partner_id
    )
    return _client_data_out(read.record, read.shown)


@router.post(
    "/{couple_id}/partners/{partner_id}/forms/demographic_form",
    response=documented({201: ClientDataOut}, writes=True),
    summary="Answer a partner's client data form (Oregon's 303): 422 naming `answers.<question>`, "
    "`other.<question>`, `version` or `opt_out_offered`",
)
def client_data_answer(
    request: HttpRequest, couple_id: int, partner_id: int, payload: ClientDataIn
) -> Status[ClientDataOut]:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    record = client_data_submit(
        viewer=viewer, couple=couple, partner_id=partner_id, body=payload.model_dump()
    )
    shown = client_data_shown(get_profile(couple.organisation.profile).client_data, record.data)
    return Status(201, _client_data_out(record, shown))
