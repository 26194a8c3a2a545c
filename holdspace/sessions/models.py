from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    ENDED = "ended", _("Ended")
    CANCELLED = "cancelled", _("Cancelled")


class MedicineSession(models.Model):
    """A dyad medicine session: both partners, one room, scheduled only through the readiness
    gate. The live record (doses, vitals, events) belongs to the medicine-session issue."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="medicine_sessions")
    substance = models.CharField(max_length=20)
    starts_at = models.DateTimeField()
    room = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    profile = models.CharField(max_length=64)
    profile_version = models.CharField(max_length=32)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="medicine_session_org_id")
        ]
        indexes = [models.Index(fields=["couple", "starts_at"])]

    def __str__(self) -> str:
        return f"Medicine session #{self.pk}"


class SessionFacilitator(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(
        MedicineSession, on_delete=models.PROTECT, related_name="facilitators"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="session_facilitator_once"),
            models.UniqueConstraint(
                fields=["organisation", "id"], name="session_facilitator_org_id"
            ),
        ]

    def __str__(self) -> str:
        return f"Facilitator {self.user_id} at session #{self.session_id}"
