"""Preparation sessions booked ahead: a time, an end, a room and a facilitator held on the
calendar (409 when taken), recorded as held afterwards (only then do they count for
readiness) or cancelled with a reason (the slot is free again)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.bookings.models import Booking, BookingStatus
from holdspace.conftest import Cast
from holdspace.preparation.models import PreparationSession, PreparationStatus

pytestmark = pytest.mark.usefixtures("rooms")

TOMORROW = (timezone.now() + dt.timedelta(days=1)).replace(
    hour=15, minute=0, second=0, microsecond=0
)


def _book(cast: Cast, who: str = "facilitator", **changes: object) -> Any:
    body: dict[str, object] = {
        "kind": "private",
        "partner_id": cast.partner_a.pk,
        "starts_at": TOMORROW.isoformat(),
        "room": "Garden room",
        "facilitator_id": cast.facilitator.pk,
    }
    body.update(changes)
    return cast.api(who).post(
        f"/api/v1/couples/{cast.couple.pk}/preparation-sessions",
        json.dumps(body),
        content_type="application/json",
    )


def test_it_books_a_preparation_session_ahead_for_an_hour_by_default(cast: Cast) -> None:
    response = _book(cast)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["room"]) == ("scheduled", "Garden room")
    assert dt.datetime.fromisoformat(body["ends_at"]) == TOMORROW + dt.timedelta(hours=1)
    assert AuditEvent.objects.filter(action="preparation.schedule").count() == 1
    # Booked is not held: it prepares no one yet.
    page = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/readiness/")
    assert "Record as held" in page.content.decode()


def test_it_refuses_a_second_session_in_the_same_room_or_with_the_same_facilitator(
    cast: Cast,
) -> None:
    assert _book(cast).status_code == 201
    room = _book(cast, who="lead", facilitator_id=cast.lead.pk)
    assert room.status_code == 409
    assert room.json()["detail"].startswith("Garden room is already booked")
    person = _book(
        cast, room="Willow room", starts_at=(TOMORROW + dt.timedelta(minutes=30)).isoformat()
    )
    assert person.status_code == 409
    assert person.json()["detail"].startswith("Facilitator is already booked")
    # An end time the caller gives: touching the first is allowed.
    before = _book(
        cast,
        starts_at=(TOMORROW - dt.timedelta(hours=2)).isoformat(),
        ends_at=TOMORROW.isoformat(),
    )
    assert before.status_code == 201
    assert PreparationSession.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": "2020-01-01T10:00:00+00:00"}, "starts_at"),
        ({"ends_at": "2020-01-01T10:00:00+00:00"}, "ends_at"),
        ({"room": "Attic"}, "room"),
        ({"kind": "group"}, "kind"),
        ({"facilitator_id": 999999}, "facilitator"),
    ],
)
def test_it_answers_a_bad_booking_with_422_naming_the_field(
    cast: Cast, changes: dict[str, object], field: str
) -> None:
    response = _book(cast, **changes)
    assert response.status_code == 422, response.content
    assert any(field in p["loc"] for p in response.json()["detail"]), response.json()
    assert not Booking.objects.exists()


def test_it_books_on_the_web_then_records_it_held_or_cancels_it(cast: Cast) -> None:
    web = cast.client("facilitator")
    url = f"/couples/{cast.couple.pk}/preparation/book/"
    form = {
        "kind": "joint",
        "starts_at": timezone.localtime(TOMORROW).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": "17:30",
        "room": "cedar room",
        "facilitator": str(cast.facilitator.pk),
    }
    assert web.post(url, form).status_code == 302
    session = PreparationSession.objects.get()
    assert session.booking is not None
    assert session.booking.ends_at == TOMORROW.replace(hour=17, minute=30)
    taken = web.post(url, form)
    assert taken.status_code == 409
    assert "Cedar room is already booked" in taken.content.decode()
    # Not held before its time.
    held = f"/couples/{cast.couple.pk}/preparation/{session.pk}/held"
    web.post(held, {"notes": "Too early"})
    assert PreparationSession.objects.get().status == PreparationStatus.SCHEDULED
    cancel = f"/couples/{cast.couple.pk}/preparation/{session.pk}/cancel"
    web.post(cancel, {"reason": ""})
    assert PreparationSession.objects.get().status == PreparationStatus.SCHEDULED
    web.post(cancel, {"reason": "Partner A is travelling"})
    assert PreparationSession.objects.get().status == PreparationStatus.CANCELLED
    assert Booking.objects.get().status == BookingStatus.CANCELLED
    assert web.post(url, form).status_code == 302  # the slot is free again


def test_it_records_a_booked_session_as_held_once_its_time_has_come(cast: Cast) -> None:
    _book(cast)
    session = PreparationSession.objects.get()
    PreparationSession.objects.filter(pk=session.pk).update(
        held_at=timezone.now() - dt.timedelta(hours=1)
    )
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/preparation/{session.pk}/held", {"notes": "Talked it through"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.status, session.notes) == (PreparationStatus.HELD, "Talked it through")
    assert AuditEvent.objects.filter(action="preparation.hold").count() == 1


@pytest.mark.parametrize("who", ["partner_a", "admin", "other_facilitator"])
def test_it_refuses_booking_to_anyone_but_the_care_team(cast: Cast, who: str) -> None:
    assert _book(cast, who=who).status_code in {403, 404}
    assert cast.client(who).get(f"/couples/{cast.couple.pk}/preparation/book/").status_code in {
        403,
        404,
    }
    assert not Booking.objects.exists()


def test_it_books_a_session_recorded_after_the_fact_as_held_history(cast: Cast) -> None:
    # The couple joined yesterday: "an hour ago" is the day before they joined in the first
    # hour after midnight, and the session would be refused for that.
    type(cast.couple).objects.filter(pk=cast.couple.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )
    held_at = timezone.now() - dt.timedelta(hours=1)
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/preparation/new/",
        {
            "kind": "joint",
            "held_at": timezone.localtime(held_at).strftime("%Y-%m-%dT%H:%M"),
            "facilitator": str(cast.facilitator.pk),
        },
    )
    assert response.status_code == 302
    booking = PreparationSession.objects.get().booking
    assert booking is not None and booking.status == BookingStatus.CONFIRMED
