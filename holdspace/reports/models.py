from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple


class ProgressSummary(models.Model):
    """The facilitator's summary on the couple progress report, written for the couple: it
    appears in both the couple's report and the clinical record. Never edited: a new summary
    is a new row, the newest one is current and the history stays."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="progress_summaries")
    text = models.TextField(_("summary"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="progress_summary_org_id")
        ]
        indexes = [models.Index(fields=["couple", "-created_at"])]

    def __str__(self) -> str:
        return f"Progress summary #{self.pk}"


class RegulatorSubmission(models.Model):
    """The mark that a regulator report for one period was submitted (through the state's own
    portal): who marked it, when, and the digest of the report as it was generated then."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    report = models.CharField(max_length=40)  # "oregon-303", "colorado-admin-log"
    period = models.CharField(max_length=10)  # "2026Q4", "2026"
    digest = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"], name="regulator_submission_org_id"
            ),
            models.UniqueConstraint(
                fields=["organisation", "report", "period"], name="regulator_submission_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.period} submitted"
