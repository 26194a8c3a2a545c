"""The one rule of the calendar: a room, or a facilitator, is never held twice at once.
Touching is not overlapping; a cancelled booking frees its slot; a refused move changes
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from holdspace.accounts.models import Room
from holdspace.audit.models import AuditEvent
from holdspace.bookings.models import Booking, BookingKind, BookingStatus
from holdspace.bookings.services import (
    BookingConflict,
    booking_cancel,
    booking_move,
    booking_reserve,
    room_resolve,
)
from holdspace.conftest import Cast
from holdspace.couples.models import Couple

pytestmark = pytest.mark.usefixtures("rooms")

NINE = (timezone.now() + dt.timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)


def _at(hours: float) -> dt.datetime:
    return NINE + dt.timedelta(hours=hours)


def _room(cast: Cast, name: str = "Cedar room") -> Room:
    return Room.objects.get(organisation=cast.center, name=name)


def _reserve(
    cast: Cast,
    start: float,
    end: float,
    *,
    room: Room | None | str = "Cedar room",
    facilitators: list[Any] = (),  # type: ignore[assignment]
    couple: Couple | None = None,
    who: str = "facilitator",
    kind: BookingKind = BookingKind.PREPARATION,
) -> Booking:
    return booking_reserve(
        viewer=cast.viewer(who),
        organisation=cast.center,
        couple=couple or cast.couple,
        kind=kind,
        starts_at=_at(start),
        ends_at=_at(end),
        room=_room(cast, room) if isinstance(room, str) else room,
        facilitator_ids=[f.pk for f in facilitators],
    )


def test_it_refuses_a_room_already_held_naming_it_the_time_and_the_couple(cast: Cast) -> None:
    _reserve(cast, 0, 2)
    with pytest.raises(BookingConflict) as caught:
        _reserve(cast, 1, 3, couple=cast.other_couple, who="lead")
    assert caught.value.field == "room"
    assert "Cedar room is already booked 09:00–11:00" in caught.value.message
    assert "preparation session (A & B)" in caught.value.message
    assert Booking.objects.count() == 1


def test_it_names_the_other_couple_only_to_those_who_may_see_it(cast: Cast) -> None:
    _reserve(cast, 0, 2)
    with pytest.raises(BookingConflict) as caught:
        _reserve(cast, 1, 3, couple=cast.other_couple, who="other_facilitator")
    assert "for a preparation session." in caught.value.message
    assert "A & B" not in caught.value.message


def test_it_refuses_a_facilitator_already_held_in_another_room(cast: Cast) -> None:
    _reserve(cast, 0, 2, facilitators=[cast.facilitator])
    with pytest.raises(BookingConflict) as caught:
        _reserve(cast, 1.5, 2.5, room="Garden room", facilitators=[cast.lead, cast.facilitator])
    assert caught.value.field == "facilitator_ids"
    assert caught.value.message.startswith("Facilitator is already booked 09:00–11:00")


@pytest.mark.parametrize(
    ("first", "second", "refused"),
    [
        (BookingKind.MEDICINE, BookingKind.MEDICINE, True),
        (BookingKind.MEDICINE, BookingKind.PREPARATION, True),
        (BookingKind.INTEGRATION, BookingKind.MEDICINE, True),
        # Two private preparation sessions, one with each partner, may run side by side.
        (BookingKind.PREPARATION, BookingKind.PREPARATION, False),
    ],
)
def test_it_keeps_a_couple_in_one_medicine_session_at_a_time(
    cast: Cast, first: BookingKind, second: BookingKind, refused: bool
) -> None:
    _reserve(cast, 0, 6, kind=first, facilitators=[cast.facilitator])
    attempt = {"room": "Garden room", "facilitators": [cast.lead], "kind": second}
    if not refused:
        _reserve(cast, 1, 3, **attempt)  # type: ignore[arg-type]
        assert Booking.objects.count() == 2
        return
    with pytest.raises(BookingConflict) as caught:
        _reserve(cast, 1, 3, **attempt)  # type: ignore[arg-type]
    assert caught.value.field == "starts_at"
    assert caught.value.message.startswith("This couple is already booked 09:00–15:00")
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(("start", "end"), [(2, 3), (-1, 0)])
def test_it_allows_bookings_that_touch_without_overlapping(
    cast: Cast, start: float, end: float
) -> None:
    _reserve(cast, 0, 2, facilitators=[cast.facilitator])
    _reserve(cast, start, end, facilitators=[cast.facilitator])
    assert Booking.objects.count() == 2


def test_it_frees_the_slot_of_a_cancelled_booking(cast: Cast) -> None:
    first = _reserve(cast, 0, 2, facilitators=[cast.facilitator])
    booking_cancel(viewer=cast.viewer("facilitator"), booking=first, reason="Partner unwell")
    again = _reserve(cast, 0, 2, facilitators=[cast.facilitator])
    assert again.status == BookingStatus.CONFIRMED
    first.refresh_from_db()
    assert (first.status, first.cancel_reason) == (BookingStatus.CANCELLED, "Partner unwell")
    assert first.cancelled_at is not None


def test_it_refuses_a_cancellation_without_a_reason(cast: Cast) -> None:
    booking = _reserve(cast, 0, 2)
    with pytest.raises(ValidationError) as caught:
        booking_cancel(viewer=cast.viewer("facilitator"), booking=booking, reason="  ")
    assert "reason" in caught.value.message_dict
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_it_refuses_a_move_into_a_conflict_and_changes_nothing(cast: Cast) -> None:
    _reserve(cast, 0, 2)
    other = _reserve(cast, 3, 4, room="Garden room", facilitators=[cast.facilitator])
    audited = AuditEvent.objects.count()
    with pytest.raises(BookingConflict):
        booking_move(
            viewer=cast.viewer("facilitator"),
            booking=other,
            starts_at=_at(1),
            room=_room(cast),
        )
    other.refresh_from_db()
    assert (other.starts_at, other.ends_at, other.room) == (
        _at(3),
        _at(4),
        _room(cast, "Garden room"),
    )
    assert AuditEvent.objects.count() == audited


def test_it_moves_a_booking_keeping_its_length_and_may_move_over_itself(cast: Cast) -> None:
    booking = _reserve(cast, 0, 2, facilitators=[cast.facilitator])
    booking_move(viewer=cast.viewer("facilitator"), booking=booking, starts_at=_at(1))
    booking.refresh_from_db()
    assert (booking.starts_at, booking.ends_at) == (_at(1), _at(3))
    event = AuditEvent.objects.filter(action="booking.move").get()
    assert event.detail["from"]["starts_at"] == _at(0).isoformat()


def test_it_refuses_an_end_before_the_start(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        _reserve(cast, 2, 1)
    assert "ends_at" in caught.value.message_dict
    assert not Booking.objects.exists()


def test_it_keeps_organisations_apart(cast: Cast) -> None:
    _reserve(cast, 0, 2, facilitators=[cast.facilitator])
    trial_room = Room.objects.get(organisation=cast.trial)
    booking_reserve(
        viewer=cast.viewer("trial_facilitator"),
        organisation=cast.trial,
        couple=cast.trial_couple,
        kind=BookingKind.INTEGRATION,
        starts_at=_at(0),
        ends_at=_at(2),
        room=trial_room,
        facilitator_ids=[cast.trial_facilitator.pk],
    )
    assert Booking.objects.count() == 2


@pytest.mark.parametrize(
    ("value", "found"),
    [("cedar ROOM", "Cedar room"), (" Garden room ", "Garden room"), ("", None)],
)
def test_it_finds_a_room_by_its_name_in_any_case(cast: Cast, value: str, found: str | None) -> None:
    room = room_resolve(organisation=cast.center, value=value)
    assert (room.name if room else None) == found


def test_it_finds_a_room_by_its_id_but_not_another_organisations(cast: Cast) -> None:
    cedar = _room(cast)
    assert room_resolve(organisation=cast.center, value=str(cedar.pk)) == cedar
    trial_room = Room.objects.get(organisation=cast.trial)
    with pytest.raises(ValidationError) as caught:
        room_resolve(organisation=cast.center, value=str(trial_room.pk))
    assert "room" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        room_resolve(organisation=cast.center, value="Broom cupboard")
    assert "Cedar room, Garden room, Willow room" in caught.value.message_dict["room"][0]
