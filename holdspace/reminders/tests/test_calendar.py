"""Each partner's private calendar feed: their appointments and due items under plain labels,
nothing clinical, nothing of the other partner's; revocable; empty once the couple withdraws."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.couples.services import couple_withdraw
from holdspace.integration.services import commitment_create
from holdspace.policy.couples import get_couple_for


def _subscribe(cast: Cast, who: str = "partner_a") -> str:
    browser = cast.client(who)
    made = browser.post(f"/couples/{cast.couple.pk}/calendar/new")
    assert made.status_code == 302
    page = browser.get(f"/couples/{cast.couple.pk}/calendar/")
    address = page.context["address"]
    assert address and address.endswith(".ics")
    # Shown once: the next visit no longer holds it.
    assert browser.get(f"/couples/{cast.couple.pk}/calendar/").context["address"] is None
    return str(address).removeprefix("http://127.0.0.1:8000")


def _events(body: bytes) -> list[dict[str, str]]:
    calendar = Calendar.from_ical(body)
    return [
        {key: str(event.get(key)) for key in ("summary", "uid", "url", "location", "description")}
        | {"start": event.decoded("dtstart")}
        for event in calendar.walk("VEVENT")
    ]


@pytest.fixture
def busy(cast: Cast) -> Cast:
    """A session next week, baseline questionnaires due, and a daily commitment of B's."""
    make_session(cast, starts_at=timezone.now() + dt.timedelta(days=7))
    cast.couple.created_at = timezone.now() - dt.timedelta(days=8)
    cast.couple.save(update_fields=["created_at"])
    commitment_create(
        viewer=cast.viewer("partner_b"),
        couple=get_couple_for(cast.viewer("partner_b"), cast.couple.pk),
        description="Morning gratitude note to Alex",
        who=cast.partner_b.pk,
        cadence="daily",
    )
    return cast


def test_it_lists_my_appointments_and_due_items_under_plain_labels(busy: Cast) -> None:
    address = _subscribe(busy)
    response = Client().get(address)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    events = _events(response.content)
    summaries = sorted(e["summary"] for e in events)
    assert summaries.count("A questionnaire is waiting for you") == 3
    assert "Your Holdspace appointment" in summaries
    # B's commitment is B's: not in A's calendar.
    assert "Time to check in on a commitment" not in summaries
    session = next(e for e in events if e["summary"] == "Your Holdspace appointment")
    assert isinstance(session["start"], dt.datetime)
    text = response.content.decode().lower()
    for clinical in (
        "phq",
        "gad",
        "pcl",
        "measures/",
        "baseline",
        "psilocybin",
        "cedar room",
        "gratitude",
        "partner b",
        "a & b",
        "commitments",
        "readiness",
    ):
        assert clinical not in text, clinical
    # Each event opens the couple's page in Holdspace, where signing in shows the rest.
    assert {e["url"] for e in events} == {f"http://127.0.0.1:8000/couples/{busy.couple.pk}/"}
    assert all(e["location"] == "None" and e["description"] == "None" for e in events)
    # Stable identities, so calendar apps update rather than duplicate.
    assert sorted(e["uid"] for e in _events(Client().get(address).content)) == sorted(
        e["uid"] for e in events
    )


def test_it_shows_the_other_partner_their_own_items(busy: Cast) -> None:
    events = _events(Client().get(_subscribe(busy, "partner_b")).content)
    assert "Time to check in on a commitment" in {e["summary"] for e in events}


def test_it_stops_a_revoked_address_and_replaces_it_with_a_new_one(busy: Cast) -> None:
    first = _subscribe(busy)
    second = _subscribe(busy)  # a new address stops the old one
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    browser = busy.client("partner_a")
    browser.post(f"/couples/{busy.couple.pk}/calendar/revoke")
    assert Client().get(second).status_code == 404
    assert Client().get("/calendar/made-up-token.ics").status_code == 404
    actions = list(
        AuditEvent.objects.filter(action__startswith="calendar.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["calendar.create", "calendar.create", "calendar.revoke"]


def test_it_empties_a_withdrawn_couples_feed(busy: Cast) -> None:
    address = _subscribe(busy)
    couple_withdraw(
        viewer=busy.viewer("facilitator"),
        couple=get_couple_for(busy.viewer("facilitator"), busy.couple.pk),
        reason="Chose to stop",
    )
    response = Client().get(address)
    assert response.status_code == 200
    assert _events(response.content) == []


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("facilitator", 403),
        ("lead", 403),
        ("admin", 403),
        ("partner_c", 404),
        ("other_facilitator", 404),
        ("trial_partner_a", 404),
    ],
)
def test_it_lets_only_a_partner_of_the_couple_make_a_feed(
    cast: Cast, who: str, status: int
) -> None:
    browser = cast.client(who)
    assert browser.get(f"/couples/{cast.couple.pk}/calendar/").status_code == status
    assert browser.post(f"/couples/{cast.couple.pk}/calendar/new").status_code == status
