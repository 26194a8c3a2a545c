"""Integration sessions scheduled ahead hold a room and their facilitator on the calendar: an
overlapping one is refused beside the field, a cancelled one frees its slot, and one recorded
after the fact is booked as history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdspace.bookings.models import Booking, BookingStatus
from holdspace.conftest import Cast, joined_before
from holdspace.integration.models import IntegrationSession

pytestmark = pytest.mark.usefixtures("rooms")


def _form(cast: Cast, **changes: object) -> dict[str, object]:
    at = timezone.localtime(timezone.now() + dt.timedelta(days=6)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    form: dict[str, object] = {
        "at": at.strftime("%Y-%m-%dT%H:%M"),
        "partner": "",
        "facilitator": cast.facilitator.pk,
        "room": "Willow room",
        "ends_at": "11:30",
    }
    form.update(changes)
    return form


def test_it_books_the_room_and_facilitator_and_refuses_an_overlap(cast: Cast) -> None:
    browser = cast.client("facilitator")
    url = f"/couples/{cast.couple.pk}/integration/schedule"
    assert browser.post(url, _form(cast)).status_code == 302
    booking = IntegrationSession.objects.get().booking
    assert booking is not None and booking.room is not None
    assert (booking.room.name, timezone.localtime(booking.ends_at).strftime("%H:%M")) == (
        "Willow room",
        "11:30",
    )
    taken = browser.post(url, _form(cast, room="Cedar room"))
    assert taken.status_code == 422
    assert "Facilitator is already booked 10:00–11:30" in taken.content.decode()
    unknown = browser.post(url, _form(cast, room="Sauna"))
    assert "No room called “Sauna”" in unknown.content.decode()
    assert IntegrationSession.objects.count() == 1


def test_it_frees_the_slot_when_the_session_is_cancelled(cast: Cast) -> None:
    browser = cast.client("facilitator")
    url = f"/couples/{cast.couple.pk}/integration/schedule"
    browser.post(url, _form(cast))
    planned = IntegrationSession.objects.get()
    cancel = browser.post(f"/couples/{cast.couple.pk}/integration/sessions/{planned.pk}/cancel")
    assert cancel.status_code == 302
    assert Booking.objects.get().status == BookingStatus.CANCELLED
    assert browser.post(url, _form(cast)).status_code == 302


def test_it_books_a_session_recorded_after_the_fact(cast: Cast) -> None:
    held = timezone.localtime(timezone.now() - dt.timedelta(hours=2))
    # In the first hours after midnight "two hours ago" is yesterday: the couple joined before.
    joined_before(cast.couple, held)
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/integration/sessions",
        {"held_at": held.strftime("%Y-%m-%dT%H:%M"), "facilitator": cast.facilitator.pk},
    )
    assert response.status_code == 302, response.content
    booking = IntegrationSession.objects.get().booking
    assert booking is not None and booking.status == BookingStatus.CONFIRMED
