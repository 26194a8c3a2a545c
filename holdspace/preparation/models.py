from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple


class PreparationKind(models.TextChoices):
    PRIVATE = "private", _("Private — one partner")
    JOINT = "joint", _("Joint — both partners")


class PreparationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class PreparationSession(models.Model):
    """A preparation session held: privately with one partner, or jointly with both. The
    notes are the care team's; partners see that the session happened, not the notes."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(
        Couple, on_delete=models.PROTECT, related_name="preparation_sessions"
    )
    kind = models.CharField(max_length=10, choices=PreparationKind.choices)
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The partner of a private session; empty for a joint one."),
    )
    held_at = models.DateTimeField(_("held at"))
    # Booked ahead on the calendar (scheduled), then held; or cancelled. Sessions recorded
    # after the fact are held from the start.
    status = models.CharField(
        max_length=10, choices=PreparationStatus.choices, default=PreparationStatus.HELD
    )
    booking = models.OneToOneField(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="preparation_session",
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="prep_session_org_id"),
            models.CheckConstraint(
                condition=(models.Q(kind="private", partner__isnull=False))
                | models.Q(kind="joint", partner__isnull=True),
                name="prep_session_private_has_partner",
            ),
        ]
        indexes = [models.Index(fields=["couple", "-held_at"])]

    def __str__(self) -> str:
        return f"Preparation session #{self.pk}"


class FormKind(models.TextChoices):
    INFORMED_CONSENT = "informed_consent", _("Informed consent")
    BILL_OF_RIGHTS = "bill_of_rights", _("Client bill of rights")
    TOUCH_CONSENT = "touch_consent", _("Consent for supportive touch")
    SAFETY_PLAN = "safety_plan", _("Safety and support plan")
    TRANSPORTATION_PLAN = "transportation_plan", _("Transportation plan")
    EMERGENCY_CONTACT = "emergency_contact", _("Emergency contact")
    DEMOGRAPHIC_FORM = "demographic_form", _("Demographic form")
    THEMES = "themes", _("Themes to explore")


class PartnerForm(models.Model):
    """One partner's answer to one preparation form: a consent, a plan, a contact, the
    demographic form or their themes. Never edited: a change (revoking touch consent, a new
    plan) is a new row, so the history stays; the newest row counts."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="partner_forms")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner_forms"
    )
    kind = models.CharField(max_length=24, choices=FormKind.choices)
    data = models.JSONField(default=dict)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="partner_form_org_id")
        ]
        indexes = [models.Index(fields=["couple", "partner", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class DocumentKind(models.TextChoices):
    """What can be signed: the forms a profile may mark as signed, and Colorado's pre-session
    form, signed again before each session."""

    INFORMED_CONSENT = "informed_consent", _("Informed consent")
    BILL_OF_RIGHTS = "bill_of_rights", _("Client bill of rights")
    TOUCH_CONSENT = "touch_consent", _("Consent for supportive touch")
    SAFETY_PLAN = "safety_plan", _("Safety and support plan")
    TRANSPORTATION_PLAN = "transportation_plan", _("Transportation plan")
    EMERGENCY_CONTACT = "emergency_contact", _("Emergency contact")
    DEMOGRAPHIC_FORM = "demographic_form", _("Demographic form")
    PRE_SESSION = "pre_session", _("Pre-session form")


class SignerRole(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    FACILITATOR = "facilitator", _("Facilitator")
    CENTER_REPRESENTATIVE = "center_representative", _("Center representative")


class SignatureImmutable(Exception):
    """A signature is never changed or removed: a new one is a new row."""


class SignatureQuerySet(models.QuerySet["Signature"]):
    def update(self, **kwargs: object) -> int:
        raise SignatureImmutable("Signatures are never updated; sign again for a new one.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise SignatureImmutable("Signatures are never deleted.")


class Signature(models.Model):
    """One person's signature on one document for one partner: the exact text they were shown
    (and its SHA-256), its version, the full name they typed, their role, when and from where.
    For a per-session form it belongs to the session's booking. Never updated nor deleted: a
    new version, or a changed touch consent, is a new signature."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="signatures")
    # The partner the document is about (the participant), whoever signs it.
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    document = models.CharField(max_length=24, choices=DocumentKind.choices)
    version = models.CharField(max_length=32)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    # The form's answers signed with the text (touch consent: which kinds of touch).
    answers = models.JSONField(default=dict, blank=True)
    role = models.CharField(max_length=24, choices=SignerRole.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(max_length=200)
    booking = models.ForeignKey(
        "bookings.Booking",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    signed_at = models.DateTimeField(default=timezone.now)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="signature_org_id"),
            # One signature per role, partner and version of a session's form.
            models.UniqueConstraint(
                fields=["booking", "partner", "document", "version", "role"],
                condition=models.Q(booking__isnull=False),
                name="signature_once_per_session_role",
            ),
        ]
        indexes = [models.Index(fields=["couple", "partner", "document", "-signed_at"])]

    def __str__(self) -> str:
        return f"Signature #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise SignatureImmutable("Signatures are never updated; sign again for a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise SignatureImmutable("Signatures are never deleted.")
