from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple


class Timepoint(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    BEFORE_SESSION = "before_session", _("Before the medicine session")
    DAY_AFTER = "day_after", _("The day after")
    WEEK_1 = "week_1", _("One week after")
    MONTH_1 = "month_1", _("One month after")
    MONTH_3 = "month_3", _("Three months after")
    MONTH_6 = "month_6", _("Six months after")


class MeasureResponse(models.Model):
    """One partner's answers to one instrument at one timepoint, scored when saved.

    Never edited: a correction, or a new response at the same timepoint, is a new row that
    names the one it supersedes.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="responses")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="measure_responses"
    )
    instrument = models.CharField(max_length=32)
    instrument_version = models.CharField(max_length=16)
    timepoint = models.CharField(max_length=20, choices=Timepoint.choices)
    answers = models.JSONField()
    total = models.FloatField(null=True, blank=True)
    subscales = models.JSONField(default=dict)
    band = models.CharField(max_length=80, blank=True)
    missing = models.JSONField(default=list)
    rules = models.JSONField(default=dict)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The token of the open form (or the API caller's idempotency key) it was sent from: a
    # second send of the same form is the same response, and the database decides it.
    submission_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="response_org_id"),
            models.UniqueConstraint(
                fields=["partner", "submission_key"], name="response_partner_submission_key"
            ),
        ]
        indexes = [models.Index(fields=["couple", "partner", "instrument", "timepoint"])]

    def __str__(self) -> str:
        return f"{self.instrument} {self.timepoint} #{self.pk}"


class SafetyAlert(models.Model):
    """Raised the moment a response meets an instrument's safety rule; stays open until a
    named staff member acknowledges it with a note."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="safety_alerts")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # What raised it: a measure response, or a screening (current thoughts of harm).
    response = models.ForeignKey(
        MeasureResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    session_event = models.ForeignKey(
        "medicine_sessions.SessionEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    screening = models.ForeignKey(
        "screening.Screening",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    rule_id = models.CharField(max_length=64)
    message = models.TextField()
    source = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="alert_org_id"),
        ]
        indexes = [models.Index(fields=["organisation", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.rule_id} #{self.pk}"
