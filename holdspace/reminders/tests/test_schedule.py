"""The follow-up schedule on the pages and the API, the e-mail outbox, and withdrawal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdspace.conftest import Cast, make_session
from holdspace.couples.models import CareTeamMember, Couple, Partner, Stage
from holdspace.integration.models import FollowUpContact
from holdspace.integration.schedule import schedules_for
from holdspace.integration.services import commitment_create
from holdspace.policy.couples import get_couple_for
from holdspace.reminders.models import Reminder
from holdspace.reminders.services import reminders_run


@pytest.fixture
def due(cast: Cast) -> Cast:
    """Baseline questionnaires overdue, a weekly commitment of A's, a session next week, and
    follow-up contacts after a session that ended (the trial's profile asks for them)."""
    cast.couple.created_at = timezone.now() - dt.timedelta(days=9)
    cast.couple.save(update_fields=["created_at"])
    commitment_create(
        viewer=cast.viewer("partner_a"),
        couple=get_couple_for(cast.viewer("partner_a"), cast.couple.pk),
        description="Weekly walk",
        who=cast.partner_a.pk,
        cadence="weekly",
    )
    make_session(cast, starts_at=timezone.now() + dt.timedelta(days=7))

    ended = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=2))
    ended.status, ended.ended_at = "closed", timezone.now() - dt.timedelta(days=2)
    ended.save(update_fields=["status", "ended_at"])
    FollowUpContact.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        session=ended,
        partner=cast.partner_b,
        due_on=timezone.localdate(),
    )
    return cast


def _kinds(rows: list[dict[str, object]]) -> list[tuple[object, object]]:
    return sorted((r["kind"], r["partner_id"]) for r in rows)


def test_it_gives_a_partner_their_items_and_the_couples(due: Cast) -> None:
    response = due.api("partner_a").get(f"/api/v1/couples/{due.couple.pk}/schedule")
    assert response.status_code == 200
    # Issue 12 item 7: the schedule answers the list envelope (a bare array before).
    rows = response.json()["items"]
    a = due.partner_a.pk
    assert _kinds(rows) == sorted(
        # Three baseline questionnaires, and the day-after one of the ended session.
        [("measure", a)] * 4 + [("checkin", a), ("session", None)]
    )
    measure = next(r for r in rows if r["kind"] == "measure")
    assert measure["status"] == "overdue"
    assert measure["url"].startswith(f"http://127.0.0.1:8000/couples/{due.couple.pk}/measures/")
    assert "baseline" in measure["url"]
    session = next(r for r in rows if r["kind"] == "session")
    assert session["starts_at"] is not None and session["status"] == "upcoming"
    # The dates come in order.
    assert [r["due_on"] for r in rows] == sorted(r["due_on"] for r in rows)


def test_it_shows_partner_b_the_care_teams_call_in_plain_words(due: Cast) -> None:
    rows = due.api("partner_b").get(f"/api/v1/couples/{due.couple.pk}/schedule").json()["items"]
    follow_up = next(r for r in rows if r["kind"] == "follow_up")
    assert follow_up["label"] == "A call from your care team"
    assert follow_up["for_team"] is True
    assert not any(r["kind"] == "checkin" for r in rows)  # A's commitment, not B's


@pytest.mark.parametrize("who", ["facilitator", "lead"])
def test_it_shows_the_care_team_everything_due(due: Cast, who: str) -> None:
    rows = due.api(who).get(f"/api/v1/couples/{due.couple.pk}/schedule").json()["items"]
    a, b = due.partner_a.pk, due.partner_b.pk
    assert _kinds(rows) == sorted(
        [("measure", a)] * 4
        + [("measure", b)] * 4
        + [("checkin", a), ("session", None), ("follow_up", b)]
    )
    assert next(r for r in rows if r["kind"] == "follow_up")["label"] == (
        "Follow-up contact after the session"
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 403),
        ("researcher", 404),
        ("other_facilitator", 404),
        ("partner_c", 404),
        ("trial_facilitator", 404),
        ("trial_partner_a", 404),
    ],
)
def test_it_shows_no_one_else_the_schedule(due: Cast, who: str, status: int) -> None:
    assert due.api(who).get(f"/api/v1/couples/{due.couple.pk}/schedule").status_code == status
    page = due.client(who).get(f"/couples/{due.couple.pk}/")
    assert b"Due and coming up" not in page.content and b"Coming up for you" not in page.content


def test_it_shows_the_schedule_on_the_pages(due: Cast) -> None:
    portal = due.client("partner_a").get(f"/couples/{due.couple.pk}/")
    assert b"Coming up for you" in portal.content
    assert b"Weekly walk" in portal.content and b"overdue" in portal.content
    assert b"Add these to your own calendar" in portal.content
    console = due.client("facilitator").get(f"/couples/{due.couple.pk}/")
    assert b"Due and coming up" in console.content
    assert b"Follow-up contact after the session" in console.content


def test_it_reads_the_schedule_in_a_constant_number_of_queries(cast: Cast) -> None:
    def couples(n: int) -> list[Couple]:
        for i in range(n):
            couple = Couple.objects.create(
                organisation=cast.center, name=f"Q{i}", stage=Stage.INTEGRATION
            )
            Partner.objects.create(
                organisation=cast.center, couple=couple, user=cast.partner_a, slot="a"
            )
            CareTeamMember.objects.create(
                organisation=cast.center, couple=couple, user=cast.facilitator
            )
            commitment_create(
                viewer=cast.viewer("partner_a"),
                couple=get_couple_for(cast.viewer("partner_a"), couple.pk),
                description="Walk",
                who="both",
                cadence="daily",
            )
            make_session(cast, couple=couple, starts_at=timezone.now() + dt.timedelta(days=3))
        return list(
            Couple.with_people(
                Couple.objects.filter(name__startswith="Q").select_related("organisation")
            )
        )

    few = couples(2)
    with CaptureQueriesContext(connection) as small:
        assert sum(len(v) for v in schedules_for(few).values()) > 0
    many = couples(20)
    with CaptureQueriesContext(connection) as large:
        assert sum(len(v) for v in schedules_for(many).values()) > 20
    assert len(large.captured_queries) == len(small.captured_queries) <= 7


@pytest.mark.parametrize(
    ("who", "sees"),
    [("lead", {"A & B", "C & D"}), ("admin", {"A & B", "C & D"}), ("facilitator", {"A & B"})],
)
def test_it_shows_in_the_outbox_the_reminders_staff_may_see(
    cast: Cast, who: str, sees: set[str]
) -> None:
    for couple in (cast.couple, cast.other_couple):
        couple.created_at = timezone.now() - dt.timedelta(days=8)
        couple.save(update_fields=["created_at"])
    reminders_run()
    page = cast.client(who).get("/console/outbox/")
    assert page.status_code == 200
    assert {r.couple_name for r in page.context["rows"]} == sees
    assert b"A questionnaire is waiting for you" in page.content


@pytest.mark.parametrize("who", ["partner_a", "trial_partner_a"])
def test_it_gives_partners_no_outbox(cast: Cast, who: str) -> None:
    assert cast.client(who).get("/console/outbox/").status_code == 404


def test_it_shows_the_trial_none_of_the_centers_mail(cast: Cast) -> None:
    cast.couple.created_at = timezone.now() - dt.timedelta(days=8)
    cast.couple.save(update_fields=["created_at"])
    reminders_run()
    assert Reminder.objects.filter(organisation=cast.center).exists()
    page = cast.client("trial_facilitator").get("/console/outbox/")
    assert page.context["rows"] == []


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("partner_a", 403),
        ("researcher", 404),
        ("other_facilitator", 404),
        ("trial_facilitator", 404),
    ],
)
def test_it_lets_only_the_care_team_or_an_admin_record_a_withdrawal(
    cast: Cast, who: str, status: int
) -> None:
    response = cast.client(who).post(f"/couples/{cast.couple.pk}/withdraw/", {"reason": "x"})
    assert response.status_code == status
    cast.couple.refresh_from_db()
    assert cast.couple.withdrawn_at is None


@pytest.mark.parametrize("who", ["facilitator", "lead", "admin"])
def test_it_records_a_withdrawal_with_a_reason(cast: Cast, who: str) -> None:
    browser = cast.client(who)
    refused = browser.post(f"/couples/{cast.couple.pk}/withdraw/", {"reason": "  "})
    assert refused.status_code == 302
    cast.couple.refresh_from_db()
    assert cast.couple.withdrawn_at is None
    browser.post(f"/couples/{cast.couple.pk}/withdraw/", {"reason": "Relocating"})
    cast.couple.refresh_from_db()
    assert cast.couple.withdrawn_at is not None and cast.couple.withdrawn_by == cast.people[who]
    again = browser.post(f"/couples/{cast.couple.pk}/withdraw/", {"reason": "Twice"}, follow=True)
    assert b"already withdrawn" in again.content
    rows = cast.api("partner_a").get(f"/api/v1/couples/{cast.couple.pk}/schedule").json()["items"]
    assert rows == []
