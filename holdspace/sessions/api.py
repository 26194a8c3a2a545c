"""/api/v1/couples/{id}/sessions (scheduling through the readiness gate) and /api/v1/sessions:
one session, its plan, the live event log (each event recorded exactly once) and discharge —
the same services and policy as the web pages. The live console's script posts its events
here with the signed-in session and its CSRF token (holdspace/api.py adds session
authentication to this router); other clients use a bearer token."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.bookings.models import BookingStatus
from holdspace.lib.api import (
    ErrorOut,
    Input,
    Page,
    PageQuery,
    documented,
    next_offset,
    page_slice,
)
from holdspace.lib.citations import citation
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.sessions import get_medicine_session_for, require_session_care
from holdspace.screening.profiles import Substance, get_profile
from holdspace.sessions.models import (
    Discharge,
    EventKind,
    Intention,
    MedicineSession,
    SessionEvent,
    SessionStatus,
)
from holdspace.sessions.recording import EventConflict, session_event_record
from holdspace.sessions.selectors import (
    SessionSeen,
    session_as_planned,
    session_detail_read,
    session_events_read,
    session_timeline,
)
from holdspace.sessions.services import (
    NotReady,
    PlanLine,
    discharge_record,
    medicine_session_cancel,
    medicine_session_confirm,
    medicine_session_details_record,
    medicine_session_plan,
    medicine_session_reschedule,
    medicine_session_schedule,
)

router = Router(tags=["medicine sessions"])
# Scheduling, under the couple: POST /api/v1/couples/{id}/sessions.
couple_router = Router(tags=["medicine sessions"])


class SessionIn(Input):
    starts_at: dt.datetime
    substance: Substance | None = None
    room: str = Field(default="", max_length=120)
    facilitator_ids: list[int] = Field(default=[], max_length=20)


class SessionOut(Schema):
    id: int
    couple_id: int
    substance: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = Field(
        description="Until when the room and facilitators are held."
    )
    room: str
    status: SessionStatus
    booking_status: BookingStatus | None = Field(
        description="tentative: booked while the couple is still preparing (confirm it once "
        "ready); confirmed; cancelled."
    )
    facilitator_ids: list[int]


class SessionChangeIn(Input):
    status: Literal["confirmed"] | None = Field(
        default=None, description="`confirmed` confirms a tentative session (409 until ready)."
    )
    starts_at: dt.datetime | None = Field(default=None, description="Move the session here.")
    room: str | None = Field(
        default=None, max_length=120, description="A room's name or id; an empty string for none."
    )


class SessionCancelIn(Input):
    reason: str = Field(min_length=1, max_length=2000)


class MissingOut(Schema):
    partner_id: int | None
    partner_name: str | None
    code: str
    label: str
    detail: str
    source: str
    unverified: bool


class NotReadyOut(Schema):
    detail: str
    missing: list[MissingOut] = Field(
        default=[], description="What the couple still needs; empty for a booking conflict."
    )


class PlanLineIn(Input):
    partner_id: int
    lot: str = Field(
        min_length=1,
        max_length=100,
        description="Where the profile keeps a product ledger (Oregon, Colorado): the lot "
        "number of a released, unexpired lot of the organisation's ledger with the units on "
        "hand; product and mg_per_unit are then copied from it (leave them out, or give the "
        "lot's). Otherwise the lot in words.",
    )
    product: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Required without a product ledger; the lot's otherwise.",
    )
    mg_per_unit: float | None = Field(
        default=None,
        gt=0,
        le=10_000,
        description="Required without a product ledger; the lot's otherwise.",
    )
    planned_mg: float = Field(
        gt=0,
        le=10_000,
        description="With a product ledger, a whole number of the lot's units.",
    )
    supplemental_mg: float | None = Field(default=None, gt=0, le=10_000)
    supplemental_after_minutes: int | None = Field(default=None, ge=0, le=24 * 60)


class MusicPlanIn(Input):
    entries: list[str] = Field(default=[], max_length=200)
    link: str = Field(default="", max_length=500)
    changed_by: Literal["facilitator", "partners", "anyone"] = "facilitator"


class PlanIn(Input):
    plans: list[PlanLineIn] = Field(default=[], max_length=2)
    facilitator_ids: list[int] | None = Field(default=None, max_length=20)
    room: str | None = Field(default=None, max_length=120)
    music: MusicPlanIn | None = None


class PlanLineOut(Schema):
    partner_id: int
    product: str
    lot: str
    ledger_lot_id: int | None = Field(
        description="The lot of the product ledger the dose comes from; null without a ledger."
    )
    mg_per_unit: float
    planned_mg: float
    planned_units: int | None = Field(
        description="The planned dose in the lot's units; null without a product ledger."
    )
    supplemental_mg: float | None
    supplemental_after_minutes: int | None


class DischargeCriterionOut(Schema):
    id: str
    label: str
    source: str
    unverified: bool


class SessionDetailOut(Schema):
    id: int
    couple_id: int
    substance: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    room: str
    status: SessionStatus
    booking_status: BookingStatus | None
    profile: str
    minimum_minutes: int | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str
    facilitator_ids: list[int]
    plans: list[PlanLineOut] = Field(description="The care team only; empty for partners.")
    music: dict[str, Any]
    discharge_criteria: list[DischargeCriterionOut] = Field(
        description="What the care team confirms before each partner leaves (the profile's)."
    )


class EventIn(Input):
    id: uuid.UUID = Field(description="A UUID the client generates; a replay sends it again.")
    partner_id: int | None = Field(default=None, description="Absent for a joint event.")
    kind: EventKind
    occurred_at: dt.datetime
    data: dict[str, Any] = Field(default={})


class AlertOut(Schema):
    id: int
    rule_id: str
    message: str
    source: str


class EventOut(Schema):
    id: uuid.UUID
    partner_id: int | None
    kind: EventKind
    occurred_at: dt.datetime
    received_at: dt.datetime
    data: dict[str, Any]
    corrects: uuid.UUID | None
    corrected_by: list[uuid.UUID]
    recorded_by: str
    alerts: list[AlertOut]


class EventListOut(Page[EventOut]):
    pass


class ConflictOut(Schema):
    detail: str
    stored: EventOut


class DischargeIn(Input):
    partner_id: int
    criteria_confirmed: list[str] = Field(
        default=[],
        max_length=50,
        description="The ids of the profile's discharge criteria confirmed "
        "(the session's discharge_criteria lists them); each one is required.",
    )
    transport_confirmed: bool
    transport_deviation: str = Field(default="", max_length=4000)
    left_at: dt.datetime | None = None
    notes: str = Field(default="", max_length=4000)
    declined_dose: bool = Field(
        default=False,
        description="The partner chose not to take the medicine: no dose is recorded for "
        "them, and a note says so; they leave without a minimum duration.",
    )


class DischargeOut(Schema):
    partner_id: int
    criteria_confirmed: list[str]
    effects_resolved: bool
    oriented: bool
    transport_confirmed: bool
    transport_deviation: str
    left_at: dt.datetime
    signed_off_by: str
    session_status: SessionStatus


def _session_out(seen: SessionSeen) -> SessionDetailOut:
    session = seen.session
    return SessionDetailOut(
        id=session.pk,
        couple_id=session.couple_id,
        substance=session.substance,
        starts_at=session.starts_at,
        ends_at=session.booking.ends_at if session.booking else None,
        room=session.room,
        status=SessionStatus(session.status),
        booking_status=BookingStatus(session.booking.status) if session.booking else None,
        profile=session.profile,
        minimum_minutes=session.minimum_minutes,
        started_at=session.started_at,
        ended_at=session.ended_at,
        end_reason=session.end_reason,
        facilitator_ids=seen.facilitator_ids,
        plans=[
            PlanLineOut(
                partner_id=p.partner_id,
                product=p.product,
                lot=p.lot,
                ledger_lot_id=p.ledger_lot_id,
                mg_per_unit=p.mg_per_unit,
                planned_mg=p.planned_mg,
                planned_units=(
                    round(p.planned_mg / p.mg_per_unit) if p.ledger_lot_id is not None else None
                ),
                supplemental_mg=p.supplemental_mg,
                supplemental_after_minutes=p.supplemental_after_minutes,
            )
            for p in seen.plans
        ],
        music=session.music_plan if seen.care_team else {},
        discharge_criteria=[
            DischargeCriterionOut(
                id=c.id, label=c.label, source=citation(c.source), unverified=c.unverified
            )
            for c in get_profile(session.profile).discharge.criteria
        ],
    )


def event_out(event: SessionEvent) -> EventOut:
    return EventOut(
        id=event.uuid,
        partner_id=event.partner_id,
        kind=EventKind(event.kind),
        occurred_at=event.occurred_at,
        received_at=event.received_at,
        data=event.data,
        corrects=event.corrects.uuid if event.corrects_id and event.corrects else None,
        corrected_by=[c.uuid for c in getattr(event, "correction_list", [])],
        recorded_by=event.recorded_by.display_name,
        alerts=[
            AlertOut(id=a.pk, rule_id=a.rule_id, message=a.message, source=citation(a.source))
            for a in getattr(event, "alert_list", [])
        ],
    )


@router.get("/{session_id}", response=documented({200: SessionDetailOut}), summary="One session")
def session_detail(request: HttpRequest, session_id: int) -> SessionDetailOut:
    return _session_out(
        session_detail_read(viewer=viewer_from_request(request), session_id=session_id)
    )


@router.put(
    "/{session_id}/plan",
    response=documented({200: SessionDetailOut, 409: ErrorOut}, writes=True),
    summary="Complete or change the plan (care team; refused past the profile's limits)",
)
def session_plan(request: HttpRequest, session_id: int, payload: PlanIn) -> SessionDetailOut:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    medicine_session_plan(
        viewer=viewer,
        session=session,
        lines=[PlanLine(**line.model_dump(exclude_none=True)) for line in payload.plans],
        facilitator_ids=payload.facilitator_ids,
        room=payload.room,
        music_plan=payload.music.model_dump() if payload.music else None,
    )
    return _session_out(session_as_planned(session))


@router.post(
    "/{session_id}/events",
    response=documented({201: EventOut, 200: EventOut, 409: ConflictOut}, writes=True),
    summary="Record an event: 201 the first time, 200 for an identical replay, 409 for a "
    "different body under a known id",
)
def event_new(request: HttpRequest, session_id: int, payload: EventIn) -> Any:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    try:
        recorded = session_event_record(
            viewer=viewer,
            session=session,
            event_id=payload.id,
            kind=payload.kind,
            occurred_at=payload.occurred_at,
            data=payload.data,
            partner_id=payload.partner_id,
        )
    except EventConflict as exc:
        stored = session_timeline(session, uuids=[exc.stored.uuid])[0]
        return Status(
            409,
            ConflictOut(
                detail="A different event was already recorded under this id.",
                stored=event_out(stored),
            ),
        )
    event = session_timeline(session, uuids=[recorded.event.uuid])[0]
    return Status(201 if recorded.created else 200, event_out(event))


@router.get(
    "/{session_id}/events",
    response=documented({200: EventListOut, 403: ErrorOut}),
    summary="The session's events in the order they were taken (care team)",
)
def events(request: HttpRequest, session_id: int, query: Query[PageQuery]) -> EventListOut:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    shown, total = page_slice(session_events_read(viewer=viewer, session=session), query)
    return EventListOut(
        items=[event_out(e) for e in shown], count=total, next=next_offset(query, total)
    )


@router.post(
    "/{session_id}/discharge",
    response=documented({201: DischargeOut}, writes=True),
    summary="Discharge one partner once the profile's rules for leaving are met (422 names each "
    "rule unmet and its source); the session closes when both have left",
)
def discharge(request: HttpRequest, session_id: int, payload: DischargeIn) -> Status[DischargeOut]:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    record: Discharge = discharge_record(viewer=viewer, session=session, **payload.model_dump())
    return Status(
        201,
        DischargeOut(
            partner_id=record.partner_id,
            criteria_confirmed=record.criteria_confirmed,
            effects_resolved=record.effects_resolved,
            oriented=record.oriented,
            transport_confirmed=record.transport_confirmed,
            transport_deviation=record.transport_deviation,
            left_at=record.left_at,
            signed_off_by=viewer.user.display_name,
            session_status=SessionStatus(session.status),
        ),
    )


class SessionDetailsIn(Input):
    intention: str = Field(
        description="The de-identified intention, a category only: "
        + ", ".join(f"`{value}`" for value in Intention.values)
        + " (422 for anything else)."
    )
    food_and_drink: str = Field(
        description="Other food or drink taken during the session; `none` if none. Kept for "
        "the state's log only (1 CCR 212-3 Rule 8035 C)."
    )


class SessionDetailsOut(Schema):
    id: int
    status: SessionStatus
    intention: Intention
    food_and_drink: str


@router.put(
    "/{session_id}/details",
    response=documented({200: SessionDetailsOut}, writes=True),
    summary="Record what Colorado's administration-session log asks beyond the live record "
    "(care team, once the session has ended or closed; 422 names each field refused)",
)
def session_details(
    request: HttpRequest, session_id: int, payload: SessionDetailsIn
) -> SessionDetailsOut:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    medicine_session_details_record(
        viewer=viewer,
        session=session,
        intention=payload.intention,
        food_and_drink=payload.food_and_drink,
    )
    return SessionDetailsOut(
        id=session.pk,
        status=SessionStatus(session.status),
        intention=Intention(session.intention),
        food_and_drink=session.food_and_drink,
    )


@couple_router.post(
    "/{couple_id}/sessions",
    response=documented({201: SessionOut, 409: ErrorOut}, writes=True),
    summary="Book a medicine session (care team only): confirmed for a couple already ready, "
    "tentative while they prepare; 409 names a room or facilitator already booked then",
)
def session_new(request: HttpRequest, couple_id: int, payload: SessionIn) -> Any:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    session: MedicineSession = medicine_session_schedule(
        viewer=viewer,
        couple=couple,
        starts_at=payload.starts_at,
        room=payload.room,
        facilitator_ids=payload.facilitator_ids,
        substance=payload.substance,
    )
    return Status(201, _brief_out(session, list(dict.fromkeys(payload.facilitator_ids))))


def _brief_out(session: MedicineSession, facilitator_ids: list[int]) -> SessionOut:
    booking = session.booking
    return SessionOut(
        id=session.pk,
        couple_id=session.couple_id,
        substance=session.substance,
        starts_at=session.starts_at,
        ends_at=booking.ends_at if booking else None,
        room=session.room,
        status=SessionStatus(session.status),
        booking_status=BookingStatus(booking.status) if booking else None,
        facilitator_ids=facilitator_ids,
    )


@router.patch(
    "/{session_id}",
    response=documented({200: SessionOut, 409: NotReadyOut}, writes=True),
    summary="Confirm a tentative session (`status`: 409 lists what is missing until the couple "
    "is ready) or move it (`starts_at`, `room`: 409 when the room or a facilitator is taken)",
)
def session_change(request: HttpRequest, session_id: int, payload: SessionChangeIn) -> Any:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    if payload.starts_at is None and payload.room is None and payload.status is None:
        raise ValidationError({"": ["Give a status, a starts_at or a room."]})
    # Refused before the transaction, so the refusal's audit event is not rolled back with it.
    require_session_care(viewer, session, action="change")
    with transaction.atomic():
        if payload.starts_at is not None or payload.room is not None:
            medicine_session_reschedule(
                viewer=viewer, session=session, starts_at=payload.starts_at, room=payload.room
            )
        if payload.status == "confirmed":
            try:
                medicine_session_confirm(viewer=viewer, session=session)
            except NotReady as exc:
                if payload.starts_at is not None or payload.room is not None:
                    transaction.set_rollback(True)
                return Status(409, _not_ready_out(exc))
    return _brief_out(session, list(session.facilitators.values_list("user_id", flat=True)))


@router.post(
    "/{session_id}/cancel",
    response=documented({200: SessionOut}, writes=True),
    summary="Cancel a session still to come, with a reason (its room, facilitators, reminders "
    "and calendar entries are freed)",
)
def session_cancel(request: HttpRequest, session_id: int, payload: SessionCancelIn) -> SessionOut:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    medicine_session_cancel(viewer=viewer, session=session, reason=payload.reason)
    return _brief_out(session, list(session.facilitators.values_list("user_id", flat=True)))


def _not_ready_out(exc: NotReady) -> NotReadyOut:
    return NotReadyOut(
        detail="The couple is not ready for a medicine session at that time.",
        missing=[
            MissingOut(**{**m, "source": citation(str(m["source"]))})  # type: ignore[arg-type]
            for m in exc.missing
        ],
    )
