"""GET /api/v1/calendar: the organisation's bookings over a span of days, as the calendar page
shows them (staff who run the day; 403 for anyone else)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from holdspace.bookings.models import BookingKind, BookingStatus
from holdspace.bookings.selectors import MAX_DAYS, CalendarEntry, calendar_read
from holdspace.lib.api import ErrorOut, Page, PageQuery, documented, next_offset, page_slice
from holdspace.policy.bookings import calendar_organisation
from holdspace.policy.core import viewer_from_request

router = Router(tags=["calendar"])


class CalendarQuery(PageQuery):
    start: dt.date | None = Field(
        default=None, description="The first day (the organisation's), YYYY-MM-DD; today."
    )
    end: dt.date | None = Field(
        default=None,
        description=f"The day after the last one (exclusive), at most {MAX_DAYS} days on; "
        "a week after the start.",
    )
    room: int | None = Field(default=None, description="Only this room's bookings (its id).")
    facilitator: int | None = Field(
        default=None, description="Only the bookings holding this person (their user id)."
    )
    org: int | None = Field(
        default=None, description="The organisation; the caller's first where they are staff."
    )


class FacilitatorOut(Schema):
    id: int
    name: str


class BookingOut(Schema):
    id: int
    kind: BookingKind
    status: BookingStatus = Field(description="`tentative` until the couple is ready.")
    starts_at: dt.datetime
    ends_at: dt.datetime
    room_id: int | None
    room: str
    facilitators: list[FacilitatorOut]
    couple_id: int | None = Field(description="Null where the caller may not see the couple.")
    couple: str | None = Field(description="Null where the caller may not see the couple.")
    session_id: int | None


class CalendarOut(Page[BookingOut]):
    pass


def _out(entry: CalendarEntry) -> BookingOut:
    return BookingOut(
        id=entry.id,
        kind=entry.kind,
        status=entry.status,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        room_id=entry.room_id,
        room=entry.room,
        facilitators=[FacilitatorOut(id=i, name=n) for i, n in entry.facilitators],
        couple_id=entry.couple_id,
        couple=entry.couple,
        session_id=entry.session_id,
    )


@router.get(
    "/calendar",
    response=documented({200: CalendarOut, 403: ErrorOut}),
    summary="The organisation's bookings over [start, end) (facilitators, clinical leads, org "
    "admins); a couple's name only where the caller may see the couple",
)
def calendar(request: HttpRequest, query: Query[CalendarQuery]) -> CalendarOut:
    viewer = viewer_from_request(request)
    organisation = calendar_organisation(viewer, query.org, attempted="read the calendar")
    start = query.start or timezone.localdate()
    end = query.end or start + dt.timedelta(days=7)
    if end <= start:
        raise ValidationError({"end": ["The end must be after the start."]})
    if (end - start).days > MAX_DAYS:
        raise ValidationError({"end": [f"At most {MAX_DAYS} days at once."]})
    days = calendar_read(
        viewer=viewer,
        organisation=organisation,
        start=start,
        end=end,
        room_id=query.room,
        facilitator_id=query.facilitator,
    )
    shown, total = page_slice(days.entries, query)
    return CalendarOut(items=[_out(e) for e in shown], count=total, next=next_offset(query, total))
