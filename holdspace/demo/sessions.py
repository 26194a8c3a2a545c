"""Riley & Jordan's medicine sessions: the first, long past, and the next one today; and the
sessions booked ahead on the calendar for Alex & Sam (a tentative medicine session among
them)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple
from holdspace.demo.find import couple_named, guide_of, partner_id
from holdspace.demo.schemas import BookedAhead, DoseLine, PastSession, Sessions, load
from holdspace.policy.core import Viewer
from holdspace.preparation.services import preparation_session_schedule
from holdspace.screening.profiles import get_profile
from holdspace.sessions.models import MedicineSession
from holdspace.sessions.recording import session_event_record
from holdspace.sessions.services import (
    PlanLine,
    discharge_record,
    medicine_session_import,
    medicine_session_plan,
    medicine_session_schedule,
)


def seed_sessions(organisation: Organisation) -> None:
    """The couple of sessions.toml: its first session, recorded and closed by discharge, and
    its next one, scheduled and planned for ten minutes from now."""
    data = load("sessions", Sessions)
    couple = couple_named(organisation, data.couple)
    if couple is None:
        return
    facilitator = guide_of(couple)
    _past_session(couple, facilitator, data)
    # Today, so that a facilitator can run it from the demo now.
    start = (timezone.now() + dt.timedelta(minutes=data.upcoming.starts_in_minutes)).replace(
        second=0, microsecond=0
    )
    upcoming = medicine_session_schedule(
        viewer=facilitator,
        couple=couple,
        starts_at=start,
        room=data.room,
        facilitator_ids=[facilitator.user.pk],
    )
    upcoming.couple = couple
    medicine_session_plan(
        viewer=facilitator,
        session=upcoming,
        lines=_plan(couple, data.upcoming.plan),
        music_plan={"entries": data.upcoming.music, "link": "", "changed_by": "facilitator"},
    )
    for ahead in data.ahead:
        _book_ahead(organisation, ahead)


def _book_ahead(organisation: Organisation, ahead: BookedAhead) -> None:
    """A session booked on the calendar, IN_DAYS from today at AT (the organisation's clock)."""
    couple = couple_named(organisation, ahead.couple)
    if couple is None:
        return
    guide = guide_of(couple)
    starts = (timezone.localtime() + dt.timedelta(days=ahead.in_days)).replace(
        hour=ahead.at.hour, minute=ahead.at.minute, second=0, microsecond=0
    )
    if ahead.kind == "medicine":
        medicine_session_schedule(
            viewer=guide,
            couple=couple,
            starts_at=starts,
            room=ahead.room,
            facilitator_ids=[guide.user.pk],
        )
        return
    preparation_session_schedule(
        viewer=guide,
        couple=couple,
        kind="private" if ahead.partner else "joint",
        partner_id=partner_id(couple, ahead.partner) if ahead.partner else None,
        starts_at=starts,
        facilitator_id=guide.user.pk,
        room=ahead.room,
    )


def _plan(couple: Couple, lines: list[DoseLine]) -> list[PlanLine]:
    return [
        PlanLine(
            partner_id=partner_id(couple, line.partner),
            lot=line.lot,
            planned_mg=line.planned_mg,
            product=line.product,
            mg_per_unit=line.mg_per_unit,
        )
        for line in lines
    ]


def _past_session(couple: Couple, facilitator: Viewer, data: Sessions) -> None:
    """The first session, DAYS_AGO: planned, its live record, and each partner discharged."""
    past = data.past
    day = timezone.localtime() - dt.timedelta(days=past.days_ago)
    start = day.replace(
        hour=past.starts_at.hour, minute=past.starts_at.minute, second=0, microsecond=0
    )
    # It predates the demo's preparation records, so it is brought in as history, not
    # scheduled through the readiness gate.
    session = medicine_session_import(
        viewer=facilitator,
        couple=couple,
        starts_at=start,
        room=data.room,
        facilitator_ids=[facilitator.user.pk],
    )
    session.couple = couple
    medicine_session_plan(
        viewer=facilitator,
        session=session,
        lines=_plan(couple, past.plan),
        music_plan={"entries": past.music, "link": "", "changed_by": "facilitator"},
    )
    _record(couple, facilitator, session, past, start)
    for discharge in past.discharges:
        discharge_record(
            viewer=facilitator,
            session=session,
            partner_id=partner_id(couple, discharge.partner),
            criteria_confirmed=[
                c.id for c in get_profile(couple.organisation.profile).discharge.criteria
            ],
            transport_confirmed=True,
            left_at=start + dt.timedelta(minutes=discharge.left_after_minutes),
            notes=past.discharge_notes,
        )


def _record(
    couple: Couple,
    facilitator: Viewer,
    session: MedicineSession,
    past: PastSession,
    start: dt.datetime,
) -> None:
    """The session's live record, each event as the console would have sent it."""
    for event in past.events:
        session_event_record(
            viewer=facilitator,
            session=session,
            event_id=uuid.uuid4(),
            kind=event.kind,
            occurred_at=start + dt.timedelta(hours=event.hours),
            data=dict(event.data),
            partner_id=partner_id(couple, event.partner) if event.partner else None,
        )
