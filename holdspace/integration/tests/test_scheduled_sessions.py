"""Integration sessions scheduled ahead: in the partners' schedule, calendars and reminders
until they are held or cancelled; only the care team schedules them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.couples.services import couple_withdraw
from holdspace.integration.models import FollowUpContact, IntegrationSession
from holdspace.integration.schedule import schedule_for
from holdspace.integration.services import (
    integration_session_close,
    integration_session_schedule,
)
from holdspace.policy.couples import get_couple_for
from holdspace.reminders.models import Reminder
from holdspace.reminders.services import reminders_run

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _couple(cast: Cast, who: str = "facilitator"):  # type: ignore[no-untyped-def]
    return get_couple_for(cast.viewer(who), cast.couple.pk)


def _schedule(cast: Cast, days: int = 5, partner: int | None = None) -> IntegrationSession:
    return integration_session_schedule(
        viewer=cast.viewer("facilitator"),
        couple=_couple(cast),
        at=timezone.now() + dt.timedelta(days=days),
        facilitator_id=cast.facilitator.pk,
        partner_id=partner,
    )


def _sessions_in(cast: Cast, who: str) -> list[str]:
    items = schedule_for(cast.viewer(who), _couple(cast, who))
    return [i.key for i in items if i.key.startswith("integration:")]


def test_it_puts_a_joint_session_in_both_schedules_and_a_one_to_one_only_in_theirs(
    cast: Cast,
) -> None:
    joint = _schedule(cast)
    alone = _schedule(cast, days=9, partner=cast.partner_b.pk)
    assert len(_sessions_in(cast, "partner_a")) == 1
    assert len(_sessions_in(cast, "partner_b")) == 2
    assert len(_sessions_in(cast, "facilitator")) == 2
    rows = cast.api("partner_a").get(f"/api/v1/couples/{cast.couple.pk}/schedule").json()["items"]
    (row,) = [r for r in rows if r["key"].startswith("integration:")]
    assert (row["kind"], row["label"], row["partner_id"]) == (
        "session",
        "Integration session",
        None,
    )
    assert row["url"].endswith(f"/couples/{cast.couple.pk}/integration/#planned")
    assert joint.status == alone.status == "scheduled"
    assert AuditEvent.objects.filter(action="integration.schedule").count() == 2


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def test_it_reminds_the_day_before_and_not_once_cancelled(clock, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    cast.couple.created_at = MONDAY - dt.timedelta(days=2)  # no baseline due yet
    cast.couple.save(update_fields=["created_at"])
    kept = _schedule(cast, days=3)
    dropped = _schedule(cast, days=4, partner=cast.partner_a.pk)
    clock.move_to(MONDAY + dt.timedelta(days=2, hours=1))  # the day before the first
    reminders_run()
    assert sorted(m.to[0] for m in mail.outbox) == [cast.partner_a.email, cast.partner_b.email]
    assert "Your next Holdspace appointment is on Thursday 5 March." in mail.outbox[0].body
    integration_session_close(
        viewer=cast.viewer("facilitator"), couple=_couple(cast), planned=dropped, held=False
    )
    clock.move_to(MONDAY + dt.timedelta(days=3, hours=1))  # the day before the second
    reminders_run()
    assert len(mail.outbox) == 2
    assert not Reminder.objects.filter(item_key__startswith=f"integration:{dropped.pk}:").exists()
    assert kept.pk != dropped.pk


def test_it_records_the_notes_and_what_is_carried_forward_when_held(cast: Cast) -> None:
    planned = _schedule(cast, days=1)
    with pytest.raises(ValidationError, match="once it has been held"):
        integration_session_close(
            viewer=cast.viewer("facilitator"), couple=_couple(cast), planned=planned, held=True
        )
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, hours=1)):
        browser = cast.client("facilitator")
        response = browser.post(
            f"/couples/{cast.couple.pk}/integration/sessions/{planned.pk}/held",
            {
                "notes": "Team only: Riley tearful.",
                "carry_forward": "A walk after dinner.",
            },
        )
        assert response.status_code == 302
        planned.refresh_from_db()
        assert (planned.status, planned.carry_forward) == ("held", "A walk after dinner.")
        assert _sessions_in(cast, "partner_a") == []
        page = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/integration/")
        assert b"A walk after dinner." in page.content
        assert b"Riley tearful" not in page.content
        # Already held: it cannot be held or cancelled again.
        again = browser.post(f"/couples/{cast.couple.pk}/integration/sessions/{planned.pk}/cancel")
        assert again.status_code == 422
        assert b"already held" in again.content


def test_it_schedules_from_the_page_and_says_what_is_wrong(cast: Cast) -> None:
    browser = cast.client("facilitator")
    past = browser.post(
        f"/couples/{cast.couple.pk}/integration/schedule",
        {
            "at": (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "partner": "",
            "facilitator": cast.facilitator.pk,
        },
    )
    assert past.status_code == 422
    assert b"Schedule a session in the future" in past.content
    assert not IntegrationSession.objects.exists()
    made = browser.post(
        f"/couples/{cast.couple.pk}/integration/schedule",
        {
            "at": (timezone.localtime() + dt.timedelta(days=6)).strftime("%Y-%m-%dT%H:%M"),
            "partner": cast.partner_a.pk,
            "facilitator": cast.facilitator.pk,
        },
    )
    assert made.status_code == 302
    page = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/integration/")
    assert b"Integration sessions to come" in page.content
    assert b"Record it as held" not in page.content  # the forms are the care team's


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("partner_a", 403),
        ("admin", 403),
        ("other_facilitator", 404),
        ("trial_facilitator", 404),
    ],
)
def test_it_lets_only_the_care_team_schedule(cast: Cast, who: str, status: int) -> None:
    response = cast.client(who).post(
        f"/couples/{cast.couple.pk}/integration/schedule",
        {
            "at": (timezone.localtime() + dt.timedelta(days=6)).strftime("%Y-%m-%dT%H:%M"),
            "partner": "",
            "facilitator": cast.facilitator.pk,
        },
    )
    assert response.status_code == status
    assert not IntegrationSession.objects.exists()


def test_it_schedules_no_new_session_for_a_withdrawn_couple(cast: Cast) -> None:
    couple_withdraw(viewer=cast.viewer("lead"), couple=_couple(cast, "lead"), reason="Moved")
    with pytest.raises(ValidationError, match="withdrawn"):
        _schedule(cast)


def test_it_lists_only_sessions_held_in_the_report(cast: Cast) -> None:
    _schedule(cast, days=3)
    report = cast.api("partner_a").get(f"/api/v1/couples/{cast.couple.pk}/report").json()
    assert report["integration_sessions"] == []


def test_it_keeps_the_notes_typed_beside_the_problem_of_a_refused_held_record(cast: Cast) -> None:
    planned = _schedule(cast, days=1)
    later = _schedule(cast, days=3)
    refused = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/integration/sessions/{planned.pk}/held",
        {
            "notes": "Team only: Riley tearful.",
            "carry_forward": "A walk after dinner.",
        },
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'class="messages"' not in html  # in its own form, not in a banner at the top
    start = html.index(f'action="/couples/{cast.couple.pk}/integration/sessions/{planned.pk}/held"')
    mine = html[html.rindex("<details", 0, start) : html.index("</details>", start)]
    assert mine.startswith("<details open>")
    assert "Record a session once it has been held." in mine
    assert ">Team only: Riley tearful.</textarea>" in mine
    assert ">A walk after dinner.</textarea>" in mine
    start = html.index(f'action="/couples/{cast.couple.pk}/integration/sessions/{later.pk}/held"')
    theirs = html[html.rindex("<details", 0, start) : html.index("</details>", start)]
    assert theirs.startswith("<details>") and "A walk after dinner." not in theirs
    planned.refresh_from_db()
    assert (planned.status, planned.notes) == ("scheduled", "")


def test_it_names_the_care_teams_items_without_clinical_words_to_partners(cast: Cast) -> None:
    contact = FollowUpContact.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        session=make_session(cast),
        partner=cast.partner_a,
        due_on=timezone.localdate(),
    )
    url = f"/api/v1/couples/{cast.couple.pk}/schedule"
    key = f"follow_up:{contact.pk}"
    mine = {r["key"]: r for r in cast.api("partner_a").get(url).json()["items"]}
    assert mine[key]["label"] == "A call from your care team"
    assert mine[key]["for_team"] is True
    team = {r["key"]: r for r in cast.api("facilitator").get(url).json()["items"]}
    assert team[key]["label"] == "Follow-up contact after the session"
    # Partner B sees the couple's items, not partner A's own.
    assert key not in {r["key"] for r in cast.api("partner_b").get(url).json()["items"]}
    reads = AuditEvent.objects.filter(action="schedule.read")
    assert reads.count() == 3
    assert set(reads.values_list("organisation_id", flat=True)) == {cast.center.pk}


@pytest.mark.parametrize(("who", "status"), [("admin", 403), ("partner_c", 404)])
def test_it_keeps_the_schedule_from_those_outside_the_couple(
    cast: Cast, who: str, status: int
) -> None:
    _schedule(cast)
    answer = cast.api(who).get(f"/api/v1/couples/{cast.couple.pk}/schedule")
    assert answer.status_code == status
    assert not AuditEvent.objects.filter(action="schedule.read").exists()
