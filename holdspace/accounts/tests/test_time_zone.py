"""One clock per organisation: its zone comes from the profile, its org admin may change it, and
every time shown or typed, on a page, through the API, in an e-mail, a calendar feed or a CSV,
is on that clock while the server runs in UTC; stored times stay UTC."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from importlib import import_module
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from holdspace.accounts.models import Organisation, Role
from holdspace.accounts.services import membership_ensure
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.facilitators.models import Credential
from holdspace.facilitators.services import credentials_sweep
from holdspace.reminders.services import reminders_run
from holdspace.sessions.models import SessionEvent

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# 11:00 on Friday 4 December in Oregon; 19:00 in UTC, the server's zone.
NOW = dt.datetime(2026, 12, 4, 19, 0, tzinfo=UTC)


@pytest.fixture
def oregon(cast: Cast, settings: Any) -> Cast:
    settings.TIME_ZONE = "UTC"
    Organisation.objects.filter(pk=cast.center.pk).update(time_zone="America/Los_Angeles")
    cast.center.refresh_from_db()
    return cast


def _body(response: Any) -> str:
    return str(response.content.decode())


# The zone itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "zone"),
    [
        ("oregon-psilocybin", "America/Los_Angeles"),
        ("colorado-natural-medicine", "America/Denver"),
        ("mdma-clinical-trial", "UTC"),
        ("general-therapy", "UTC"),
    ],
)
def test_it_starts_an_organisation_on_the_zone_its_profile_suggests(
    db: None, profile: str, zone: str
) -> None:
    organisation = Organisation.objects.create(name=profile, slug=profile, profile=profile)
    assert Organisation.objects.get(pk=organisation.pk).time_zone == zone
    assert organisation.tzinfo.key == zone


def test_it_fills_existing_organisations_zones_from_their_profile_on_migration(cast: Cast) -> None:
    migration = import_module("holdspace.accounts.migrations.0003_organisation_time_zone")
    Organisation.objects.update(time_zone="")
    kept = Organisation.objects.create(
        name="Boise", slug="boise", profile="oregon-psilocybin", time_zone="America/Boise"
    )
    migration.fill_from_profile(apps, None)
    zones = dict(Organisation.objects.values_list("slug", "time_zone"))
    assert zones == {"center": "America/Los_Angeles", "trial": "UTC", kept.slug: "America/Boise"}


def test_it_lets_the_org_admin_set_the_zone_and_audits_it(cast: Cast) -> None:
    admin = cast.client("admin")
    page = _body(admin.get("/organisation/"))
    assert 'name="time_zone" value="UTC"' in page
    assert "The profile suggests America/Los_Angeles." in page
    response = admin.post("/organisation/time-zone", {"time_zone": "America/Los_Angeles"})
    assert response.status_code == 302
    assert Organisation.objects.get(pk=cast.center.pk).time_zone == "America/Los_Angeles"
    event = AuditEvent.objects.get(action="organisation.time_zone")
    assert event.detail == {"from": "UTC", "to": "America/Los_Angeles"}
    assert event.organisation_id == cast.center.pk
    assert 'data-time-zone="America/Los_Angeles"' in _body(admin.get("/organisation/"))


def test_it_refuses_a_zone_that_does_not_exist_beside_the_field_and_keeps_it(cast: Cast) -> None:
    admin = cast.client("admin")
    response = admin.post("/organisation/time-zone", {"time_zone": "America/Portland"})
    assert response.status_code == 422
    page = _body(response)
    assert "Choose a time zone from the list, such as America/Los_Angeles." in page
    assert 'value="America/Portland"' in page
    assert 'aria-invalid="true"' in page
    assert Organisation.objects.get(pk=cast.center.pk).time_zone == "UTC"
    assert not AuditEvent.objects.filter(action="organisation.time_zone").exists()
    # The second try, with a real name, is saved.
    again = admin.post("/organisation/time-zone", {"time_zone": "America/Boise"})
    assert again.status_code == 302
    assert Organisation.objects.get(pk=cast.center.pk).time_zone == "America/Boise"


@pytest.mark.parametrize("who", ["lead", "facilitator", "researcher", "partner_a"])
def test_it_lets_nobody_but_the_org_admin_set_the_zone(cast: Cast, who: str) -> None:
    client = cast.client(who)
    response = client.post("/organisation/time-zone", {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 403
    assert Organisation.objects.get(pk=cast.center.pk).time_zone == "UTC"


def test_it_keeps_the_admin_of_one_organisation_from_setting_anothers_zone(cast: Cast) -> None:
    url = f"/organisation/time-zone?org={cast.trial.pk}"
    assert cast.client("admin").post(url, {"time_zone": "Asia/Tokyo"}).status_code == 403
    assert Organisation.objects.get(pk=cast.trial.pk).time_zone == "UTC"


def test_it_shows_the_clinical_lead_the_zone_without_a_field(cast: Cast) -> None:
    page = _body(cast.client("lead").get("/organisation/"))
    assert "your org admin sets it" in page
    assert 'name="time_zone"' not in page


# Pages, typed times and the API --------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_it_shows_a_page_on_the_organisations_clock_while_the_server_runs_in_utc(
    oregon: Cast,
) -> None:
    make_session(oregon, starts_at=dt.datetime(2026, 12, 5, 18, 0, tzinfo=UTC))
    staff = _body(oregon.client("facilitator").get(f"/couples/{oregon.couple.pk}/"))
    assert 'data-time-zone="America/Los_Angeles"' in staff
    assert "5 Dec 2026, 10:00" in staff
    assert "18:00" not in staff
    partner = _body(oregon.client("partner_a").get(f"/couples/{oregon.couple.pk}/"))
    assert "Your medicine session: Saturday 5 December, 10:00" in partner
    # The other organisation keeps its own clock.
    trial = _body(oregon.client("trial_facilitator").get(f"/couples/{oregon.trial_couple.pk}/"))
    assert 'data-time-zone="UTC"' in trial


@time_machine.travel(NOW, tick=False)
def test_it_stores_a_time_typed_on_the_console_as_the_right_utc(oregon: Cast) -> None:
    session = make_session(oregon, starts_at=dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    response = oregon.client("facilitator").post(
        f"/sessions/{session.pk}/events/form",
        {"id": str(uuid.uuid4()), "kind": "note", "taken_at": "10:15", "data.text": "Settled"},
    )
    assert response.status_code == 302
    event = SessionEvent.objects.get(session=session, kind="note")
    assert event.occurred_at == dt.datetime(2026, 12, 4, 18, 15, tzinfo=UTC)
    console = _body(oregon.client("facilitator").get(f"/sessions/{session.pk}/"))
    assert ">10:15</time>" in console


@time_machine.travel(NOW, tick=False)
def test_it_reads_an_api_time_without_an_offset_on_the_organisations_clock(
    oregon: Cast,
) -> None:
    session = make_session(oregon, starts_at=dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    body = {
        "id": str(uuid.uuid4()),
        "kind": "note",
        "occurred_at": "2026-12-04T10:30:00",
        "data": {"text": "Settled"},
    }
    response = oregon.api("facilitator").post(
        f"/api/v1/sessions/{session.pk}/events", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    event = SessionEvent.objects.get(session=session, kind="note")
    assert event.occurred_at == dt.datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    # A time with its offset is taken as it says.
    body |= {"id": str(uuid.uuid4()), "occurred_at": "2026-12-04T18:45:00Z"}
    oregon.api("facilitator").post(
        f"/api/v1/sessions/{session.pk}/events", json.dumps(body), content_type="application/json"
    )
    assert SessionEvent.objects.filter(
        session=session, occurred_at=dt.datetime(2026, 12, 4, 18, 45, tzinfo=UTC)
    ).exists()


@time_machine.travel(NOW, tick=False)
def test_it_shows_a_person_in_two_organisations_each_page_on_its_organisations_clock(
    oregon: Cast,
) -> None:
    membership_ensure(organisation=oregon.trial, user=oregon.lead, role=Role.CLINICAL_LEAD)
    lead = oregon.client("lead")
    center_page = _body(lead.get(f"/couples/{oregon.couple.pk}/"))
    trial_page = _body(lead.get(f"/couples/{oregon.trial_couple.pk}/"))
    assert 'data-time-zone="America/Los_Angeles"' in center_page
    assert 'data-time-zone="UTC"' in trial_page
    assert 'data-time-zone="UTC"' in _body(lead.get(f"/doses/?org={oregon.trial.pk}"))
    # Without a page of either, their first organisation's.
    assert 'data-time-zone="America/Los_Angeles"' in _body(lead.get("/console/"))


def test_it_leaves_no_zone_behind_after_a_request(oregon: Cast) -> None:
    oregon.client("facilitator").get(f"/couples/{oregon.couple.pk}/")
    assert timezone.get_current_timezone_name() == "UTC"


# Output made without a request: e-mails, calendar feeds ----------------------------------------


def test_it_names_the_sessions_day_in_a_reminder_on_the_organisations_clock(
    oregon: Cast,
) -> None:
    # 19:00 on Friday 11 December in Oregon is already Saturday in UTC.
    make_session(oregon, starts_at=dt.datetime(2026, 12, 12, 3, 0, tzinfo=UTC))
    with time_machine.travel(dt.datetime(2026, 12, 10, 20, 0, tzinfo=UTC), tick=False):
        reminders_run(organisation_id=oregon.center.pk)
    bodies = [m.body for m in mail.outbox]
    assert any("appointment is on Friday 11 December." in b for b in bodies), bodies
    assert not any("Saturday 12 December" in b for b in bodies)


@time_machine.travel(NOW, tick=False)
def test_it_gives_calendar_appointments_on_the_organisations_clock(oregon: Cast) -> None:
    make_session(oregon, starts_at=dt.datetime(2026, 12, 12, 3, 0, tzinfo=UTC))
    browser = oregon.client("partner_a")
    browser.post(f"/couples/{oregon.couple.pk}/calendar/new")
    address = str(browser.get(f"/couples/{oregon.couple.pk}/calendar/").context["address"])
    feed = Client().get(address.removeprefix("http://127.0.0.1:8000"))
    assert feed.status_code == 200
    text = feed.content.decode()
    assert "DTSTART;TZID=America/Los_Angeles:20261211T190000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:America/Los_Angeles" in text
    calendar = Calendar.from_ical(feed.content)
    session = next(
        e for e in calendar.walk("VEVENT") if str(e["summary"]) == "Your Holdspace appointment"
    )
    assert session.decoded("dtstart") == dt.datetime(2026, 12, 12, 3, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_it_gives_the_dose_log_csv_times_on_the_organisations_clock(oregon: Cast) -> None:
    session = make_session(oregon, starts_at=dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    api = oregon.api("facilitator")
    plan = {
        "plans": [
            {
                "partner_id": oregon.partner_a.pk,
                "product": "Golden Teacher capsules",
                "lot": "GT-2609",
                "mg_per_unit": 5,
                "planned_mg": 20,
            }
        ],
        "music": {"entries": ["Quiet strings"], "link": ""},
    }
    planned = api.put(
        f"/api/v1/sessions/{session.pk}/plan", json.dumps(plan), content_type="application/json"
    )
    assert planned.status_code == 200, planned.content
    dose = {
        "id": str(uuid.uuid4()),
        "partner_id": oregon.partner_a.pk,
        "kind": "dose",
        "occurred_at": "2026-12-04T18:05:00Z",
        "data": {"amount_mg": 20, "product": "Golden Teacher capsules", "lot": "GT-2609"},
    }
    given = api.post(
        f"/api/v1/sessions/{session.pk}/events", json.dumps(dose), content_type="application/json"
    )
    assert given.status_code == 201, given.content
    csv = oregon.client("lead").get("/doses.csv").content.decode()
    assert "2026-12-04T10:05:00-08:00" in csv
    assert "18:05" not in csv


def test_it_expires_a_credential_on_its_organisations_day(oregon: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        credential = Credential.objects.create(
            organisation=oregon.center,
            facilitator=oregon.facilitator,
            kind="bls",
            title="Basic life support",
            issued_on=dt.date(2025, 1, 5),
            expires_on=dt.date(2026, 12, 5),
            status="verified",
            register="Test register",
        )
    # 19:00 on 4 December in Oregon: 5 December has begun in UTC, not there.
    with time_machine.travel(dt.datetime(2026, 12, 5, 3, 0, tzinfo=UTC), tick=False):
        assert credential.pk not in credentials_sweep().expired
    with time_machine.travel(dt.datetime(2026, 12, 5, 9, 0, tzinfo=UTC), tick=False):
        assert credential.pk in credentials_sweep().expired


def test_it_falls_back_to_the_profiles_zone_when_the_stored_one_is_unknown(
    oregon: Cast,
) -> None:
    Organisation.objects.filter(pk=oregon.center.pk).update(time_zone="America/Atlantis")
    page = oregon.client("facilitator").get(f"/couples/{oregon.couple.pk}/")
    assert page.status_code == 200
    assert 'data-time-zone="America/Los_Angeles"' in _body(page)


@time_machine.travel(NOW, tick=False)
def test_it_reads_an_api_time_on_the_clock_of_the_sessions_organisation(oregon: Cast) -> None:
    membership_ensure(organisation=oregon.trial, user=oregon.lead, role=Role.CLINICAL_LEAD)
    starts = dt.datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    center = make_session(oregon, starts_at=starts + dt.timedelta(hours=8))
    trial = make_session(
        oregon,
        starts_at=starts,
        couple=oregon.trial_couple,
        facilitators=[oregon.trial_facilitator],
    )
    api = oregon.api("lead")
    for session in (center, trial):
        body = {
            "id": str(uuid.uuid4()),
            "kind": "note",
            "occurred_at": "2026-12-04T10:30:00",
            "data": {"text": "Settled"},
        }
        answer = api.post(
            f"/api/v1/sessions/{session.pk}/events",
            json.dumps(body),
            content_type="application/json",
        )
        assert answer.status_code == 201, answer.content
    stored = dict(SessionEvent.objects.filter(kind="note").values_list("session_id", "occurred_at"))
    assert stored == {
        center.pk: dt.datetime(2026, 12, 4, 18, 30, tzinfo=UTC),
        trial.pk: dt.datetime(2026, 12, 4, 10, 30, tzinfo=UTC),
    }
