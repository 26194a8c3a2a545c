"""The calendar page and GET /api/v1/calendar: a day or a week on the organisation's clock,
by room and facilitator, tentative sessions marked; every booking's time and room for the staff
who run the day, a couple's name and page only where they may see the couple; a bad date told
plainly; a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdspace.accounts.models import Organisation, Room
from holdspace.audit.models import AuditEvent
from holdspace.bookings.models import BookingKind, BookingStatus
from holdspace.bookings.services import booking_reserve
from holdspace.conftest import Cast
from holdspace.couples.models import Couple

pytestmark = pytest.mark.usefixtures("rooms")

# Monday 14 December 2026, 09:00 in Los Angeles (17:00 UTC).
MONDAY = dt.date(2026, 12, 14)
LA = "America/Los_Angeles"


def _la(day: dt.date, hour: float) -> dt.datetime:
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=Organisation(time_zone=LA).tzinfo)
    return midnight + dt.timedelta(hours=hour)


def _book(
    cast: Cast,
    couple: Couple,
    kind: BookingKind,
    day: dt.date,
    hour: float,
    room: str | None,
    facilitator: Any,
    status: BookingStatus = BookingStatus.CONFIRMED,
) -> None:
    booking_reserve(
        viewer=cast.viewer("lead"),
        organisation=cast.center,
        couple=couple,
        kind=kind,
        starts_at=_la(day, hour),
        ends_at=_la(day, hour + 1),
        room=Room.objects.get(organisation=cast.center, name=room) if room else None,
        facilitator_ids=[facilitator.pk],
        status=status,
        held=True,
    )


@pytest.fixture
def week(cast: Cast, rooms: dict[str, Room]) -> Cast:
    cast.center.time_zone = LA
    cast.center.save(update_fields=["time_zone"])
    _book(cast, cast.couple, BookingKind.MEDICINE, MONDAY, 9, "Cedar room", cast.facilitator,
          BookingStatus.TENTATIVE)  # fmt: skip
    _book(cast, cast.other_couple, BookingKind.PREPARATION, MONDAY, 9, "Garden room",
          cast.other_facilitator)  # fmt: skip
    _book(cast, cast.couple, BookingKind.INTEGRATION, MONDAY + dt.timedelta(days=2), 14, None,
          cast.facilitator)  # fmt: skip
    # 22:00 on Sunday in Los Angeles is Monday in UTC: it belongs to Sunday, outside the week.
    _book(cast, cast.couple, BookingKind.PREPARATION, MONDAY - dt.timedelta(days=1), 22, None,
          cast.lead)  # fmt: skip
    return cast


def _api(cast: Cast, who: str, **query: object) -> Any:
    params = {"start": MONDAY.isoformat(), "end": (MONDAY + dt.timedelta(days=7)).isoformat()}
    params.update({k: str(v) for k, v in query.items()})
    return cast.api(who).get("/api/v1/calendar", params)


def test_it_lists_the_week_on_the_organisations_clock_with_tentative_marked(week: Cast) -> None:
    body = _api(week, "lead").json()
    assert body["count"] == 3 and body["next"] is None
    first = body["items"][0]
    assert (first["kind"], first["status"], first["room"], first["couple"]) == (
        "medicine",
        "tentative",
        "Cedar room",
        "A & B",
    )
    assert dt.datetime.fromisoformat(first["starts_at"]).astimezone(dt.UTC).hour == 17
    assert first["facilitators"] == [{"id": week.facilitator.pk, "name": "Facilitator"}]
    assert AuditEvent.objects.filter(action="calendar.read").count() == 1


def test_it_names_only_the_couples_a_facilitator_may_see(week: Cast) -> None:
    items = _api(week, "other_facilitator").json()["items"]
    assert [i["couple"] for i in items] == [None, "C & D", None]
    assert [i["room"] for i in items] == ["Cedar room", "Garden room", ""]
    html = week.client("other_facilitator").get(f"/calendar/?date={MONDAY}").content.decode()
    assert "A &amp; B" not in html and "C &amp; D" in html
    assert html.count("A couple not in your care") == 2
    assert f"/couples/{week.couple.pk}/" not in html and "/sessions/" not in html


def test_it_filters_by_room_and_by_facilitator(week: Cast) -> None:
    cedar = Room.objects.get(organisation=week.center, name="Cedar room")
    assert [i["room"] for i in _api(week, "lead", room=cedar.pk).json()["items"]] == ["Cedar room"]
    mine = _api(week, "lead", facilitator=week.facilitator.pk).json()["items"]
    assert [i["kind"] for i in mine] == ["medicine", "integration"]


def test_it_shows_the_week_and_the_day_by_room_and_by_facilitator(week: Cast) -> None:
    web = week.client("facilitator")
    page = web.get(f"/calendar/?date={MONDAY + dt.timedelta(days=3)}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Week of 14 Dec – 20 Dec 2026" in html
    assert "09:00" in html and "Tentative" in html and "A &amp; B" in html
    assert 'class="booking kind-medicine tentative"' in html
    day = web.get(f"/calendar/?date={MONDAY}&view=day&by=room").content.decode()
    assert re.search(r"<h2>Cedar room</h2>", day) and re.search(r"<h2>Willow room</h2>", day)
    by_person = web.get(f"/calendar/?date={MONDAY}&view=day&by=facilitator").content.decode()
    assert "<h2>Facilitator</h2>" in by_person and "<h2>Other Facilitator</h2>" in by_person


@pytest.mark.parametrize("date", ["next tuesday", "2026-02-30", "99999-01-01", "0001-01-01"])
def test_it_tells_a_bad_date_plainly_and_shows_today(week: Cast, date: str) -> None:
    response = week.client("lead").get("/calendar/", {"date": date})
    assert response.status_code == 400
    html = response.content.decode()
    assert "showing today" in html
    today = timezone.localdate(timezone=week.center.tzinfo)
    assert f'value="{today.isoformat()}"' in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "yesterday"}, "start"),
        ({"end": MONDAY.isoformat()}, "end"),
        ({"end": (MONDAY + dt.timedelta(days=90)).isoformat()}, "end"),
        ({"room": "cedar"}, "room"),
    ],
)
def test_it_answers_a_bad_api_query_with_422(week: Cast, query: dict[str, str], field: str) -> None:
    response = _api(week, "lead", **query)
    assert response.status_code == 422
    assert any(field in p["loc"] for p in response.json()["detail"]), response.json()


def test_it_reads_the_calendar_in_constant_queries(week: Cast) -> None:
    web = week.client("lead")
    web.get(f"/calendar/?date={MONDAY}")
    with CaptureQueriesContext(connection) as few:
        web.get(f"/calendar/?date={MONDAY}")
    for hour in range(10, 16):
        _book(week, week.other_couple, BookingKind.INTEGRATION, MONDAY, hour, "Willow room",
              week.lead)  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        html = web.get(f"/calendar/?date={MONDAY}").content.decode()
    assert html.count('class="booking ') == 9
    assert len(many) == len(few)
