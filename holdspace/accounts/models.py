from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.lib.when import zone
from holdspace.screening.profiles import ProfileError, get_profile

logger = logging.getLogger(__name__)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Identities are global; what they may do lives in Membership."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)  # Django admin only; not a Holdspace role
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    def __str__(self) -> str:
        return self.display_name or self.email


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Org admin")
    CLINICAL_LEAD = "clinical_lead", _("Clinical lead")
    FACILITATOR = "facilitator", _("Facilitator")
    RESEARCHER = "researcher", _("Researcher")
    PARTNER = "partner", _("Partner")


STAFF_ROLES = frozenset({Role.ORG_ADMIN, Role.CLINICAL_LEAD, Role.FACILITATOR, Role.RESEARCHER})


class StaffRole(models.TextChoices):
    """The roles staff are invited with: every Role but partner (the Team page's and the API's
    choices; a partner is invited to a couple)."""

    ORG_ADMIN = Role.ORG_ADMIN.value, Role.ORG_ADMIN.label
    CLINICAL_LEAD = Role.CLINICAL_LEAD.value, Role.CLINICAL_LEAD.label
    FACILITATOR = Role.FACILITATOR.value, Role.FACILITATOR.label
    RESEARCHER = Role.RESEARCHER.value, Role.RESEARCHER.label


def validate_time_zone(value: str) -> None:
    try:
        zone(value)
    except ValueError:
        raise ValidationError(
            _("Choose a time zone from the list, such as America/Los_Angeles."), code="time_zone"
        ) from None


def suggested_time_zone(profile: str) -> str:
    """The zone the jurisdiction profile PROFILE suggests (UTC for a profile with no file)."""
    try:
        return get_profile(profile).time_zone.name
    except ProfileError:
        return "UTC"


def organisation_zone(time_zone: str, profile: str) -> ZoneInfo:
    """The zone named TIME_ZONE, else the one PROFILE suggests."""
    try:
        return zone(time_zone or suggested_time_zone(profile))
    except ValueError:
        # A name this machine no longer knows (its tz database changed): the profile's zone
        # keeps pages working until the org admin chooses again.
        logger.warning("An organisation has an unknown time zone %r", time_zone)
        return zone(suggested_time_zone(profile))


class Organisation(models.Model):
    """A tenant: a practice, service center or trial site. No data crosses organisations."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    profile = models.CharField(
        _("jurisdiction profile"),
        max_length=64,
        help_text=_("The jurisdiction or protocol profile whose rules apply."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_(
            "Every time is shown and typed in this zone, whatever the zone of the browser or "
            "the server; times are stored in UTC."
        ),
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.time_zone:
            self.time_zone = suggested_time_zone(self.profile)
        super().save(*args, **kwargs)

    @property
    def tzinfo(self) -> ZoneInfo:
        """The organisation's zone: `timezone.override(org.tzinfo)` around worker output."""
        return organisation_zone(self.time_zone, self.profile)


class Membership(models.Model):
    """One role for one person in one organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)
    # A deactivated member keeps their records and authorship but no longer acts in the
    # organisation: the policy leaves the membership out (`policy.core.viewer_for`).
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_role_per_org"),
            models.UniqueConstraint(fields=["organisation", "id"], name="membership_org_id"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class Room(models.Model):
    """A room of the organisation where sessions are held; the calendar books it. A room no
    longer used is archived, never deleted, so past bookings keep naming it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=120)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "organisation", name="room_name_once_per_org"),
            models.UniqueConstraint(fields=["organisation", "id"], name="room_org_id"),
        ]

    def __str__(self) -> str:
        return self.name


# A token's last use is written at most this often, rather than on every request.
API_TOKEN_USE_PRECISION = timedelta(minutes=1)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # When a request last came with it, to within API_TOKEN_USE_PRECISION.
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class Invitation(models.Model):
    """A single-use, expiring link that lets a partner (or a staff member) join."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    email = models.EmailField()
    display_name = models.CharField(max_length=120)
    role = models.CharField(max_length=20, choices=Role.choices)
    couple = models.ForeignKey("couples.Couple", null=True, blank=True, on_delete=models.PROTECT)
    digest = models.CharField(max_length=64, unique=True)
    # None for an invitation made from the command line (`holdspace create-organisation`,
    # `holdspace invite-staff`): the audit trail names the command line as its actor.
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the link last went out: the invitation's creation, or its last resend.
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="invitation_org_id"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
