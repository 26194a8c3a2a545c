"""The organisation's psychoeducation library, what is assigned to whom, and who read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple


class Topic(models.TextChoices):
    PREPARING = "preparing", _("Preparing for the session")
    INTEGRATION = "integration", _("Integration")
    COMMUNICATION = "communication", _("Talking with each other")
    OTHER = "other", _("Other")


class Reading(models.Model):
    """A page of the library, written by staff in Markdown. Archived readings stay readable
    where they were assigned but are no longer offered for assignment."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body_markdown = models.TextField(_("text (Markdown)"))
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="reading_slug_per_org"),
            models.UniqueConstraint(fields=["organisation", "id"], name="reading_org_id"),
        ]

    def __str__(self) -> str:
        return self.title


class ReadingAssignment(models.Model):
    """A reading given to a couple by their care team: to both partners (partner empty) or to
    one of them."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="reading_assignments")
    reading = models.ForeignKey(Reading, on_delete=models.PROTECT, related_name="assignments")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="reading_assignment_org_id")
        ]
        indexes = [models.Index(fields=["couple", "-assigned_at"])]

    def __str__(self) -> str:
        return f"{self.reading_id} for couple #{self.couple_id}"


class ReadingRead(models.Model):
    """When a partner first opened an assigned reading; later opens add nothing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    assignment = models.ForeignKey(
        ReadingAssignment, on_delete=models.PROTECT, related_name="reads"
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["read_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "partner"], name="reading_read_once"),
            models.UniqueConstraint(fields=["organisation", "id"], name="reading_read_org_id"),
        ]

    def __str__(self) -> str:
        return f"Read by {self.partner_id} at {self.read_at}"
