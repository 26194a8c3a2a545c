"""The calendar's section of the policy matrix: every person of the cast, and the other
organisation's, against the calendar page and GET /api/v1/calendar. Facilitators, clinical
leads and org admins open their organisation's calendar and see every booking's time and room,
and a couple's name only where they may see the couple; partners and researchers are refused
(403, audited); nobody opens another organisation's calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.bookings.models import BookingKind
from holdspace.bookings.services import booking_reserve
from holdspace.conftest import Cast

# Who opens the center's calendar, and whose names they read there.
NAMES = {
    "facilitator": ["A & B"],
    "other_facilitator": ["C & D"],
    "lead": ["A & B", "C & D"],
    "admin": ["A & B", "C & D"],
}
REFUSED = [
    "partner_a",
    "partner_b",
    "partner_c",
    "partner_d",
    "researcher",
    "trial_partner_a",
    "trial_partner_b",
]


@pytest.fixture
def booked(cast: Cast) -> Cast:
    starts = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    for couple, facilitator in ((cast.couple, cast.facilitator), (cast.other_couple, cast.lead)):
        booking_reserve(
            viewer=cast.viewer("lead"),
            organisation=cast.center,
            couple=couple,
            kind=BookingKind.PREPARATION,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            room=None,
            facilitator_ids=[facilitator.pk],
            held=True,
        )
    return cast


def _span() -> dict[str, str]:
    today = timezone.localdate()
    return {"start": today.isoformat(), "end": (today + dt.timedelta(days=1)).isoformat()}


@pytest.mark.parametrize("who", sorted(NAMES))
def test_it_opens_the_calendar_to_staff_naming_only_the_couples_they_see(
    booked: Cast, who: str
) -> None:
    page = booked.client(who).get("/calendar/", {"view": "day"})
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("A & B", "C & D"):
        assert (name.replace("&", "&amp;") in html) == (name in NAMES[who]), name
    body = booked.api(who).get("/api/v1/calendar", _span()).json()
    assert body["count"] == 2
    assert sorted(i["couple"] for i in body["items"] if i["couple"]) == NAMES[who]
    assert '<a href="/calendar/">Calendar</a>' in html
    # Another organisation's calendar is not theirs.
    assert booked.client(who).get("/calendar/", {"org": booked.trial.pk}).status_code == 403
    refused = booked.api(who).get("/api/v1/calendar", {**_span(), "org": booked.trial.pk})
    assert refused.status_code == 403


@pytest.mark.parametrize("who", REFUSED)
def test_it_refuses_the_calendar_to_partners_and_researchers(booked: Cast, who: str) -> None:
    assert booked.client(who).get("/calendar/").status_code == 403
    assert booked.api(who).get("/api/v1/calendar", _span()).status_code == 403
    page = booked.client(who).get("/")
    assert 'href="/calendar/"' not in page.content.decode()
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=booked.people[who].pk)
    assert denied.count() == 2
    assert not denied.filter(organisation_id__isnull=True).exists()
    assert not AuditEvent.objects.filter(action="calendar.read").exists()


def test_it_shows_the_other_organisations_facilitator_only_their_own_calendar(
    booked: Cast,
) -> None:
    body = booked.api("trial_facilitator").get("/api/v1/calendar", _span()).json()
    assert body["count"] == 0
    web = booked.client("trial_facilitator")
    assert "A &amp; B" not in web.get("/calendar/").content.decode()
    assert web.get("/calendar/", {"org": booked.center.pk}).status_code == 403
    assert (
        booked.api("trial_facilitator")
        .get("/api/v1/calendar", {**_span(), "org": booked.center.pk})
        .status_code
        == 403
    )
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=booked.trial_facilitator.pk)
    assert set(denied.values_list("organisation_id", flat=True)) == {booked.trial.pk}
