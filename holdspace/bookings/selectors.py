"""Reading the calendar: the organisation's bookings over a span of days, on its clock, as the
viewer may see them (every booking's time, kind, room and facilitators; a couple's name and
page only where the viewer may see the couple). A constant number of queries however many
bookings there are; each read audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from holdspace.accounts.models import Organisation, Room
from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingFacilitator, BookingKind, BookingStatus
from holdspace.policy.bookings import (
    booking_couples_cared_for,
    booking_couples_named_for,
    bookings_visible_to,
    calendar_people,
)
from holdspace.policy.core import Viewer

# The longest span the calendar reads at once (the API refuses more).
MAX_DAYS = 62


@dataclass(frozen=True)
class CalendarEntry:
    """One booking as the viewer sees it."""

    id: int
    kind: BookingKind
    status: BookingStatus
    starts_at: dt.datetime
    ends_at: dt.datetime
    room_id: int | None
    room: str
    facilitators: list[tuple[int, str]]
    couple_id: int | None  # None where the viewer may not see the couple
    couple: str | None
    session_id: int | None
    link: str | None

    @property
    def tentative(self) -> bool:
        return self.status == BookingStatus.TENTATIVE


@dataclass
class CalendarDays:
    """The bookings of [start, end) (the organisation's days) with what the filters offer."""

    organisation: Organisation
    start: dt.date
    end: dt.date
    entries: list[CalendarEntry]
    rooms: list[Room] = field(default_factory=list)
    facilitators: list[tuple[int, str]] = field(default_factory=list)

    @property
    def days(self) -> list[tuple[dt.date, list[CalendarEntry]]]:
        """Each day of the span with the entries that begin on it (the organisation's days)."""
        zone = self.organisation.tzinfo
        by_day: dict[dt.date, list[CalendarEntry]] = {}
        for entry in self.entries:
            # One begun the evening before the span shows on its first day.
            day = max(entry.starts_at.astimezone(zone).date(), self.start)
            by_day.setdefault(day, []).append(entry)
        count = (self.end - self.start).days
        return [
            (day, by_day.get(day, []))
            for day in (self.start + dt.timedelta(days=n) for n in range(count))
        ]

    @property
    def by_room(self) -> list[tuple[str, list[CalendarEntry]]]:
        """The entries under each room in use (rooms without bookings too), then those with
        no room."""
        columns = [
            (room.name, [e for e in self.entries if e.room_id == room.pk]) for room in self.rooms
        ]
        known = {room.pk for room in self.rooms}
        elsewhere = [e for e in self.entries if e.room_id is None or e.room_id not in known]
        if elsewhere:
            columns.append((str(_("No room")), elsewhere))
        return columns

    @property
    def by_facilitator(self) -> list[tuple[str, list[CalendarEntry]]]:
        """The entries under each facilitator they hold (an entry with two appears twice)."""
        columns = []
        for user_id, name in self.facilitators:
            held = [e for e in self.entries if any(f == user_id for f, _n in e.facilitators)]
            if held:
                columns.append((name, held))
        return columns


def _span(organisation: Organisation, start: dt.date, end: dt.date) -> tuple[dt.datetime, ...]:
    zone = organisation.tzinfo
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end, dt.time.min, tzinfo=zone),
    )


def calendar_read(
    *,
    viewer: Viewer,
    organisation: Organisation,
    start: dt.date,
    end: dt.date,
    room_id: int | None = None,
    facilitator_id: int | None = None,
    audit: bool = True,
) -> CalendarDays:
    """ORGANISATION's bookings (not cancelled) overlapping the days [START, END), optionally
    of one room or one facilitator; ORGANISATION from `calendar_organisation`. Audited."""
    begins, ends = _span(organisation, start, end)
    bookings = (
        bookings_visible_to(viewer, organisation.pk)
        .filter(starts_at__lt=ends, ends_at__gt=begins)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related(
            "room", "couple", "medicine_session", "preparation_session", "integration_session"
        )
        .prefetch_related(
            Prefetch(
                "facilitator_links",
                queryset=BookingFacilitator.objects.select_related("user").order_by("user_id"),
                to_attr="links",
            )
        )
        .order_by("starts_at", "id")
    )
    if room_id is not None:
        bookings = bookings.filter(room_id=room_id)
    if facilitator_id is not None:
        bookings = bookings.filter(facilitator_links__user_id=facilitator_id).distinct()
    named = booking_couples_named_for(viewer, organisation.pk)
    cared = booking_couples_cared_for(viewer, organisation.pk)
    entries = [_entry(booking, named, cared) for booking in bookings]
    if audit:
        viewer.audit(
            Action.CALENDAR_READ,
            organisation,
            start=start.isoformat(),
            end=end.isoformat(),
            room=room_id,
            facilitator=facilitator_id,
            count=len(entries),
        )
    rooms = list(Room.objects.filter(organisation=organisation, archived_at__isnull=True))
    people = calendar_people(organisation)
    return CalendarDays(
        organisation=organisation,
        start=start,
        end=end,
        entries=entries,
        rooms=rooms,
        facilitators=[(m.user_id, m.user.display_name or m.user.email) for m in people],
    )


def bookings_of_staff_member_on(
    *, viewer: Viewer, organisation: Organisation, day: dt.date
) -> list[CalendarEntry]:
    """The viewer's own bookings on DAY (the organisation's day), for their Today view: those
    they facilitate. Audited as a calendar read."""
    return calendar_read(
        viewer=viewer,
        organisation=organisation,
        start=day,
        end=day + dt.timedelta(days=1),
        facilitator_id=viewer.user.pk,
    ).entries


def _entry(booking: Booking, named: set[int], cared: set[int]) -> CalendarEntry:
    session_id: int | None = None
    link: str | None = None
    seen = booking.couple_id in named
    if booking.kind == BookingKind.MEDICINE:
        session = getattr(booking, "medicine_session", None)
        session_id = session.pk if session else None
        if booking.couple_id in cared and session_id:
            link = reverse("session_booking", args=[session_id])
    else:
        session = getattr(booking, f"{booking.kind}_session", None)
        session_id = session.pk if session else None
    if seen and link is None and booking.couple_id:
        link = reverse("couple_detail", args=[booking.couple_id])
    return CalendarEntry(
        id=booking.pk,
        kind=BookingKind(booking.kind),
        status=BookingStatus(booking.status),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        room_id=booking.room_id,
        room=booking.room.name if booking.room else "",
        facilitators=[
            (link_.user_id, link_.user.display_name or link_.user.email)
            for link_ in getattr(booking, "links", [])
        ],
        couple_id=booking.couple_id if seen else None,
        couple=booking.couple.name if seen and booking.couple else None,
        session_id=session_id,
        link=link,
    )
