"""Two people booking the same slot at the same moment: exactly one gets it, the other is
told what holds it. Real threads, each with its own database connection, released together by
a barrier; run on SQLite and on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone

from holdspace.accounts.models import Room
from holdspace.bookings.models import Booking, BookingKind
from holdspace.bookings.services import BookingConflict, booking_reserve
from holdspace.conftest import Cast

pytestmark = pytest.mark.usefixtures("rooms")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("held", ["room", "facilitator"])
def test_it_lets_exactly_one_of_two_simultaneous_bookings_of_a_slot_through(
    cast: Cast, held: str
) -> None:
    starts = (timezone.now() + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    rooms = {r.name: r for r in Room.objects.filter(organisation=cast.center)}
    attempts = [
        # (who, couple, room, facilitators)
        ("facilitator", cast.couple, rooms["Willow room"], [cast.lead.pk]),
        (
            "other_facilitator",
            cast.other_couple,
            rooms["Willow room"] if held == "room" else rooms["Garden room"],
            [cast.lead.pk] if held == "facilitator" else [],
        ),
    ]
    viewers = {who: cast.viewer(who) for who, *_rest in attempts}
    barrier = threading.Barrier(len(attempts), timeout=30)
    outcomes: list[str] = []
    problems: list[BaseException] = []

    def book(who: str, couple: object, room: Room, facilitators: list[int]) -> None:
        try:
            barrier.wait()
            booking_reserve(
                viewer=viewers[who],
                organisation=cast.center,
                couple=couple,  # type: ignore[arg-type]
                kind=BookingKind.INTEGRATION,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=1),
                room=room,
                facilitator_ids=facilitators,
            )
            outcomes.append("booked")
        except BookingConflict as exc:
            outcomes.append(f"conflict:{exc.field}")
        except BaseException as exc:  # the test reports it, rather than a silent thread
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=attempt) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert problems == []
    field = "room" if held == "room" else "facilitator_ids"
    assert sorted(outcomes) == ["booked", f"conflict:{field}"]
    assert Booking.objects.filter(starts_at=starts).count() == 1
