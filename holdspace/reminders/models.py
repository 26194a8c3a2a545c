from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed, gave up")
    CANCELLED = "cancelled", _("Not sent: no longer due")


class Reminder(models.Model):
    """One e-mail to one partner about one due item. The (partner, item) pair is unique, so
    an item is never reminded twice, whatever the worker restarts or retries."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    item_key = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    due_on = models.DateField()
    # What the e-mail says the item is: never clinical (see DueItem.public_label).
    subject = models.CharField(max_length=200)
    path = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "item_key"], name="reminder_once"),
            models.UniqueConstraint(fields=["organisation", "id"], name="reminder_org_id"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["organisation", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.item_key} to {self.partner_id}: {self.status}"


class SignInLink(models.Model):
    """A one-tap sign-in that opens one page: single use, and dead after `expires_at` (at
    most 24 hours). Only the token's SHA-256 is stored."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=300)
    reminder = models.ForeignKey(
        Reminder, null=True, blank=True, on_delete=models.PROTECT, related_name="links"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="signin_link_org_id")
        ]

    def __str__(self) -> str:
        return f"Sign-in link #{self.pk} for {self.user_id}"


class CalendarFeed(models.Model):
    """A partner's private calendar address. The token is shown once; only its hash is kept.
    Revoking ends it; a new address can be made at any time."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="calendar_feed_org_id")
        ]

    def __str__(self) -> str:
        return f"Calendar feed #{self.pk} of {self.partner_id}"
