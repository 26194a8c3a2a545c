from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple


class CredentialKind(models.TextChoices):
    LICENCE = "licence", _("Licence")
    TRAINING = "training", _("Training")
    BLS = "bls", _("Basic Life Support / first aid")
    INSURANCE = "insurance", _("Liability insurance")


class CredentialStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VERIFIED = "verified", _("Verified")
    EXPIRED = "expired", _("Expired")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


def _evidence_path(instance: Credential, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"evidence/{instance.organisation_id}/{instance.facilitator_id}/{stamp}.{suffix}"


class Credential(models.Model):
    """A facilitator's licence, training, BLS certification or insurance, with its evidence
    and who verified it against which register. Only an org admin or clinical lead verifies;
    every change is audited. Couples see verified ones, never the evidence."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credentials"
    )
    kind = models.CharField(max_length=16, choices=CredentialKind.choices)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=100, blank=True)
    title = models.CharField(_("licence type, program or provider"), max_length=200)
    number = models.CharField(_("number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued or completed on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    hours = models.PositiveIntegerField(_("training hours"), null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=CredentialStatus.choices, default=CredentialStatus.UNVERIFIED
    )
    evidence = models.FileField(upload_to=_evidence_path, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    register = models.CharField(_("public register checked"), max_length=300, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "-expires_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="credential_org_id")
        ]
        indexes = [models.Index(fields=["organisation", "facilitator", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def current_on(self, day: object) -> bool:
        """Verified, and not yet expired on DAY (a date): it is expired from its expiry date on."""
        return self.status == CredentialStatus.VERIFIED and (
            self.expires_on is None or self.expires_on > day  # type: ignore[operator]
        )


class FacilitatorProfile(models.Model):
    """What a facilitator tells couples about themselves, and what the organisation records."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitator_profiles"
    )
    supervision = models.TextField(_("supervision or consultation arrangement"), blank=True)
    languages = models.JSONField(default=list, blank=True)
    substances = models.JSONField(default=list, blank=True)
    modalities = models.JSONField(default=list, blank=True)
    ethics_acknowledged_at = models.DateTimeField(null=True, blank=True)
    conflicts_of_interest = models.TextField(_("disclosed conflicts of interest"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "facilitator"], name="facilitator_profile_once"
            ),
            models.UniqueConstraint(
                fields=["organisation", "id"], name="facilitator_profile_org_id"
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.facilitator_id}"


class GuideReview(models.Model):
    """A partner's word on a facilitator of their care team: met and approved, or a concern
    (which the clinical lead sees). Never edited; the newest counts."""

    APPROVE = "approve"
    CONCERN = "concern"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="guide_reviews")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="guide_reviews"
    )
    decision = models.CharField(
        max_length=10,
        choices=[(APPROVE, _("I met them and approve")), (CONCERN, _("I have a concern"))],
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="guide_review_org_id")
        ]
        indexes = [models.Index(fields=["couple", "partner", "facilitator", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.decision} of {self.facilitator_id} by {self.partner_id}"


class ExpiryWarning(models.Model):
    """One warning sent for one credential at one threshold (60, 30, 7 days, or 0 = expired),
    so the nightly sweep never sends it twice."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="warnings")
    days_before = models.IntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["credential", "days_before"], name="warning_once"),
            models.UniqueConstraint(fields=["organisation", "id"], name="expiry_warning_org_id"),
        ]

    def __str__(self) -> str:
        return f"{self.days_before}-day warning for credential #{self.credential_id}"
