"""Reminders against a frozen clock: planned once per item and partner whatever the restarts,
retried on a failing mail server, stopped when the item is done or the couple withdraws, and
never carrying clinical content."""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone
from django_q.models import Schedule

from holdspace.conftest import Cast, make_session
from holdspace.couples.services import couple_withdraw
from holdspace.integration.services import checkin_record, commitment_create
from holdspace.policy.couples import get_couple_for
from holdspace.reminders.models import Reminder, ReminderStatus, SignInLink
from holdspace.reminders.services import MAX_ATTEMPTS, reminders_run
from holdspace.worker import ensure_schedules

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday morning


def _closed_port() -> int:
    """A local port nothing listens on: the mail server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def failing_mail():  # type: ignore[no-untyped-def]
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=_closed_port(),
        EMAIL_USE_TLS=False,
        EMAIL_TIMEOUT=2,
    )


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def fresh(clock, cast: Cast) -> Cast:  # type: ignore[no-untyped-def]
    """The cast's couple added at START (baseline questionnaires due a week later)."""
    cast.couple.created_at = timezone.now()
    cast.couple.save(update_fields=["created_at"])
    for couple in (cast.other_couple, cast.trial_couple):
        couple.stage = "closed"
        couple.save(update_fields=["stage"])
    return cast


def _to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [address]]


def test_it_sends_baseline_reminders_once_each_whatever_the_restarts(clock, fresh: Cast) -> None:  # type: ignore[no-untyped-def]
    assert str(reminders_run()) == "planned 0, cancelled 0, sent 0, failed 0"
    clock.move_to(START + dt.timedelta(days=6))
    reminders_run()
    assert mail.outbox == []  # shown in the portal ahead of time, reminded only when due

    clock.move_to(START + dt.timedelta(days=7, hours=1))
    first = reminders_run()
    # One e-mail each, listing the baseline questionnaires with a link each.
    assert len(first.sent) == 6  # PHQ-9, GAD-7 and CSI-4 are bundled; PCL-5 is not
    assert sorted(m.to[0] for m in mail.outbox) == [
        fresh.partner_a.email,
        fresh.partner_b.email,
    ]
    (message,) = _to(fresh.partner_a.email)
    assert message.subject == "[Holdspace] 3 things are waiting for you"
    assert len(re.findall(r"http://testserver/r/[\w-]+|/r/[\w-]+", message.body)) == 3

    for hours in (0, 1, 30):  # the worker restarts, runs every ten minutes, and the next day
        clock.move_to(START + dt.timedelta(days=7, hours=1 + hours))
        again = reminders_run()
        assert (again.planned, again.sent) == (0, [])
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 6


def test_it_refuses_a_second_reminder_for_the_same_item_in_the_database(clock, fresh: Cast) -> None:  # type: ignore[no-untyped-def]
    clock.move_to(START + dt.timedelta(days=8))
    reminders_run()
    sent = Reminder.objects.filter(partner=fresh.partner_a).first()
    assert sent is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(
            organisation=fresh.center,
            couple=fresh.couple,
            partner=fresh.partner_a,
            item_key=sent.item_key,
            kind=sent.kind,
            due_on=sent.due_on,
            subject=sent.subject,
            path=sent.path,
        )


def test_it_retries_a_failing_mail_server_later_and_then_sends_the_reminder_once(
    clock, fresh: Cast
) -> None:  # type: ignore[no-untyped-def]
    clock.move_to(START + dt.timedelta(days=7, hours=1))
    with failing_mail():
        failed = reminders_run()
    assert len(failed.failed) == 6 and failed.sent == []
    row = Reminder.objects.filter(partner=fresh.partner_a).first()
    assert row is not None
    assert (row.status, row.attempts) == (ReminderStatus.RETRYING, 1)
    assert "ConnectionRefusedError" in row.last_error
    assert not SignInLink.objects.exists()  # links of an unsent e-mail are not left alive

    # The server is back, but the pause before the next attempt has not passed.
    clock.move_to(START + dt.timedelta(days=7, hours=1, minutes=4))
    assert reminders_run().sent == []
    clock.move_to(START + dt.timedelta(days=7, hours=1, minutes=6))
    retried = reminders_run()
    assert len(retried.sent) == 6
    assert len(mail.outbox) == 2
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (ReminderStatus.SENT, 2, "")
    clock.move_to(START + dt.timedelta(days=7, hours=3))
    assert reminders_run().sent == []
    assert len(mail.outbox) == 2


def test_it_gives_up_after_the_last_attempt_and_says_so(clock, fresh: Cast) -> None:  # type: ignore[no-untyped-def]
    clock.move_to(START + dt.timedelta(days=7, hours=1))
    with failing_mail():
        for _attempt in range(MAX_ATTEMPTS + 2):
            reminders_run()
            clock.shift(dt.timedelta(hours=4))
    statuses = set(Reminder.objects.values_list("status", "attempts"))
    assert statuses == {(ReminderStatus.FAILED, MAX_ATTEMPTS)}
    clock.shift(dt.timedelta(days=1))
    assert reminders_run().sent == []  # a reminder that failed for good is not sent a day late
    assert mail.outbox == []


def test_it_sends_nothing_after_the_couple_withdraws(clock, fresh: Cast) -> None:  # type: ignore[no-untyped-def]
    clock.move_to(START + dt.timedelta(days=7, hours=1))
    with failing_mail():
        reminders_run()  # planned, waiting for a retry
    couple_withdraw(viewer=fresh.viewer("facilitator"), couple=fresh.couple, reason="Moved away")
    assert set(Reminder.objects.values_list("status", "cancelled_reason")) == {
        (ReminderStatus.CANCELLED, "withdrawn")
    }
    for days in (0, 1, 31):  # later items (the month's check-ins, the next measures) neither
        clock.move_to(START + dt.timedelta(days=7 + days, hours=2))
        result = reminders_run()
        assert (result.planned, result.sent) == (0, [])
    assert mail.outbox == []


def test_it_does_not_send_a_reminder_still_waiting_when_the_item_is_done(
    clock, fresh: Cast
) -> None:  # type: ignore[no-untyped-def]
    clock.move_to(START + dt.timedelta(days=1))
    weekly = commitment_create(
        viewer=fresh.viewer("partner_a"),
        couple=get_couple_for(fresh.viewer("partner_a"), fresh.couple.pk),
        description="Walk together on Sundays",
        who=fresh.partner_a.pk,
        cadence="weekly",
    )
    clock.move_to(START + dt.timedelta(days=7, hours=1))  # the week's last day
    with failing_mail():
        reminders_run()
    checkin = Reminder.objects.get(kind="checkin")
    assert checkin.partner_id == fresh.partner_a.pk
    assert checkin.status == ReminderStatus.RETRYING
    checkin_record(
        viewer=fresh.viewer("partner_a"),
        couple=get_couple_for(fresh.viewer("partner_a"), fresh.couple.pk),
        commitment=weekly,
        status="done",
    )
    clock.move_to(START + dt.timedelta(days=7, hours=2))
    result = reminders_run()
    checkin.refresh_from_db()
    assert (checkin.status, checkin.cancelled_reason) == (ReminderStatus.CANCELLED, "done")
    assert checkin.pk not in result.sent
    assert all("check in" not in m.body for m in _to(fresh.partner_a.email))


def test_it_names_only_the_kind_of_item_in_a_reminder(clock, fresh: Cast) -> None:  # type: ignore[no-untyped-def]
    commitment_create(
        viewer=fresh.viewer("partner_a"),
        couple=get_couple_for(fresh.viewer("partner_a"), fresh.couple.pk),
        description="Name the silence out loud",
        who="both",
        cadence="daily",
    )
    make_session(fresh, starts_at=START + dt.timedelta(days=10, hours=1))
    clock.move_to(START + dt.timedelta(days=9, hours=1))  # the day before the session
    reminders_run()
    kinds = set(Reminder.objects.filter(partner=fresh.partner_a).values_list("kind", flat=True))
    assert kinds == {"measure", "checkin", "session"}
    (message,) = _to(fresh.partner_a.email)
    text = f"{message.subject}\n{message.body}"
    words = re.sub(r"\S+/r/[\w-]+", "", text)  # the links' random tokens are not words
    assert "Your next Holdspace appointment is on Thursday 12 March." in text
    assert "It is time to check in on a commitment." in text
    assert "A questionnaire is waiting for you." in text
    for clinical in (
        "Name the silence",
        "PHQ",
        "GAD",
        "PCL",
        "psilocybin",
        "Cedar room",
        "medicine",
        fresh.partner_b.display_name,
        fresh.facilitator.display_name,
    ):
        assert clinical.lower() not in words.lower(), clinical


def test_it_runs_reminders_in_the_worker_every_ten_minutes(db: None) -> None:

    assert "reminders" in ensure_schedules()
    ensure_schedules()
    schedule = Schedule.objects.get(name="reminders")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "holdspace.reminders.tasks.send_due_reminders",
        Schedule.MINUTES,
        10,
    )
    assert Schedule.objects.filter(name="reminders").count() == 1


def test_it_runs_one_pass_with_the_send_reminders_command(
    clock, fresh: Cast, run_cli, capsys
) -> None:  # type: ignore[no-untyped-def]
    clock.move_to(START + dt.timedelta(days=7, hours=1))
    assert run_cli(["send-reminders"]) == 0
    assert "sent 6" in capsys.readouterr().out
    assert run_cli(["send-reminders"]) == 0
    assert "planned 0, cancelled 0, sent 0, failed 0" in capsys.readouterr().out
