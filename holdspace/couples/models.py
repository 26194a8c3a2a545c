from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import Membership, Organisation


class Stage(models.TextChoices):
    CONTACT = "contact", _("Contact and vetting")
    SCREENING = "screening", _("Screening")
    PREPARATION = "preparation", _("Preparation")
    MEDICINE_SESSION = "medicine_session", _("Medicine session")
    INTEGRATION = "integration", _("Integration")
    CLOSED = "closed", _("Closed")


class Couple(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.CONTACT
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The couple left the programme: reminders stop, nothing new is scheduled for them.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "id"], name="couple_org_id")]
        indexes = [models.Index(fields=["organisation", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def loaded_partners(self) -> list[Partner]:
        """The partners with_people() loaded (a KeyError says it was not used)."""
        rows: list[Partner] = self.__dict__["partner_list"]
        return rows

    @property
    def loaded_care_team(self) -> list[CareTeamMember]:
        rows: list[CareTeamMember] = self.__dict__["care_team_list"]
        return rows

    @staticmethod
    def with_people(queryset: models.QuerySet[Couple]) -> models.QuerySet[Couple]:
        """QUERYSET with each couple's partners and care team (names only) in two queries.

        They land in plain lists, `partner_list` and `care_team_list`, which templates and the
        policy read without a query or a queryset clone per row.
        """
        person = ("user__id", "user__display_name", "user__email")
        return queryset.prefetch_related(
            models.Prefetch(
                "partners",
                queryset=Partner.objects.select_related("user").only(
                    "id",
                    "organisation_id",
                    "couple_id",
                    "slot",
                    "measures_visibility",
                    "user_id",
                    *person,
                ),
                to_attr="partner_list",
            ),
            models.Prefetch(
                "care_team",
                queryset=CareTeamMember.objects.select_related("user")
                .only("id", "organisation_id", "couple_id", "user_id", *person)
                .annotate(deactivated=deactivated_here()),
                to_attr="care_team_list",
            ),
        )


def deactivated_here() -> models.Exists:
    """For a care team row: whether its member has been deactivated in the couple's
    organisation (they keep their place in the team's history, marked, until reassigned)."""
    return models.Exists(
        Membership.objects.filter(
            user_id=models.OuterRef("user_id"),
            organisation_id=models.OuterRef("organisation_id"),
            deactivated_at__isnull=False,
        )
    )


class InvitationState(models.TextChoices):
    """Where a partner's invitation stands (accounts.Invitation keeps the times)."""

    PENDING = "pending", _("Sent, not yet accepted")
    EXPIRED = "expired", _("Expired: send it again")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


def invitation_state(accepted: bool, revoked: bool, expired: bool) -> InvitationState:
    if accepted:
        return InvitationState.ACCEPTED
    if revoked:
        return InvitationState.REVOKED
    return InvitationState.EXPIRED if expired else InvitationState.PENDING


class Partner(models.Model):
    """One of the two people in a couple; slot a or b keeps their order stable on screen."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="partners")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partnerships"
    )
    slot = models.CharField(max_length=1, choices=[("a", "A"), ("b", "B")])
    # Who sees this partner's questionnaire scores: the care team only (team), or their
    # partner too (couple). The partner's own choice, like an entry's visibility.
    measures_visibility = models.CharField(
        max_length=10,
        choices=[
            ("team", _("Team — me and our care team")),
            ("couple", _("Couple — my partner too")),
        ],
        default="team",
    )
    # When this partner first saw that what they write is not monitored in real time; the
    # full notice shows until then, a one-line reminder after.
    notice_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot"]
        constraints = [
            models.UniqueConstraint(fields=["couple", "slot"], name="two_partner_slots"),
            models.UniqueConstraint(fields=["couple", "user"], name="partner_once_per_couple"),
            models.UniqueConstraint(fields=["organisation", "id"], name="partner_org_id"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.couple}"


class CareTeamMember(models.Model):
    """A facilitator assigned to a couple."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="care_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_teams"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "user"], name="care_team_once"),
            models.UniqueConstraint(fields=["organisation", "id"], name="care_team_org_id"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.couple}"


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private — only me")
    TEAM = "team", _("Team — me and our care team")
    COUPLE = "couple", _("Couple — both of us and our care team")


# Wider visibilities come later: widening is the author's decision alone.
VISIBILITY_ORDER = {Visibility.PRIVATE: 0, Visibility.TEAM: 1, Visibility.COUPLE: 2}


class EntryKind(models.TextChoices):
    INTENTION = "intention", _("Intention")
    SHARED_INTENTION = "shared_intention", _("Shared couple intention")
    JOURNAL = "journal", _("Journal")
    REFLECTION = "reflection", _("Reflection")


@dataclass(frozen=True)
class EntryKindRule:
    """What an entry of one kind may be: `entry_create` and the policy read it, the journal
    and the couple's page follow it."""

    # Who writes it. Every kind is the partners' own today: the care team reads, never writes.
    writers: Literal["partners"]
    # Words are needed; otherwise a voice note may stand alone.
    text_required: bool
    # It may answer a journal prompt, or carry a voice note.
    prompt: bool
    voice_note: bool
    # Shown in the journal (the others on the couple's page, as preparation).
    journal: bool
    # Who sees it until its author picks another.
    default_visibility: Visibility
    # The couple's stages at which the portal's one Write form offers it. The service still
    # takes every kind at every stage (an intention written late is not refused), so the API
    # answers as before; the form offers what makes sense now.
    offered_at: frozenset[str]


# Intentions are set once the couple is in the programme, until the medicine session is held.
BEFORE_THE_SESSION = frozenset({Stage.SCREENING, Stage.PREPARATION, Stage.MEDICINE_SESSION})
EVERY_STAGE = frozenset(Stage.values)

ENTRY_KINDS: dict[str, EntryKindRule] = {
    # A partner's intention, and the couple's shared one, written before the medicine session.
    EntryKind.INTENTION: EntryKindRule(
        "partners", True, False, False, False, Visibility.PRIVATE, BEFORE_THE_SESSION
    ),
    EntryKind.SHARED_INTENTION: EntryKindRule(
        "partners", True, False, False, False, Visibility.COUPLE, BEFORE_THE_SESSION
    ),
    # A journal is for oneself; a reflection is written for the couple; both at any time.
    EntryKind.JOURNAL: EntryKindRule(
        "partners", False, True, True, True, Visibility.PRIVATE, EVERY_STAGE
    ),
    EntryKind.REFLECTION: EntryKindRule(
        "partners", False, True, True, True, Visibility.COUPLE, EVERY_STAGE
    ),
}
JOURNAL_KINDS: tuple[str, ...] = tuple(kind for kind, rule in ENTRY_KINDS.items() if rule.journal)


def kinds_offered_at(stage: str) -> tuple[str, ...]:
    """The entry kinds the Write form offers a couple at STAGE, in ENTRY_KINDS' order (the
    journal's first, as most of what partners write is theirs)."""
    offered = tuple(kind for kind, rule in ENTRY_KINDS.items() if stage in rule.offered_at)
    return tuple(sorted(offered, key=lambda kind: not ENTRY_KINDS[kind].journal))


def entry_audio_path(entry: Entry, filename: str) -> str:
    """Stored under an unguessable name; the partner's file name is not kept."""
    return f"audio/{entry.organisation_id}/{uuid.uuid4().hex}"


class Entry(models.Model):
    """Something a partner wrote, with the visibility its author chose."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="entries")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    body = models.TextField(_("text"), blank=True)
    # The journal prompt the partner answered, if they chose one (its wording when written).
    prompt = models.TextField(_("prompt"), blank=True)
    # An audio reflection, stored under var/files like other clinical files and streamed only
    # to those who may read the entry.
    audio = models.FileField(upload_to=entry_audio_path, null=True, blank=True)
    audio_type = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When someone of the care team first read (or replied to) a team- or couple-visible entry;
    # the partners see that their care team read it, the Today queue lists those not yet read.
    team_read_at = models.DateTimeField(null=True, blank=True)
    team_read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "id"], name="entry_org_id")]
        indexes = [models.Index(fields=["couple", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @staticmethod
    def with_replies(queryset: models.QuerySet[Entry]) -> models.QuerySet[Entry]:
        """QUERYSET with each entry's replies and their authors, and who of the care team read
        it, in one more query whatever the number of entries (`loaded_replies`)."""
        return queryset.select_related("team_read_by").prefetch_related(
            models.Prefetch(
                "replies",
                queryset=EntryReply.objects.select_related("author").defer("author__password"),
                to_attr="reply_list",
            )
        )

    @property
    def loaded_replies(self) -> list[EntryReply]:
        """The replies with_replies() loaded; one query for an entry read without it (one just
        written has none)."""
        rows: list[EntryReply] | None = self.__dict__.get("reply_list")
        if rows is None:
            rows = list(self.replies.select_related("author"))
            self.__dict__["reply_list"] = rows
        return rows


class EntryReply(models.Model):
    """The care team's answer to a partner's team- or couple-visible entry. It has no
    visibility of its own: it is read by exactly those who may read its entry, now and after
    the author changes who sees the entry. Never edited."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entry_replies"
    )
    body = models.TextField(_("reply"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "id"], name="entry_reply_org_id")
        ]
        indexes = [models.Index(fields=["entry", "created_at"])]

    def __str__(self) -> str:
        return f"Reply #{self.pk} to entry #{self.entry_id}"
