"""The calendar's bookings: one row per medicine, preparation or integration session that holds
a time, a room and facilitators. One table for every kind of session, so that a room or a
facilitator can be checked for a double booking in one query, under one lock."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation, Room
from holdspace.couples.models import Couple


class BookingKind(models.TextChoices):
    MEDICINE = "medicine", _("Medicine session")
    PREPARATION = "preparation", _("Preparation session")
    INTEGRATION = "integration", _("Integration session")


class BookingStatus(models.TextChoices):
    TENTATIVE = "tentative", _("Tentative")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class Booking(models.Model):
    """A time held for a session: its room (if any) and, through BookingFacilitator, its
    facilitators. A cancelled booking holds nothing and stays for the record. The session it
    books points at it (`MedicineSession.booking`, `PreparationSession.booking`,
    `IntegrationSession.booking`)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(
        Couple, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    kind = models.CharField(max_length=12, choices=BookingKind.choices)
    status = models.CharField(
        max_length=10, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="booking_org_id"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "starts_at"]),
            models.Index(fields=["room", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"Booking #{self.pk}"


class BookingFacilitator(models.Model):
    """A facilitator held by a booking."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="facilitator_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "user"], name="booking_facilitator_once"),
            models.UniqueConstraint(
                fields=["organisation", "id"], name="booking_facilitator_org_id"
            ),
        ]
        indexes = [models.Index(fields=["user", "booking"])]

    def __str__(self) -> str:
        return f"Facilitator {self.user_id} at booking #{self.booking_id}"
