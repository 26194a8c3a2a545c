from __future__ import annotations

import re

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


# What a partner is told when their screening is not (or not yet) eligible: never the rule or
# the clinical reasoning, which their facilitator talks through with them.
TALK_IT_THROUGH = _(
    "Some of your answers mean we need to talk before going further. Your facilitator will "
    "talk it through with you."
)

# Where a finding's message ends its first sentence.
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


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
    # Given at intake; checked against the profile's minimum age. Kept with the screening
    # (team-only, like every answer here), not on the partner.
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
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
    def unmatched(self) -> list[str]:
        return [m["written"] for m in self.medications if not m.get("generic")]

    @property
    def lowered_from(self) -> int | None:
        """The earlier screening whose decision this one, answered again, would have lowered."""
        for finding in self.findings:
            if finding.get("earlier_screening_id"):
                return int(finding["earlier_screening_id"])
        return None

    @property
    def findings_in_brief(self) -> list[dict[str, str]]:
        """What a clinical lead is to decide, one short line each: the first sentence of each
        finding's message (notes aside, and the re-answer's own finding, said apart)."""
        return [
            {
                "rule_id": str(finding["rule_id"]),
                "outcome": str(finding["outcome"]),
                "summary": _FIRST_SENTENCE.split(str(finding["message"]), maxsplit=1)[0],
            }
            for finding in self.findings
            if finding["outcome"] != "note" and not finding.get("earlier_screening_id")
        ]

    @property
    def medication_lines(self) -> list[str]:
        """The medicines as the partner wrote them, one line each, in their order (a line that
        named several medicines, or names nothing known in part, is stored once per match)."""
        lines: list[str] = []
        for med in self.medications:
            written = str(med["written"])
            if not med.get("generic") and any(
                written.startswith(f"{line} (not recognised: ") for line in lines
            ):
                continue
            if written not in lines:
                lines.append(written)
        return lines

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
