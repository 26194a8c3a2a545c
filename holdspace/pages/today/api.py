"""/api/v1/me/queue and /api/v1/me/today: what waits for the caller, and their sessions of the
day, in one organisation (`org`; by default their first where they have a Today). The same
items as the Today page, built by the same selector (pages/today/selectors.py)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from holdspace.bookings.models import BookingKind
from holdspace.lib.api import ErrorOut, Page, PageQuery, documented, next_offset, page_slice
from holdspace.pages.today.selectors import (
    QueueItem,
    TodaySession,
    queue_read,
    today_sessions_read,
)
from holdspace.policy.core import viewer_from_request
from holdspace.policy.queue import QueueKind, get_queue_for

router = Router(tags=["me"])

ORG = Field(
    default=None,
    description="The organisation; by default the caller's first where they have a Today.",
)


class QueueQuery(PageQuery):
    org: int | None = ORG


class QueueItemOut(Schema):
    kind: QueueKind = Field(description="What the item asks of the caller.")
    title: str = Field(description="What waits, in a plain sentence.")
    couple_id: int | None
    couple_name: str
    partner_id: int | None = Field(description="The partner it is about, where there is one.")
    partner_name: str
    since: dt.datetime = Field(description="Since when it has waited.")
    due_on: dt.date | None = Field(
        description="The day it was due (overdue questionnaires and check-ins) or runs out "
        "(an expiring credential)."
    )
    url: str = Field(description="The web page where it is done (a path on this server).")
    record_type: str = Field(
        description="The kind of record behind it: safety_alert, screening, medicine_session, "
        "entry, credential, invitation; empty for an overdue partner's questionnaires or "
        "check-ins, which are several."
    )
    record_id: int | None


class QueueOut(Page[QueueItemOut]):
    pass


def _queue_item(item: QueueItem) -> QueueItemOut:
    return QueueItemOut(
        kind=item.kind,
        title=item.title,
        couple_id=item.couple_id,
        couple_name=item.couple_name,
        partner_id=item.partner_id,
        partner_name=item.partner_name,
        since=item.since,
        due_on=item.due_on,
        url=item.url,
        record_type=item.record_type,
        record_id=item.record_id,
    )


@router.get("/me/queue", response={**documented({200: QueueOut}), 403: ErrorOut})
def my_queue(request: HttpRequest, query: Query[QueueQuery]) -> QueueOut:
    """What waits for the caller, by kind (in the order of `kind`'s values), oldest first."""
    viewer = viewer_from_request(request)
    items = queue_read(viewer=viewer, scope=get_queue_for(viewer, query.org))
    shown, count = page_slice(items, query)
    return QueueOut(
        items=[_queue_item(i) for i in shown], count=count, next=next_offset(query, count)
    )


class TodayQuery(PageQuery):
    org: int | None = ORG


class TodaySessionOut(Schema):
    kind: BookingKind
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    couple_id: int | None
    couple_name: str
    room: str
    tentative: bool = Field(description="Booked ahead, not yet confirmed.")
    facilitators: list[str]
    url: str = Field(description="The web page of the session (a path on this server).")
    booking_id: int | None = Field(description="Its booking on the calendar, if it has one.")
    session_id: int | None = Field(
        description="Of a session not yet on the calendar: its id among sessions of its kind."
    )


class TodayOut(Page[TodaySessionOut]):
    pass


def _session(session: TodaySession) -> TodaySessionOut:
    return TodaySessionOut(
        kind=session.kind,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        couple_id=session.couple_id,
        couple_name=session.couple_name,
        room=session.room,
        tentative=session.tentative,
        facilitators=session.facilitators,
        url=session.url,
        booking_id=session.booking_id,
        session_id=session.session_id,
    )


@router.get("/me/today", response={**documented({200: TodayOut}), 403: ErrorOut})
def my_today(request: HttpRequest, query: Query[TodayQuery]) -> TodayOut:
    """The caller's sessions today, from midnight to midnight on the organisation's clock, by
    start: bookings on the calendar (not cancelled; `tentative` marks those booked ahead) and
    sessions not yet booked."""
    viewer = viewer_from_request(request)
    sessions = today_sessions_read(viewer=viewer, scope=get_queue_for(viewer, query.org))
    shown, count = page_slice(sessions, query)
    return TodayOut(
        items=[_session(s) for s in shown],
        count=count,
        next=next_offset(query, count),
    )
