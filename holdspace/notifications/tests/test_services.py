"""Safety alerts leave the console: queued at once, told once per person, escalated once on
time, retried on failure, audited, and never carrying clinical content."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from pydoc import locate

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from holdspace.accounts.models import Membership
from holdspace.audit.models import AuditEvent
from holdspace.audit.services import audit_verify
from holdspace.conftest import Cast, make_session
from holdspace.measures.models import SafetyAlert
from holdspace.measures.services import alert_acknowledge
from holdspace.notifications import channels
from holdspace.notifications.models import AlertNotice, Notification, NotificationPreference
from holdspace.notifications.services import (
    FIRST_RETRY,
    MAX_ATTEMPTS,
    STALE_CLAIM,
    alert_notice_plan,
    notifications_run,
)
from holdspace.notifications.tasks import notify_alert, run_notifications
from holdspace.screening.profiles import all_profiles, get_profile
from holdspace.worker import ensure_schedules

START = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
ITEM9 = "Item 9 (thoughts of being better off dead or of self-harm) was answered above 0."


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def raise_alert(cast: Cast, rule_id: str = "phq9_item9", message: str = ITEM9) -> SafetyAlert:
    return SafetyAlert.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        partner=cast.partner_a,
        rule_id=rule_id,
        message=message,
        source="Simon et al. 2013",
    )


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_it_queues_the_notification_when_the_alert_commits(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False) as pending:
        alert = raise_alert(cast)
    assert not OrmQ.objects.exists()  # nothing is queued for a transaction still open
    for callback in pending:
        callback()
    (queued,) = OrmQ.objects.all()
    task = queued.task  # a property
    assert (task["func"], task["args"]) == (
        "holdspace.notifications.tasks.notify_alert",
        (alert.pk,),
    )
    # Saving the alert again (an acknowledgement) queues nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        alert_acknowledge(viewer=cast.viewer("lead"), alert=alert, note="Called; safe.")
    assert OrmQ.objects.count() == 1


def test_it_tells_the_couple_s_facilitator_and_every_clinical_lead_once_across_two_worker_runs(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    alert = raise_alert(cast)
    assert notify_alert(alert.pk) == "planned 2, cancelled 0, escalated 0, sent 2, failed 0"
    assert sent_to() == ["facilitator@example.org", "lead@example.org"]
    # The worker restarts: the queued task runs again, and the minute run after it.
    clock.shift(dt.timedelta(minutes=1))
    assert notify_alert(alert.pk) == "planned 0, cancelled 0, escalated 0, sent 0, failed 0"
    assert run_notifications() == "planned 0, cancelled 0, escalated 0, sent 0, failed 0"
    assert len(mail.outbox) == 2
    rows = Notification.objects.filter(alert=alert)
    assert {(n.recipient.email, n.status, n.attempts) for n in rows} == {
        ("facilitator@example.org", "sent", 1),
        ("lead@example.org", "sent", 1),
    }
    # Not the other couple's facilitator, the org admin, the researcher, or the partner.
    assert not rows.filter(
        recipient__in=[cast.other_facilitator, cast.admin, cast.researcher, cast.partner_a]
    ).exists()
    sends = AuditEvent.objects.filter(action="notification.send", organisation=cast.center)
    assert sorted(e.detail["to"] for e in sends) == sorted([cast.facilitator.pk, cast.lead.pk])
    assert audit_verify()[1] is None  # appended to the Center's chain, which still holds


def test_it_catches_up_an_alert_whose_task_was_never_queued(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    alert = raise_alert(cast)  # no commit in this test: the queued task never ran
    assert str(notifications_run()).startswith("planned 2,")
    assert AlertNotice.objects.get(alert=alert).escalate_at == START + dt.timedelta(hours=4)
    assert len(mail.outbox) == 2
    notifications_run()
    assert len(mail.outbox) == 2


def test_it_never_puts_clinical_content_in_the_message(cast: Cast) -> None:
    alert = raise_alert(cast)
    notify_alert(alert.pk)
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert message.subject == "Holdspace: an alert needs your attention"
        for clinical in ("Item 9", "PHQ", "self-harm", "psilocybin", "Simon", "phq9"):
            assert clinical not in text
        for person in ("Partner A", "partner_a", "A & B", "Partner B"):
            assert person not in text
        assert re.search(r"http://\S+/r/\S+", message.body)


def test_it_sends_a_link_that_opens_sign_in_onto_the_alert_once(cast: Cast) -> None:
    alert = raise_alert(cast)
    notify_alert(alert.pk)
    (message,) = [m for m in mail.outbox if m.to == ["lead@example.org"]]
    path = re.search(r"http://[^/]+(/r/\S+)", message.body).group(1)  # type: ignore[union-attr]
    browser = Client()
    page = browser.post(path)
    assert page.status_code == 302
    # Staff sign in as usual, with their second step, and land on the alert in the console.
    assert page["Location"] == (
        f"/accounts/login/?next=%2Fconsole%2F%3Forg%3D{cast.center.pk}%23alert-{alert.pk}"
    )
    assert browser.post(path).status_code == 410  # single use


def test_it_escalates_an_unacknowledged_item_9_alert_once_at_four_hours(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    window = get_profile(cast.center.profile).alerts
    assert window is not None and window.minutes_for("phq9_item9")[0] == 240
    alert = raise_alert(cast)
    notify_alert(alert.pk)
    clock.shift(dt.timedelta(hours=3, minutes=59))
    assert notifications_run().escalated == []
    clock.shift(dt.timedelta(minutes=1))
    result = notifications_run()
    assert result.escalated == [alert.pk]
    notice = AlertNotice.objects.get(alert=alert)
    assert notice.escalated_at == START + dt.timedelta(hours=4)
    (escalation,) = Notification.objects.filter(alert=alert, purpose="escalation")
    assert (escalation.recipient, escalation.status) == (cast.lead, "sent")
    assert mail.outbox[-1].to == ["lead@example.org"]
    assert mail.outbox[-1].subject == "Holdspace: an alert is still waiting for acknowledgement"
    event = AuditEvent.objects.get(action="alert.escalate", object_id=str(alert.pk))
    assert event.detail["recipients"] == [cast.lead.pk]
    # Once: later runs, and a restarted worker, escalate nothing more.
    for _run in range(2):
        clock.shift(dt.timedelta(hours=1))
        assert notifications_run().escalated == []
    assert len(mail.outbox) == 3


def test_it_escalates_a_severe_adverse_event_after_fifteen_minutes(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    alert = raise_alert(cast, "adverse-event-severe", "Adverse event (severe): fainted")
    notify_alert(alert.pk)
    clock.shift(dt.timedelta(minutes=14, seconds=59))
    assert notifications_run().escalated == []
    clock.shift(dt.timedelta(seconds=1))
    assert notifications_run().escalated == [alert.pk]


def test_it_does_not_escalate_an_acknowledged_alert_and_cancels_what_is_unsent(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    alert = raise_alert(cast)
    alert_notice_plan(alert.pk)  # planned, but the worker has sent nothing yet
    alert_acknowledge(viewer=cast.viewer("facilitator"), alert=alert, note="Called A; safe plan.")
    clock.shift(dt.timedelta(hours=5))
    result = notifications_run()
    assert (result.cancelled, result.escalated, result.sent) == (2, [], [])
    assert mail.outbox == []
    assert set(Notification.objects.values_list("status", "cancelled_reason")) == {
        ("cancelled", "acknowledged")
    }
    assert AlertNotice.objects.get(alert=alert).escalated_at is None


def test_it_does_not_announce_an_alert_acknowledged_before_its_task_runs(cast: Cast) -> None:
    alert = raise_alert(cast)
    alert_acknowledge(viewer=cast.viewer("lead"), alert=alert, note="Seen on the console.")
    assert notify_alert(alert.pk).startswith("planned 0,")
    assert mail.outbox == []


def test_it_retries_a_failed_send_with_a_growing_pause_then_gives_up(
    cast: Cast, clock: time_machine.Coordinates, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(message: channels.Message) -> None:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(channels.PROVIDERS["email"], "send", refuse)
    alert = raise_alert(cast)
    notify_alert(alert.pk)
    lead_row = Notification.objects.get(alert=alert, recipient=cast.lead)
    pauses = []
    for attempt in range(1, MAX_ATTEMPTS):
        lead_row.refresh_from_db()
        assert (lead_row.status, lead_row.attempts) == ("retrying", attempt)
        assert "mail server down" in lead_row.last_error
        pauses.append(lead_row.next_attempt_at - timezone.now())
        clock.shift(lead_row.next_attempt_at - timezone.now() - dt.timedelta(seconds=1))
        assert notifications_run().failed == []  # not yet due again
        clock.shift(dt.timedelta(seconds=1))
        assert len(notifications_run().failed) == 2
    assert pauses == [FIRST_RETRY * 2**n for n in range(MAX_ATTEMPTS - 1)]
    lead_row.refresh_from_db()
    assert (lead_row.status, lead_row.attempts) == ("failed", MAX_ATTEMPTS)
    assert AuditEvent.objects.filter(action="notification.failed").count() == 2
    # The mail server is back: a later run sends the one that had failed only once.
    monkeypatch.undo()
    second = raise_alert(cast)
    Notification.objects.filter(alert=alert).update(status="retrying", attempts=1)
    clock.shift(dt.timedelta(hours=1))
    assert len(notifications_run().sent) == 4  # the first alert's two and the second's two
    assert second.pk in set(Notification.objects.values_list("alert_id", flat=True))


def test_it_sends_again_after_ten_minutes_what_a_stopped_worker_left_half_done(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    alert = raise_alert(cast)
    alert_notice_plan(alert.pk)
    # A worker claimed the lead's message and stopped before sending it.
    Notification.objects.filter(recipient=cast.lead).update(
        status="sending", claimed_at=timezone.now()
    )
    assert len(notifications_run().sent) == 1  # the facilitator's; the lead's is claimed
    clock.shift(STALE_CLAIM + dt.timedelta(seconds=1))
    assert len(notifications_run().sent) == 1
    row = Notification.objects.get(recipient=cast.lead)
    assert (row.status, row.last_error) == ("sent", "")
    assert sent_to() == ["facilitator@example.org", "lead@example.org"]


def test_it_sends_by_e_mail_when_the_chosen_channel_has_no_provider(cast: Cast) -> None:
    # A text-message provider was configured when the lead chose it, and is gone now.
    NotificationPreference.objects.create(organisation=cast.center, user=cast.lead, channel="sms")
    alert = raise_alert(cast)
    notify_alert(alert.pk)
    row = Notification.objects.get(alert=alert, recipient=cast.lead)
    assert (row.channel, row.status) == ("email", "sent")
    assert "lead@example.org" in sent_to()


def test_it_sends_through_a_plugged_in_provider_for_those_who_chose_it(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    carried: list[channels.Message] = []

    class Texts:
        channel = channels.Channel.SMS

        def send(self, message: channels.Message) -> None:
            carried.append(message)

    monkeypatch.setitem(channels.PROVIDERS, "sms", Texts())
    NotificationPreference.objects.create(organisation=cast.center, user=cast.lead, channel="sms")
    alert = raise_alert(cast)
    notify_alert(alert.pk)
    assert [m.recipient for m in carried] == [cast.lead]
    assert carried[0].link.startswith("http")
    assert sent_to() == ["facilitator@example.org"]
    assert Notification.objects.get(recipient=cast.lead).channel == "sms"


def test_it_escalates_to_the_care_team_in_an_organisation_without_clinical_leads(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    Membership.objects.filter(user=cast.lead).update(role="facilitator")
    alert = raise_alert(cast)
    notify_alert(alert.pk)
    assert sent_to() == ["facilitator@example.org"]
    clock.shift(dt.timedelta(hours=4))
    assert notifications_run().escalated == [alert.pk]
    assert mail.outbox[-1].to == ["facilitator@example.org"]


def test_it_writes_nothing_on_a_second_plan_of_the_same_alert(cast: Cast) -> None:
    alert = raise_alert(cast)
    assert alert_notice_plan(alert.pk) == 2
    AlertNotice.objects.filter(alert=alert).delete()  # as if two workers planned at once
    assert alert_notice_plan(alert.pk) == 0
    assert Notification.objects.filter(alert=alert).count() == 2


def test_it_runs_notifications_in_the_worker_every_minute(db: None) -> None:

    assert "notifications" in ensure_schedules()
    schedule = Schedule.objects.get(name="notifications")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "holdspace.notifications.tasks.run_notifications",
        Schedule.MINUTES,
        1,
    )


def test_it_finds_alert_windows_in_every_shipped_profile() -> None:
    for profile in all_profiles().values():
        assert profile.alerts is not None, profile.id
        assert profile.alerts.minutes_for("adverse-event-life-threatening")[0] == 15
        assert profile.alerts.minutes_for("phq9_item9")[0] == 240
        assert profile.alerts.minutes_for("a-rule-no-window-names")[0] == 240


def run_queue() -> list[str]:
    """What the worker does with the database queue: each task's function, once."""
    results = []
    for queued in OrmQ.objects.order_by("pk"):
        task = queued.task
        queued.delete()
        results.append(locate(task["func"])(*task["args"]))  # type: ignore[operator]
    return results


def test_it_tells_the_team_of_a_severe_adverse_event_recorded_on_the_console_and_escalates(
    cast: Cast, clock: time_machine.Coordinates, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]

    session = make_session(cast)
    event = {
        "id": str(uuid.uuid4()),
        "kind": "adverse_event",
        "partner_id": cast.partner_a.pk,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
        "data": {"description": "Fainted in the bathroom", "severity": "severe"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = cast.api("facilitator").post(
            f"/api/v1/sessions/{session.pk}/events", json.dumps(event), "application/json"
        )
    assert answer.status_code == 201, answer.content
    assert run_queue() == ["planned 2, cancelled 0, escalated 0, sent 2, failed 0"]
    assert sent_to() == ["facilitator@example.org", "lead@example.org"]
    assert all("Fainted" not in m.body and "severe" not in m.body for m in mail.outbox)
    # The facilitator is with the couple and nobody acknowledges it: 15 minutes later the
    # clinical lead is told again.
    clock.shift(dt.timedelta(minutes=15))
    assert len(notifications_run().escalated) == 1
    assert mail.outbox[-1].to == ["lead@example.org"]


def test_it_says_on_the_alert_card_when_it_escalates_and_that_it_was_escalated(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    alert = raise_alert(cast)
    notify_alert(alert.pk)
    card = cast.client("facilitator").get("/console/").content.decode()
    assert "Unless acknowledged, it goes to the clinical leads" in card
    assert "Escalated" not in card
    clock.shift(dt.timedelta(hours=4))
    notifications_run()
    card = cast.client("lead").get("/console/").content.decode()
    assert "Escalated" in card
    assert "Unless acknowledged" not in card
