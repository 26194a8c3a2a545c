from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple


class Decision(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    REVIEW = "review", _("Needs clinical review")
    EXCLUDED = "excluded", _("Not eligible")


class Screening(models.Model):
    """One partner's intake for one substance, with the decision the rules engine reached.

    Never edited: answering again makes a new screening; the newest one counts. The care team
    sees it, and the partner it belongs to; the other partner never does.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="screenings")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screenings"
    )
    substance = models.CharField(max_length=20)
    conditions = models.JSONField(default=list)
    medications = models.JSONField(default=list)  # [{written, generic, atc, classes}]
    substances_used = models.TextField(blank=True)
    answers = models.JSONField(default=dict)
    support_notes = models.TextField(blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    findings = models.JSONField(default=list)
    rule_set_version = models.CharField(max_length=32)
    dictionary_version = models.CharField(max_length=32)
    # Who entered it: the partner, or a facilitator with the partner in the room.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="screening_org_id")
        ]
        indexes = [models.Index(fields=["couple", "partner", "substance", "-created_at"])]

    def __str__(self) -> str:
        return f"Screening #{self.pk} ({self.substance})"

    @property
    def entered_with_facilitator(self) -> bool:
        return self.entered_by_id != self.partner_id

    @property
    def unmatched(self) -> list[str]:
        return [m["written"] for m in self.medications if not m.get("generic")]

    @property
    def effective_decision(self) -> str:
        """The decision that counts: a clinical lead's override where there is one."""
        override = getattr(self, "latest_override", None)
        return override.decision if override is not None else self.decision


class ScreeningOverride(models.Model):
    """A clinical lead's decision over the engine's, with a written reason. Never edited; a
    later override replaces an earlier one."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="overrides")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField()
    rule_set_version = models.CharField(max_length=32)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="override_org_id")
        ]

    def __str__(self) -> str:
        return f"Override #{self.pk} of screening #{self.screening_id}"
