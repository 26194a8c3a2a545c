"""The product ledger: an organisation's psilocybin (or trial drug) lots and every movement of
them, kept beside the state's tracking system as its secondary ledger (OAR 333-333-8200(5)).

A lot's `on_hand` is the sum of its ledger lines, kept on the lot row so that one row lock
serialises every movement of it and a database constraint holds it at zero or more. Lines are
never edited: a mistake is put right by a new line (an adjustment after a count)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation


class ProductType(models.TextChoices):
    WHOLE_FUNGI = "whole_fungi", _("Whole fungi")
    HOMOGENIZED_FUNGI = "homogenized_fungi", _("Homogenized fungi")
    EXTRACT = "extract", _("Extract")
    EDIBLE = "edible", _("Edible")
    CAPSULE = "capsule", _("Capsule (trial drug)")
    OTHER = "other", _("Other")


class LotStatus(models.TextChoices):
    QUARANTINED = "quarantined", _("Quarantined")
    RELEASED = "released", _("Released")
    RECALLED = "recalled", _("Recalled")
    EXPIRED = "expired", _("Expired")


class LabResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    PENDING = "pending", _("Pending")


class Lot(models.Model):
    """One lot (or package) of product received from a licensee."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    lot_number = models.CharField(_("lot or package number"), max_length=100)
    product_name = models.CharField(_("product name"), max_length=200)
    product_type = models.CharField(_("product type"), max_length=24, choices=ProductType.choices)
    substance = models.CharField(_("substance"), max_length=20, default="psilocybin")
    source_licence = models.CharField(_("source licence number"), max_length=100)
    source_name = models.CharField(_("source licensee"), max_length=200)
    units_received = models.PositiveIntegerField(_("units received"))
    mg_per_unit = models.FloatField(_("mg of active substance per unit"))
    lab_result = models.CharField(_("lab test result"), max_length=10, choices=LabResult.choices)
    tested_on = models.DateField(_("tested on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=LotStatus.choices, default=LotStatus.QUARANTINED
    )
    # The sum of the lot's ledger lines, in units; changed only under the lot's row lock.
    on_hand = models.IntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="lot_org_id"),
            models.UniqueConstraint(fields=["organisation", "lot_number"], name="lot_number_once"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="lot_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(mg_per_unit__gt=0), name="lot_mg_per_unit_positive"),
        ]

    def __str__(self) -> str:
        return f"Lot {self.lot_number}"


class LineKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    DOSE = "dose", _("Dose")
    WASTE = "waste", _("Waste or destruction")
    RETURN = "return", _("Return")
    ADJUSTMENT = "adjustment", _("Adjustment after a count")


class MovementKind(models.TextChoices):
    """The movements recorded by hand (a receipt comes with its lot, a dose from a session)."""

    WASTE = LineKind.WASTE.value, LineKind.WASTE.label
    RETURN = LineKind.RETURN.value, LineKind.RETURN.label
    ADJUSTMENT = LineKind.ADJUSTMENT.value, LineKind.ADJUSTMENT.label


class LedgerLine(models.Model):
    """One movement of a lot, never edited. `units` is signed: a receipt adds, a dose, waste
    or return takes away, an adjustment either. `uuid` is the client's id for the movement, so
    a replay is recognised and moves nothing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="lines")
    uuid = models.UUIDField()
    kind = models.CharField(max_length=12, choices=LineKind.choices)
    units = models.IntegerField()
    # The lot's on-hand after this line.
    balance = models.IntegerField()
    reason = models.TextField(blank=True)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A dose line: the session event that gave it (one line per dose event).
    session_event = models.OneToOneField(
        "medicine_sessions.SessionEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_line",
    )
    # What the client sent, canonically, to tell a replay from a conflict.
    fingerprint = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="ledger_line_org_id"),
            models.UniqueConstraint(fields=["organisation", "uuid"], name="ledger_line_once"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="ledger_balance_not_negative"),
            models.CheckConstraint(condition=~Q(units=0), name="ledger_line_moves_something"),
        ]
        indexes = [models.Index(fields=["lot", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.units:+d} of lot {self.lot_id}"


class Reconciliation(models.Model):
    """A physical count of a lot against the ledger, by whom, and the adjustment line it left
    when the count differed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="reconciliations")
    # The client's id for the count, so a form posted twice records it once.
    uuid = models.UUIDField(null=True, blank=True)
    counted_units = models.PositiveIntegerField()
    ledger_units = models.IntegerField()
    note = models.TextField(blank=True)
    adjustment = models.OneToOneField(
        LedgerLine, null=True, blank=True, on_delete=models.PROTECT, related_name="reconciliation"
    )
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-counted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="reconciliation_org_id"),
            models.UniqueConstraint(fields=["organisation", "uuid"], name="reconciliation_once"),
        ]

    def __str__(self) -> str:
        return f"Count of lot {self.lot_id}: {self.counted_units}"

    @property
    def variance(self) -> int:
        return self.counted_units - self.ledger_units
