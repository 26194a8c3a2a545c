"""What Holdspace tells people about safety alerts, and how each person wants to be told.

An AlertNotice is one per safety alert: when the care team was told, when the alert escalates
if nobody acknowledges it, and when it did. A Notification is one message to one person about
one alert for one purpose (the first word, or the escalation); the (alert, recipient, purpose)
triple is unique, so nobody is told the same thing twice whatever the worker restarts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple
from holdspace.measures.models import SafetyAlert

# The outbox's statuses are the reminders' own: one outbox, one set of words.
from holdspace.reminders.models import ReminderStatus as NotificationStatus

__all__ = [
    "AlertNotice",
    "Channel",
    "Notification",
    "NotificationPreference",
    "NotificationStatus",
    "Purpose",
    "SUBJECTS",
]


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message (SMS)")
    PUSH = "push", _("Push notification")


class Purpose(models.TextChoices):
    ALERT = "safety_alert", _("Safety alert")
    ESCALATION = "escalation", _("Escalation")


# What each message's subject says: the whole of what a mailbox shows, so nothing clinical.
SUBJECTS = {
    Purpose.ALERT: _("Holdspace: an alert needs your attention"),
    Purpose.ESCALATION: _("Holdspace: an alert is still waiting for acknowledgement"),
}


class AlertNotice(models.Model):
    """What was done about one safety alert. Alerts raised before notifications existed have
    one too (`before_notifications`), so that they are never announced late."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    alert = models.OneToOneField(SafetyAlert, on_delete=models.PROTECT, related_name="notice")
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # From the profile's alert windows; None when nothing escalates (see before_notifications).
    window_minutes = models.PositiveIntegerField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    before_notifications = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="alert_notice_org_id"),
        ]
        indexes = [models.Index(fields=["escalated_at", "escalate_at"])]

    def __str__(self) -> str:
        return f"Notice of alert #{self.alert_id}"


class Notification(models.Model):
    """One message to one person about one safety alert. It never holds clinical content:
    the message says an alert needs attention and carries a sign-in link, nothing more."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    alert = models.ForeignKey(SafetyAlert, on_delete=models.PROTECT, related_name="+")
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    # The channel it went (or will go) by: the person's choice, or e-mail when that channel
    # has no provider.
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "recipient", "purpose"], name="notification_once"
            ),
            models.UniqueConstraint(fields=["organisation", "id"], name="notification_org_id"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["organisation", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} of alert #{self.alert_id} to {self.recipient_id}: {self.status}"


class NotificationPreference(models.Model):
    """How one person wants to be told, in one organisation. Safety alerts always come: the
    choice is the channel, never whether (see docs/notifications.md)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="preference_once"),
            models.UniqueConstraint(fields=["organisation", "id"], name="preference_org_id"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organisation_id}: {self.channel}"
