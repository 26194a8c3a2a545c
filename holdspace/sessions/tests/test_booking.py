"""A medicine session on the calendar: booked tentative while the couple prepares (the gate
then blocks confirming it and the first dose), confirmed once ready, moved and cancelled
through the API and the session's booking page, with reminders, calendar feeds and the
partners' schedule following."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from holdspace.audit.models import AuditEvent
from holdspace.bookings.models import Booking, BookingStatus
from holdspace.conftest import Cast, make_session
from holdspace.couples.models import Couple, Stage
from holdspace.integration.schedule import schedules_for
from holdspace.preparation.tests.test_gate import make_ready
from holdspace.reminders.models import Reminder, ReminderStatus
from holdspace.reminders.services import reminders_run
from holdspace.sessions.models import MedicineSession, SessionStatus

pytestmark = pytest.mark.usefixtures("rooms")


def _json(client: Client, method: str, url: str, body: object) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _book(cast: Cast, days: float = 5, room: str = "Cedar room", who: str = "facilitator") -> Any:
    starts = (timezone.now() + dt.timedelta(days=days)).replace(second=0, microsecond=0)
    return _json(
        cast.api(who),
        "post",
        f"/api/v1/couples/{cast.couple.pk}/sessions",
        {"starts_at": starts.isoformat(), "room": room, "facilitator_ids": [cast.facilitator.pk]},
    )


def _patch(cast: Cast, session_id: int, body: object, who: str = "facilitator") -> Any:
    return _json(cast.api(who), "patch", f"/api/v1/sessions/{session_id}", body)


def test_it_books_a_couple_still_preparing_as_tentative(cast: Cast) -> None:
    response = _book(cast)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["booking_status"], body["room"]) == (
        "scheduled",
        "tentative",
        "Cedar room",
    )
    starts = dt.datetime.fromisoformat(body["starts_at"])
    # Oregon's longest minimum duration (6 hours, OAR 333-333-5250) is held.
    assert dt.datetime.fromisoformat(body["ends_at"]) - starts == dt.timedelta(hours=6)
    booking = Booking.objects.get()
    assert (booking.status, booking.room.name if booking.room else None) == (
        BookingStatus.TENTATIVE,
        "Cedar room",
    )
    assert list(booking.facilitator_links.values_list("user_id", flat=True)) == [
        cast.facilitator.pk
    ]
    # Still preparing: the couple does not move to the medicine session's stage.
    assert Couple.objects.get(pk=cast.couple.pk).stage != Stage.MEDICINE_SESSION
    event = AuditEvent.objects.get(action="medicine_session.schedule")
    assert event.detail["tentative"] is True and "screening" in event.detail["missing"]


def test_it_books_a_ready_couple_confirmed_at_once(cast: Cast) -> None:
    make_ready(cast)
    body = _book(cast).json()
    assert body["booking_status"] == "confirmed"
    assert Couple.objects.get(pk=cast.couple.pk).stage == Stage.MEDICINE_SESSION


def test_it_refuses_to_confirm_until_the_couple_is_ready_then_confirms(cast: Cast) -> None:
    session_id = _book(cast).json()["id"]
    refused = _patch(cast, session_id, {"status": "confirmed"})
    assert refused.status_code == 409
    codes = {m["code"] for m in refused.json()["missing"]}
    assert {"screening", "preparation_private"} <= codes
    assert Booking.objects.get().status == BookingStatus.TENTATIVE
    make_ready(cast)
    confirmed = _patch(cast, session_id, {"status": "confirmed"})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["booking_status"] == "confirmed"
    assert AuditEvent.objects.filter(action="medicine_session.confirm").count() == 1
    assert AuditEvent.objects.filter(action="booking.confirm").count() == 1
    # Confirming again changes nothing.
    assert _patch(cast, session_id, {"status": "confirmed"}).status_code == 200
    assert AuditEvent.objects.filter(action="medicine_session.confirm").count() == 1


def test_it_refuses_the_first_dose_while_the_session_is_tentative(cast: Cast) -> None:
    session = make_session(cast)
    Booking.objects.filter(pk=session.booking_id).update(status=BookingStatus.TENTATIVE)
    dose = {
        "id": str(uuid.uuid4()),
        "partner_id": cast.partner_a.pk,
        "kind": "dose",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "data": {"amount_mg": 20, "product": "Golden Teacher capsules", "lot": "GT-2609"},
    }
    url = f"/api/v1/sessions/{session.pk}/events"
    refused = _json(cast.api("facilitator"), "post", url, dose)
    assert refused.status_code == 422
    assert "tentative" in refused.json()["detail"][0]["msg"]
    assert not session.events.exists()
    Booking.objects.filter(pk=session.booking_id).update(status=BookingStatus.CONFIRMED)
    assert _json(cast.api("facilitator"), "post", url, dose).status_code == 201


def test_it_moves_a_session_and_its_booking_through_the_api(cast: Cast) -> None:
    session_id = _book(cast).json()["id"]
    later = (timezone.now() + dt.timedelta(days=6)).replace(second=0, microsecond=0)
    garden = str(Booking.objects.get().organisation.rooms.get(name="Garden room").pk)
    moved = _patch(cast, session_id, {"starts_at": later.isoformat(), "room": garden})
    assert moved.status_code == 200, moved.content
    assert (moved.json()["room"], dt.datetime.fromisoformat(moved.json()["starts_at"])) == (
        "Garden room",
        later,
    )
    booking = Booking.objects.get()
    assert (booking.starts_at, booking.ends_at) == (later, later + dt.timedelta(hours=6))
    event = AuditEvent.objects.get(action="medicine_session.reschedule")
    assert event.detail["from"]["room"] == "Cedar room"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"starts_at": "2020-01-01T10:00:00+00:00"}, "starts_at"),
        ({"room": "Broom cupboard"}, "room"),
        ({"status": "cancelled"}, "status"),
        ({}, ""),
    ],
)
def test_it_answers_a_bad_move_with_422_and_changes_nothing(
    cast: Cast, body: dict[str, object], field: str
) -> None:
    session_id = _book(cast).json()["id"]
    before = Booking.objects.values_list("starts_at", "room_id").get()
    response = _patch(cast, session_id, body)
    assert response.status_code == 422, response.content
    assert field in {p["loc"][-1] for p in response.json()["detail"]} | {""}
    assert Booking.objects.values_list("starts_at", "room_id").get() == before


def test_it_refuses_a_move_into_a_taken_room_with_409_and_changes_nothing(cast: Cast) -> None:
    first = _book(cast, days=5).json()
    second = _book(cast, days=8, room="Garden room").json()
    response = _patch(cast, second["id"], {"starts_at": first["starts_at"], "room": "cedar room"})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("Cedar room is already booked")
    assert "medicine session (A & B)" in detail
    stored = MedicineSession.objects.get(pk=second["id"])
    assert (stored.room, stored.starts_at.isoformat()) == (
        "Garden room",
        dt.datetime.fromisoformat(second["starts_at"]).isoformat(),
    )


def test_it_answers_a_double_booking_with_409_naming_the_conflict(cast: Cast) -> None:
    assert _book(cast).status_code == 201
    again = _book(cast, who="lead")
    assert again.status_code == 409
    assert "Cedar room is already booked" in again.json()["detail"]
    assert MedicineSession.objects.count() == 1


def test_it_cancels_with_a_reason_and_frees_the_slot(cast: Cast) -> None:
    session_id = _book(cast).json()["id"]
    url = f"/api/v1/sessions/{session_id}/cancel"
    for body in ({}, {"reason": ""}):
        refused = _json(cast.api("facilitator"), "post", url, body)
        assert refused.status_code == 422
        assert "reason" in refused.json()["detail"][0]["loc"]
    assert MedicineSession.objects.get().status == SessionStatus.SCHEDULED
    done = _json(cast.api("facilitator"), "post", url, {"reason": "Partner B has the flu"})
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["booking_status"]) == ("cancelled", "cancelled")
    assert Booking.objects.get().cancel_reason == "Partner B has the flu"
    assert AuditEvent.objects.get(action="medicine_session.cancel").detail["reason"] == (
        "Partner B has the flu"
    )
    # Cancelled twice: refused; the slot is free for another session.
    assert _json(cast.api("facilitator"), "post", url, {"reason": "again"}).status_code == 422
    assert _book(cast).status_code == 201


@pytest.mark.parametrize("who", ["partner_a", "admin"])
def test_it_refuses_moving_confirming_or_cancelling_to_anyone_but_the_care_team(
    cast: Cast, who: str
) -> None:
    session_id = _book(cast).json()["id"]
    for method, url, body in (
        ("patch", f"/api/v1/sessions/{session_id}", {"status": "confirmed"}),
        ("patch", f"/api/v1/sessions/{session_id}", {"room": "Garden room"}),
        ("post", f"/api/v1/sessions/{session_id}/cancel", {"reason": "no"}),
    ):
        assert _json(cast.api(who), method, url, body).status_code == 403
    assert Booking.objects.get().status == BookingStatus.TENTATIVE


# The web: the session's booking page ----------------------------------------------------------


def test_it_moves_confirms_and_cancels_on_the_booking_page(cast: Cast) -> None:
    session_id = _book(cast).json()["id"]
    web = cast.client("facilitator")
    page = web.get(f"/sessions/{session_id}/booking/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tentative" in html and "Private preparation session" in html
    later = timezone.localtime(timezone.now() + dt.timedelta(days=9)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    moved = web.post(
        f"/sessions/{session_id}/booking/move",
        {"starts_at": later.strftime("%Y-%m-%dT%H:%M"), "room": "willow room"},
    )
    assert moved.status_code == 302
    assert MedicineSession.objects.get().room == "Willow room"
    # A bad room is named beside its field, what was typed kept.
    bad = web.post(
        f"/sessions/{session_id}/booking/move",
        {"starts_at": later.strftime("%Y-%m-%dT%H:%M"), "room": "Attic"},
    )
    assert bad.status_code == 422
    assert "No room called “Attic”" in bad.content.decode()
    assert 'value="Attic"' in bad.content.decode()
    refused = web.post(f"/sessions/{session_id}/booking/confirm")
    assert refused.status_code == 409
    assert Booking.objects.get().status == BookingStatus.TENTATIVE
    empty = web.post(f"/sessions/{session_id}/booking/cancel", {"reason": ""})
    assert empty.status_code == 422
    assert MedicineSession.objects.get().status == SessionStatus.SCHEDULED
    gone = web.post(f"/sessions/{session_id}/booking/cancel", {"reason": "They separated"})
    assert gone.status_code == 302
    assert MedicineSession.objects.get().status == SessionStatus.CANCELLED
    # A reload of an action's address goes back to the page.
    assert web.get(f"/sessions/{session_id}/booking/move")["Location"] == (
        f"/sessions/{session_id}/booking/"
    )


def test_it_refuses_a_move_into_a_conflict_on_the_web_beside_the_field(cast: Cast) -> None:
    first = _book(cast, days=5).json()
    second = _book(cast, days=8, room="Garden room").json()
    starts = timezone.localtime(dt.datetime.fromisoformat(first["starts_at"]))
    response = cast.client("facilitator").post(
        f"/sessions/{second['id']}/booking/move",
        {"starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "room": "Garden room"},
    )
    # Garden room is free then; the facilitator is not.
    assert response.status_code == 409
    assert "Facilitator is already booked" in response.content.decode()
    assert MedicineSession.objects.get(pk=second["id"]).room == "Garden room"


# Reminders, calendar feeds and the partners' schedule follow ------------------------------------


def _schedule_keys(cast: Cast) -> list[str]:
    couple = Couple.with_people(Couple.objects.filter(pk=cast.couple.pk)).get()
    return [i.key for i in schedules_for([couple])[couple.pk] if i.kind == "session"]


def test_it_moves_reminders_and_the_calendar_feed_with_the_session(cast: Cast) -> None:
    session_id = _book(cast, days=0.5).json()["id"]  # tomorrow at the latest: reminded
    reminders_run()
    first = Reminder.objects.get(kind="session", partner=cast.partner_a)
    browser = cast.client("partner_a")
    browser.post(f"/couples/{cast.couple.pk}/calendar/new")
    address = browser.get(f"/couples/{cast.couple.pk}/calendar/").context["address"]
    path = str(address).removeprefix("http://127.0.0.1:8000")

    def events() -> list[tuple[str, dt.datetime, dt.datetime]]:
        feed = Calendar.from_ical(Client().get(path).content)
        return [
            (str(e["uid"]), e.decoded("dtstart"), e.decoded("dtend"))
            for e in feed.walk("VEVENT")
            if "appointment" in e["summary"]
        ]

    def starts() -> list[dt.datetime]:
        return [start for _uid, start, _end in events()]

    [(uid, _start, _end)] = events()
    later = (timezone.now() + dt.timedelta(days=20)).replace(second=0, microsecond=0)
    assert _patch(cast, session_id, {"starts_at": later.isoformat()}).status_code == 200
    # The same event, moved (a calendar app updates it), lasting as long as the booking.
    ends = Booking.objects.get(medicine_session__pk=session_id).ends_at
    assert [(u, s.astimezone(dt.UTC), e.astimezone(dt.UTC)) for u, s, e in events()] == [
        (uid, later, ends)
    ]
    assert _schedule_keys(cast) == [f"session:{session_id}:{later.isoformat()}"]
    reminders_run()
    first.refresh_from_db()
    if first.status != ReminderStatus.SENT:
        assert first.status == ReminderStatus.CANCELLED
    _json(cast.api("facilitator"), "post", f"/api/v1/sessions/{session_id}/cancel", {"reason": "x"})
    assert starts() == []
    assert _schedule_keys(cast) == []


def test_it_links_the_calendar_to_the_session_for_its_care_team_and_the_couple_for_others(
    cast: Cast,
) -> None:
    body = _book(cast).json()
    day = dt.datetime.fromisoformat(body["starts_at"]).date().isoformat()
    own = cast.client("facilitator").get(f"/calendar/?date={day}").content.decode()
    assert f'href="/sessions/{body["id"]}/booking/"' in own
    admin = cast.client("admin").get(f"/calendar/?date={day}").content.decode()
    assert "/sessions/" not in admin and f'href="/couples/{cast.couple.pk}/"' in admin
