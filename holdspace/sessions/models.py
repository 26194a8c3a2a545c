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
    ENDED = "ended", _("Ended — discharging")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Intention(models.TextChoices):
    """The de-identified intention of a medicine session, as Colorado's administration-session
    log records it (1 CCR 212-3 Rule 8035 C)."""

    WELLNESS = "wellness", _("Wellness")
    PHYSICAL_CONDITION = "physical_condition", _("A physical condition")
    BEHAVIOURAL_CONDITION = "behavioural_condition", _("A behavioural condition")


class MedicineSession(models.Model):
    """A dyad medicine session: both partners, one room, scheduled only through the readiness
    gate. The live record (doses, vitals, events) belongs to the medicine-session issue."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="medicine_sessions")
    substance = models.CharField(max_length=20)
    starts_at = models.DateTimeField()
    room = models.CharField(max_length=120, blank=True)
    booking = models.OneToOneField(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="medicine_session",
    )
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    profile = models.CharField(max_length=64)
    profile_version = models.CharField(max_length=32)
    # The plan: the shortest session the profile allows after the planned total doses.
    minimum_minutes = models.PositiveIntegerField(null=True, blank=True)
    music_plan = models.JSONField(default=dict, blank=True)  # {entries, link, changed_by}
    # For Colorado's administration-session log: the de-identified intention, and other food
    # or drink taken during the session.
    intention = models.CharField(max_length=24, choices=Intention.choices, blank=True)
    food_and_drink = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
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


class PartnerPlan(models.Model):
    """What one partner is planned to take: product, lot, strength, dose and any supplement."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(MedicineSession, on_delete=models.PROTECT, related_name="plans")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    product = models.CharField(max_length=200)
    lot = models.CharField(max_length=100)
    # The lot in the product ledger the dose comes from, where the organisation keeps one
    # (product, lot and mg_per_unit above are then copied from it).
    ledger_lot = models.ForeignKey(
        "inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mg_per_unit = models.FloatField()
    planned_mg = models.FloatField()
    supplemental_mg = models.FloatField(null=True, blank=True)
    supplemental_after_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "partner"], name="plan_once_per_partner"),
            models.UniqueConstraint(fields=["organisation", "id"], name="partner_plan_org_id"),
        ]

    def __str__(self) -> str:
        return f"Plan for {self.partner_id} at session #{self.session_id}"

    @property
    def total_mg(self) -> float:
        return self.planned_mg + (self.supplemental_mg or 0)


class EventKind(models.TextChoices):
    DOSE = "dose", _("Dose given")
    SUPPLEMENTAL_DOSE = "supplemental_dose", _("Supplemental dose")
    VITALS = "vitals", _("Vital signs")
    NOTE = "note", _("Note")
    OBSERVATION = "observation", _("Observation")
    MUSIC = "music", _("Music change")
    TOUCH = "touch", _("Supportive touch")
    MONITORING_BREAK = "monitoring_break", _("Break in monitoring")
    ADVERSE_EVENT = "adverse_event", _("Adverse event")
    CORRECTION = "correction", _("Correction")
    END = "end", _("End of session")


# The kinds of event every part of Holdspace names: the web form's choices, the API schema's
# type and the service's checks all come from EventKind and these groups of it.
DOSE_KINDS = (EventKind.DOSE, EventKind.SUPPLEMENTAL_DOSE)
# Kinds about one partner (partner_id required) and kinds about the session as a whole.
PARTNER_KINDS = frozenset(
    {
        EventKind.DOSE,
        EventKind.SUPPLEMENTAL_DOSE,
        EventKind.VITALS,
        EventKind.TOUCH,
        EventKind.ADVERSE_EVENT,
    }
)
JOINT_KINDS = frozenset({EventKind.MUSIC, EventKind.MONITORING_BREAK, EventKind.END})
# Kinds no longer recorded once the session has ended (discharge follows).
NOT_AFTER_END = frozenset(
    {EventKind.DOSE, EventKind.SUPPLEMENTAL_DOSE, EventKind.TOUCH, EventKind.END}
)


class SessionEvent(models.Model):
    """One timestamped event of a medicine session, for one partner or (partner empty) both.

    Append-only. The id is the client's UUID, so a replay is recognised: the same body again is
    the same event; a different body under a known id is a conflict. A correction is a new
    event that names the one it corrects.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(MedicineSession, on_delete=models.PROTECT, related_name="events")
    uuid = models.UUIDField()
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    # What the client sent, canonically, to tell a replay from a conflict.
    fingerprint = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "uuid"], name="session_event_once"),
            models.UniqueConstraint(fields=["organisation", "id"], name="session_event_org_id"),
        ]
        indexes = [
            models.Index(fields=["session", "occurred_at"]),
            models.Index(fields=["organisation", "kind", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class Discharge(models.Model):
    """One partner leaving: the criteria met, who signed off, how they travelled, when."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    session = models.ForeignKey(
        MedicineSession, on_delete=models.PROTECT, related_name="discharges"
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    effects_resolved = models.BooleanField()
    oriented = models.BooleanField()
    # The ids of the profile's discharge criteria confirmed (the two above among them).
    criteria_confirmed = models.JSONField(default=list, blank=True)
    transport_confirmed = models.BooleanField()
    transport_deviation = models.TextField(blank=True)
    left_at = models.DateTimeField()
    # The partner chose not to take the medicine: no dose, so no minimum duration to wait for.
    declined_dose = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "partner"], name="discharge_once"),
            models.UniqueConstraint(fields=["organisation", "id"], name="discharge_org_id"),
        ]

    def __str__(self) -> str:
        return f"Discharge of {self.partner_id} from session #{self.session_id}"
