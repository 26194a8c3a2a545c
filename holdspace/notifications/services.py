"""Safety alerts leave the console: the care team is told at once, and the clinical leads again
if nobody acknowledges the alert within the profile's window.

The moment an alert is saved, a queued task (`tasks.notify_alert`, not the 10-minute reminders
run) plans it and sends. The worker's `notifications_run`, every minute, does the rest and
catches up whatever a stopped worker left:
1. plans each alert that has no notice yet: an AlertNotice with its escalation time from the
   profile, and one Notification per recipient (the couple's facilitators and every clinical
   lead of the organisation); the unique (alert, recipient, purpose) triple makes a second plan
   of the same alert write nothing;
2. cancels what is unsent for an alert someone has since acknowledged;
3. escalates, once, each unacknowledged alert past its window: the notice is marked with a
   conditional update, so of two workers only one escalates, and the clinical leads are told;
4. sends what is waiting, claiming each row first (one conditional update) so that two workers
   never send the same one; a failure is retried with a growing pause, up to MAX_ATTEMPTS, and
   a claim a stopped worker left behind is sent again after STALE_CLAIM.
A message never holds clinical content: no instrument, score, substance, wording, partner or
couple; only that an alert needs attention, and a single-use sign-in link to the console.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record
from holdspace.couples.models import CareTeamMember
from holdspace.measures.models import SafetyAlert
from holdspace.notifications import channels
from holdspace.notifications.models import (
    SUBJECTS,
    AlertNotice,
    Channel,
    Notification,
    NotificationPreference,
    NotificationStatus,
    Purpose,
)
from holdspace.policy.core import Viewer
from holdspace.policy.notifications import (
    AlertDuty,
    alert_duty,
    require_notification_preference_set,
)
from holdspace.reminders.services import signin_link_create
from holdspace.screening.profiles import get_profile

MAX_ATTEMPTS = 5
FIRST_RETRY = dt.timedelta(minutes=1)
# A claim older than this belongs to a worker that stopped mid-send: the row is sent again,
# since for a safety alert a second message is better than none.
STALE_CLAIM = dt.timedelta(minutes=10)
UNSENT = (NotificationStatus.PENDING, NotificationStatus.RETRYING)
ACTOR = "notifications"


@dataclass
class RunResult:
    planned: int = 0
    cancelled: int = 0
    escalated: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"planned {self.planned}, cancelled {self.cancelled}, "
            f"escalated {len(self.escalated)}, sent {len(self.sent)}, failed {len(self.failed)}"
        )


# Who is told ------------------------------------------------------------------------------


def _clinical_leads(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__role=Role.CLINICAL_LEAD,
        ).order_by("pk")
    )


def _care_team(alert: SafetyAlert) -> list[User]:
    """The couple's facilitators, then every clinical lead of the organisation (who oversee
    every couple); each once, and never the partner the alert is about."""
    roles = {Role.FACILITATOR, Role.CLINICAL_LEAD}
    staff = set(
        Membership.objects.filter(
            organisation_id=alert.organisation_id, role__in=roles
        ).values_list("user_id", flat=True)
    )
    team = [
        member.user
        for member in CareTeamMember.objects.filter(couple_id=alert.couple_id)
        .select_related("user")
        .order_by("pk")
        if member.user.is_active and member.user_id in staff
    ]
    people: dict[int, User] = {}
    for user in [*team, *_clinical_leads(alert.organisation_id)]:
        if user.pk != alert.partner_id:
            people.setdefault(user.pk, user)
    return list(people.values())


def _escalation_recipients(alert: SafetyAlert) -> list[User]:
    """The clinical leads; where an organisation has none, the care team again."""
    leads = [u for u in _clinical_leads(alert.organisation_id) if u.pk != alert.partner_id]
    return leads or _care_team(alert)


def _channel_of(organisation_id: int, users: list[User]) -> dict[int, str]:
    chosen = dict(
        NotificationPreference.objects.filter(
            organisation_id=organisation_id, user__in=users
        ).values_list("user_id", "channel")
    )
    # A channel with no provider (any more) is no channel: e-mail carries the message.
    return {
        u.pk: chosen.get(u.pk, Channel.EMAIL)
        if channels.available(chosen.get(u.pk, Channel.EMAIL))
        else Channel.EMAIL
        for u in users
    }


def _rows(alert: SafetyAlert, users: list[User], purpose: str) -> list[Notification]:
    channel_of = _channel_of(alert.organisation_id, users)
    now = timezone.now()
    return [
        Notification(
            organisation_id=alert.organisation_id,
            alert=alert,
            couple_id=alert.couple_id,
            recipient=user,
            purpose=purpose,
            channel=channel_of[user.pk],
            created_at=now,
            next_attempt_at=now,
        )
        for user in users
    ]


# Planning --------------------------------------------------------------------------------


def alert_window(alert: SafetyAlert) -> tuple[int | None, str]:
    """Minutes the alert may wait for acknowledgement under its organisation's profile, and
    the source; (None, "") when the profile sets no alert windows."""
    profile = get_profile(alert.organisation.profile)
    if profile.alerts is None:
        return None, ""
    return profile.alerts.minutes_for(alert.rule_id)


def _announce(
    alert: SafetyAlert, recipients: list[User], purpose: str, action: Action, **detail: object
) -> int:
    """Write one notification of PURPOSE per recipient of ALERT (never twice: the database's
    unique key) and audit it, in the caller's transaction; the number written."""
    planned = Notification.objects.filter(alert=alert, purpose=purpose)
    before = planned.count()
    Notification.objects.bulk_create(_rows(alert, recipients, purpose), ignore_conflicts=True)
    audit_record(
        action=action,
        organisation_id=alert.organisation_id,
        actor_label=ACTOR,
        object_type="safety_alert",
        object_id=alert.pk,
        couple_id=alert.couple_id,
        detail={"recipients": [u.pk for u in recipients], **detail},
    )
    return planned.count() - before


def alert_notice_plan(alert_id: int) -> int:
    """Plan the notice and the notifications of one alert; the number of notifications
    written (0 when it was planned before, or has been acknowledged)."""
    alert = (
        SafetyAlert.objects.select_related("organisation")
        .filter(pk=alert_id, acknowledged_at__isnull=True)
        .first()
    )
    if alert is None or AlertNotice.objects.filter(alert_id=alert_id).exists():
        return 0
    minutes, source = alert_window(alert)
    now = timezone.now()
    # The window runs from the alert itself (a questionnaire entered late is already late),
    # never from a time still to come.
    starts = min(alert.created_at, now)
    recipients = _care_team(alert)
    try:
        with transaction.atomic():
            AlertNotice.objects.create(
                organisation_id=alert.organisation_id,
                alert=alert,
                couple_id=alert.couple_id,
                created_at=now,
                window_minutes=minutes,
                escalate_at=starts + dt.timedelta(minutes=minutes) if minutes else None,
            )
            written = _announce(
                alert,
                recipients,
                Purpose.ALERT,
                Action.ALERT_NOTIFY,
                window_minutes=minutes,
                window_source=source,
            )
    except IntegrityError:  # another worker planned it first
        return 0
    return written


def _plan_unplanned(result: RunResult) -> None:
    waiting = (
        SafetyAlert.objects.filter(acknowledged_at__isnull=True, notice__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for alert_id in list(waiting[:500]):
        result.planned += alert_notice_plan(alert_id)


def _cancel_acknowledged() -> int:
    return Notification.objects.filter(
        status__in=UNSENT, alert__acknowledged_at__isnull=False
    ).update(status=NotificationStatus.CANCELLED, cancelled_reason="acknowledged")


def _recover_stale_claims() -> int:
    return Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=timezone.now() - STALE_CLAIM
    ).update(
        status=NotificationStatus.RETRYING,
        last_error="The worker stopped while sending; sent again.",
        next_attempt_at=timezone.now(),
    )


# Escalation -------------------------------------------------------------------------------


def alerts_escalate_due(result: RunResult) -> None:
    """Escalate, once, every unacknowledged alert past its window."""
    now = timezone.now()
    due = AlertNotice.objects.filter(
        escalated_at__isnull=True, escalate_at__lte=now, alert__acknowledged_at__isnull=True
    ).values_list("pk", flat=True)
    for notice_id in list(due[:500]):
        with transaction.atomic():
            # Only the worker whose UPDATE marks the notice escalates it.
            if not AlertNotice.objects.filter(pk=notice_id, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue
            notice = AlertNotice.objects.select_related("alert").get(pk=notice_id)
            alert = notice.alert
            _announce(
                alert,
                _escalation_recipients(alert),
                Purpose.ESCALATION,
                Action.ALERT_ESCALATE,
                window_minutes=notice.window_minutes,
                raised_at=alert.created_at.isoformat(),
            )
            result.escalated.append(alert.pk)


# Sending ----------------------------------------------------------------------------------


def alert_path(alert: SafetyAlert) -> str:
    """Where the message's link opens: the console of the alert's organisation, at the alert."""
    return f"/console/?org={alert.organisation_id}#alert-{alert.pk}"


def alert_message(notification: Notification, link: str) -> channels.Message:
    """The subject and text of one notification: that an alert needs attention, and the link.
    Nothing clinical, and no name of a partner or couple."""
    recipient = notification.recipient
    organisation = notification.organisation
    subject = str(SUBJECTS[Purpose(notification.purpose)])
    if notification.purpose == Purpose.ESCALATION:
        intro = _(
            "A safety alert at %(org)s has not been acknowledged within its window, so it "
            "comes to you as a clinical lead."
        ) % {"org": organisation.name}
    else:
        intro = _(
            "A safety alert at %(org)s needs your attention. If nobody on the care team "
            "acknowledges it in time, it goes to the clinical leads."
        ) % {"org": organisation.name}
    body = _(
        "Hello %(name)s,\n\n"
        "%(intro)s\n\n"
        "Sign in to see it and acknowledge it (the link works once, within 24 hours; you sign "
        "in as usual, with your second step):\n\n"
        "%(link)s\n\n"
        "Or sign in at %(site)s and open the console.\n\n"
        "This message holds no clinical details on purpose. This mailbox is not watched."
    ) % {
        "name": recipient.display_name or recipient.email,
        "intro": intro,
        "link": link,
        "site": settings.SITE_URL,
    }
    return channels.Message(recipient=recipient, subject=subject, body=body, link=link)


def notifications_send_waiting(result: RunResult, *, alert_id: int | None = None) -> None:
    now = timezone.now()
    waiting = Notification.objects.filter(status__in=UNSENT, next_attempt_at__lte=now)
    if alert_id is not None:
        waiting = waiting.filter(alert_id=alert_id)
    for notification_id in list(waiting.order_by("created_at", "pk").values_list("pk", flat=True)):
        # Only the worker whose UPDATE changes the row sends it.
        if Notification.objects.filter(pk=notification_id, status__in=UNSENT).update(
            status=NotificationStatus.SENDING, claimed_at=timezone.now()
        ):
            _send_one(notification_id, result)


def _send_one(notification_id: int, result: RunResult) -> None:
    notification = Notification.objects.select_related("recipient", "organisation", "alert").get(
        pk=notification_id
    )
    if notification.alert.acknowledged_at is not None:
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.CANCELLED, cancelled_reason="acknowledged"
        )
        result.cancelled += 1
        return
    provider = channels.provider_for(notification.channel)
    try:
        link = signin_link_create(
            user=notification.recipient,
            organisation_id=notification.organisation_id,
            path=alert_path(notification.alert),
        )
        provider.send(alert_message(notification, link))
    except Exception as exc:  # noqa: BLE001 - any delivery failure is retried, then reported
        _failed(notification, exc, result)
        return
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.SENT,
            channel=provider.channel,
            attempts=F("attempts") + 1,
            sent_at=timezone.now(),
            last_error="",
        )
        audit_record(
            action=Action.NOTIFICATION_SEND,
            organisation_id=notification.organisation_id,
            actor_label=ACTOR,
            object_type="notification",
            object_id=notification.pk,
            couple_id=notification.couple_id,
            detail={
                "to": notification.recipient_id,
                "alert": notification.alert_id,
                "purpose": notification.purpose,
                "channel": provider.channel,
                "attempt": notification.attempts + 1,
            },
        )
    result.sent.append(notification.pk)


def _failed(notification: Notification, exc: Exception, result: RunResult) -> None:
    attempts = notification.attempts + 1
    gave_up = attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.FAILED if gave_up else NotificationStatus.RETRYING,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:300],
            next_attempt_at=timezone.now() + FIRST_RETRY * 2 ** (attempts - 1),
        )
        audit_record(
            action=Action.NOTIFICATION_FAILED if gave_up else Action.NOTIFICATION_RETRY,
            organisation_id=notification.organisation_id,
            actor_label=ACTOR,
            object_type="notification",
            object_id=notification.pk,
            couple_id=notification.couple_id,
            detail={
                "to": notification.recipient_id,
                "alert": notification.alert_id,
                "attempt": attempts,
                "error": type(exc).__name__,
            },
        )
    result.failed.append(notification.pk)


# The jobs ---------------------------------------------------------------------------------


def alert_notify(alert_id: int) -> RunResult:
    """The queued task's work for one new alert: plan it and send its notifications now."""
    result = RunResult()
    result.planned = alert_notice_plan(alert_id)
    notifications_send_waiting(result, alert_id=alert_id)
    return result


def notifications_run() -> RunResult:
    """Plan, cancel, escalate and send (see the module's note). Safe to run at any time, any
    number of times, by more than one worker."""
    result = RunResult()
    _plan_unplanned(result)
    result.cancelled += _cancel_acknowledged()
    _recover_stale_claims()
    alerts_escalate_due(result)
    notifications_send_waiting(result)
    return result


# Preferences ------------------------------------------------------------------------------


def notification_preference_for(viewer: Viewer, organisation_id: int) -> str:
    chosen = (
        NotificationPreference.objects.filter(organisation_id=organisation_id, user=viewer.user)
        .values_list("channel", flat=True)
        .first()
    )
    return chosen or Channel.EMAIL


def notification_preference_set(
    *, viewer: Viewer, organisation: Organisation, channel: str
) -> NotificationPreference:
    """The channel this member of staff is told by. Safety alerts cannot be turned off: a
    clinical lead or facilitator chooses how, never whether; a channel with no provider cannot
    be chosen."""
    require_notification_preference_set(viewer, organisation)
    if channel not in Channel.values:
        raise ValidationError(
            {"channel": [_no_channel_message(alert_duty(viewer, organisation.pk))]}
        )
    if not channels.available(channel):
        raise ValidationError(
            {
                "channel": [
                    _("%(channel)s is not available on this Holdspace yet. Choose e-mail.")
                    % {"channel": Channel(channel).label}
                ]
            }
        )
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            organisation=organisation, user=viewer.user
        )
        previous = preference.channel if not _created else None
        preference.channel = channel
        preference.updated_at = timezone.now()
        preference.save(update_fields=["channel", "updated_at"])
        viewer.audit(Action.NOTIFICATION_PREFERENCE, preference, channel=[previous, channel])
    return preference


def _no_channel_message(duty: AlertDuty) -> str:
    """Why "no channel" is not an answer, for someone with DUTY."""
    if duty == AlertDuty.NONE:
        return _("Choose one of the channels listed.")
    if duty == AlertDuty.EVERY_COUPLE:
        message = _("Safety alerts cannot be turned off for a clinical lead.")
    else:
        message = _("Safety alerts for your couples cannot be turned off.")
    return message + " " + _("Choose how they reach you.")
