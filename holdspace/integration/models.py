from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple

# The limits of integration's texts: the forms, the API schemas and the services use these.
MAX_TEXT = 4000  # a commitment, a check-in's note, an offer's note, a follow-up's note
MAX_NOTES = 20_000  # an integration session's notes and what the couple carries forward


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


def current_period(revision: CommitmentRevision, day: dt.date | None = None) -> dt.date:
    """The start of the period of REVISION's cadence DAY falls in (today by default; the first
    period before it starts)."""
    day = day or timezone.localdate()
    if day <= revision.starts_on:
        return revision.starts_on
    length = CADENCE_DAYS[Cadence(revision.cadence)]
    return revision.starts_on + dt.timedelta(
        days=((day - revision.starts_on).days // length) * length
    )


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


class CheckInStatus(models.TextChoices):
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


class CheckIn(models.Model):
    """One partner's word on one period of a commitment: done or missed, with a note. A later
    check-in for the same period replaces it in the adherence count; both are kept."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="checkins")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField()
    status = models.CharField(max_length=8, choices=CheckInStatus.choices)
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


class OfferAnswer(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    UNDECIDED = "undecided", _("Not decided yet")


class IntegrationOffer(models.Model):
    """After a medicine session, integration is offered, and the answer recorded (Oregon
    requires the offer: ORS 475A.360)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "medicine_sessions.MedicineSession", on_delete=models.PROTECT, related_name="offers"
    )
    answer = models.CharField(max_length=10, choices=OfferAnswer.choices)
    note = models.TextField(blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="integration_offer_org_id")
        ]

    def __str__(self) -> str:
        return f"Offer after session #{self.session_id}: {self.answer}"


class IntegrationSessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class IntegrationSession(models.Model):
    """An integration session, joint or with one partner: scheduled, then held (notes for the
    care team, and what the couple chose to carry forward, which the couple sees) or
    cancelled. `held_at` is when it is or was, by its status."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(
        Couple, on_delete=models.PROTECT, related_name="integration_sessions"
    )
    medicine_session = models.ForeignKey(
        "medicine_sessions.MedicineSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="integration_sessions",
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField()
    status = models.CharField(
        max_length=10,
        choices=IntegrationSessionStatus.choices,
        default=IntegrationSessionStatus.HELD,
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booking = models.OneToOneField(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="integration_session",
    )
    notes = models.TextField(blank=True)
    carry_forward = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"], name="integration_session_org_id"
            )
        ]

    def __str__(self) -> str:
        return f"Integration session #{self.pk}"


class FollowUpContact(models.Model):
    """A contact the profile asks for after a session (the MDMA protocol: daily for seven
    days), created when the session closes, marked done by the care team."""

    audit_type = "follow_up"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="follow_ups")
    session = models.ForeignKey(
        "medicine_sessions.MedicineSession", on_delete=models.PROTECT, related_name="follow_ups"
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "partner", "due_on"], name="follow_up_once"),
            models.UniqueConstraint(fields=["organisation", "id"], name="follow_up_org_id"),
        ]

    def __str__(self) -> str:
        return f"Follow-up for {self.partner_id} on {self.due_on}"
