from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple


class Cadence(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month")


CADENCE_DAYS = {
    Cadence.DAILY: 1,
    Cadence.WEEKLY: 7,
    Cadence.FORTNIGHTLY: 14,
    Cadence.MONTHLY: 30,
}


class Commitment(models.Model):
    """Something the couple chose to do to carry an insight forward, shared by both partners
    and their care team. Its wording, who keeps it and how often live in revisions: a change is
    a new revision, so the history stays."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="commitments")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="commitment_org_id")
        ]

    def __str__(self) -> str:
        return f"Commitment #{self.pk}"


class CommitmentRevision(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="revisions")
    description = models.TextField(_("what"))
    # Who keeps it: one partner, or both (empty).
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cadence = models.CharField(max_length=12, choices=Cadence.choices)
    starts_on = models.DateField()
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="commitment_rev_org_id")
        ]

    def __str__(self) -> str:
        return f"Revision #{self.pk} of commitment #{self.commitment_id}"


class CheckIn(models.Model):
    """One partner's word on one period of a commitment: done or missed, with a note. A later
    check-in for the same period replaces it in the adherence count; both are kept."""

    DONE = "done"
    MISSED = "missed"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="checkins")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField()
    status = models.CharField(max_length=8, choices=[(DONE, _("Done")), (MISSED, _("Missed"))])
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="checkin_org_id")
        ]
        indexes = [models.Index(fields=["commitment", "partner", "period_start"])]

    def __str__(self) -> str:
        return f"{self.status} by {self.partner_id} for {self.period_start}"
