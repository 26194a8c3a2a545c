"""Writes to couples and their entries. Each runs in one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import Invitation, Organisation, Role
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record
from holdspace.couples.models import (
    ENTRY_KINDS,
    CareTeamMember,
    Couple,
    Entry,
    EntryKind,
    EntryReply,
    Partner,
    Stage,
    Visibility,
)
from holdspace.couples.selectors import care_team_candidates, partner_elsewhere
from holdspace.couples.signals import couple_withdrawn
from holdspace.lib.audio import HEAD_BYTES, sniff_audio
from holdspace.policy.accounts import require_invitation_manage
from holdspace.policy.core import Viewer
from holdspace.policy.couples import (
    require_couple_create,
    require_couple_edit,
    require_couple_withdraw,
    require_partner_invitations,
)
from holdspace.policy.entries import (
    reads_for_the_team,
    require_entry_change,
    require_entry_reply,
    require_entry_write,
)

# The limits of an entry, for the forms and the API schemas as for the service.
MAX_ENTRY_LENGTH = 20_000
MAX_WITHDRAWAL_REASON = 1000
MAX_PROMPT_LENGTH = 1000
AUDIO_MAX_BYTES = 20 * 1024 * 1024
MAX_REPLY_LENGTH = 5_000
MAX_COUPLE_NAME = 200


def _clean_entry_fields(
    *, kind: str | None, visibility: str | None, body: str | None, wordless: bool = False
) -> str | None:
    """BODY stripped, once KIND, VISIBILITY and BODY are checked (None: not given). WORDLESS:
    the entry has a voice note, so its words may be left empty."""
    errors: dict[str, str] = {}
    if kind is not None and kind not in EntryKind.values:
        errors["kind"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(EntryKind.values)}
    if visibility is not None and visibility not in Visibility.values:
        errors["visibility"] = _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(Visibility.values)
        }
    cleaned = None
    if body is not None:
        cleaned = body.strip()
        if not cleaned and not wordless:
            errors["body"] = _("Write something before saving.")
        elif len(cleaned) > MAX_ENTRY_LENGTH:
            errors["body"] = _("Keep an entry under %(n)s characters.") % {"n": MAX_ENTRY_LENGTH}
    if errors:
        raise ValidationError(errors)
    return cleaned


def _voice_note_type(audio: UploadedFile) -> str:
    """The recording's type, by its content; refused when empty, too large or not audio."""
    size = audio.size or 0
    if size == 0:
        raise ValidationError({"audio": [_("The recording is empty. Try recording again.")]})
    if size > AUDIO_MAX_BYTES:
        raise ValidationError(
            {
                "audio": [
                    _("The recording is larger than %(mb)s MB. Record a shorter one.")
                    % {"mb": AUDIO_MAX_BYTES // (1024 * 1024)}
                ]
            }
        )
    audio.seek(0)
    head = audio.read(HEAD_BYTES)
    audio.seek(0)
    found = sniff_audio(head)
    if found is None:
        raise ValidationError(
            {
                "audio": [
                    _(
                        "This file is not a recording we can play back. "
                        "Upload WebM, Ogg, MP3, M4A or WAV audio."
                    )
                ]
            }
        )
    return found


def _entry_create_errors(
    *, kind: str, visibility: str, body: str, prompt: str, audio: UploadedFile | None
) -> tuple[str, str, dict[str, list[str]]]:
    """(the body, the recording's type, the problems) of an entry as ENTRY_KINDS allows it."""
    errors: dict[str, list[str]] = {}
    rule = ENTRY_KINDS.get(kind)
    cleaned = ""
    try:
        wordless = audio is not None and rule is not None and not rule.text_required
        cleaned = (
            _clean_entry_fields(kind=kind, visibility=visibility, body=body, wordless=wordless)
            or ""
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if prompt and rule is not None and not rule.prompt:
        errors["prompt"] = [_("Only a journal entry or a reflection answers a prompt.")]
    elif len(prompt) > MAX_PROMPT_LENGTH:
        errors["prompt"] = [_("Keep a prompt under %(n)s characters.") % {"n": MAX_PROMPT_LENGTH}]
    audio_type = ""
    if audio is not None and rule is not None and not rule.voice_note:
        errors["audio"] = [_("Only a journal entry or a reflection carries a voice note.")]
    elif audio is not None:
        try:
            audio_type = _voice_note_type(audio)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    return cleaned, audio_type, errors


def entry_create(
    *,
    viewer: Viewer,
    couple: Couple,
    kind: str,
    visibility: str,
    body: str = "",
    prompt: str = "",
    audio: UploadedFile | None = None,
) -> Entry:
    """An entry a partner writes: an intention, the couple's shared intention, a journal entry
    or a shared reflection, each as ENTRY_KINDS allows (words needed or not, a prompt answered,
    a voice note). The one way an Entry is written. The voice note and the row are kept
    together: if the row cannot be written, the stored file is removed."""
    require_entry_write(viewer, couple, kind=kind)
    prompt = re.sub(r"\s+", " ", prompt).strip()
    cleaned, audio_type, errors = _entry_create_errors(
        kind=kind, visibility=visibility, body=body, prompt=prompt, audio=audio
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    entry = Entry(
        organisation_id=couple.organisation_id,
        couple=couple,
        author=viewer.user,
        kind=kind,
        visibility=visibility,
        body=cleaned,
        prompt=prompt,
        audio_type=audio_type,
        created_at=now,
        updated_at=now,
    )
    stored = ""
    try:
        with transaction.atomic():
            if audio is not None:
                entry.audio.save("audio", audio, save=False)
                stored = entry.audio.name or ""
            entry.save()
            # A journal's entries also say whether they answer a prompt or carry a voice note.
            journal = ENTRY_KINDS[kind].journal
            viewer.audit(
                Action.ENTRY_CREATE,
                entry,
                detail={"kind": kind, "visibility": visibility}
                | ({"prompt": bool(prompt), "audio": bool(stored)} if journal else {}),
            )
    except BaseException:
        if stored:
            entry.audio.storage.delete(stored)
        raise
    return entry


def entry_update(
    *,
    viewer: Viewer,
    entry: Entry,
    body: str | None = None,
    visibility: str | None = None,
    kind: str | None = None,
) -> Entry:
    """Change an entry's text, kind or visibility; only its author may. An entry with a voice
    note may be left without words; it keeps a kind that carries one (ENTRY_KINDS)."""
    require_entry_change(viewer, entry)
    cleaned = _clean_entry_fields(
        kind=kind, visibility=visibility, body=body, wordless=bool(entry.audio)
    )
    rule = ENTRY_KINDS.get(kind or "")
    if rule is not None and (
        (entry.audio and not rule.voice_note) or (entry.prompt and not rule.prompt)
    ):
        raise ValidationError(
            {"kind": _("An entry with a voice note or a prompt stays a journal or reflection.")}
        )
    changed: dict[str, object] = {}
    if cleaned is not None and cleaned != entry.body:
        entry.body = cleaned
        changed["body"] = True
    if kind is not None and kind != entry.kind:
        changed["kind"] = [entry.kind, kind]
        entry.kind = kind
    if visibility is not None and visibility != entry.visibility:
        changed["visibility"] = [entry.visibility, visibility]
        entry.visibility = visibility
    if not changed:
        return entry
    with transaction.atomic():
        entry.updated_at = timezone.now()
        entry.save(update_fields=["body", "kind", "visibility", "updated_at"])
        viewer.audit(Action.ENTRY_UPDATE, entry, detail=changed)
    return entry


def couple_create(
    *,
    viewer: Viewer,
    organisation: Organisation,
    name: str,
    facilitator_ids: list[int],
    stage: str = Stage.CONTACT,
    joined_at: dt.datetime | None = None,
) -> Couple:
    """A new couple with its care team; partners join by invitation
    (`couple_create_with_invitations`). JOINED_AT dates a couple the practice worked with
    before it kept their records here."""
    require_couple_create(viewer, organisation)
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Give the couple a name, for example “Alex & Sam”.")
    facilitators = list(
        care_team_candidates(organisation.pk)
        .filter(user_id__in=facilitator_ids)
        .values_list("user_id", flat=True)
    )
    if set(facilitators) != set(facilitator_ids):
        errors["facilitators"] = _("Choose facilitators of this organisation.")
    elif not facilitators:
        # As when the care team is edited: a couple nobody looks after would fall through.
        errors["facilitators"] = _("Choose at least one facilitator for the care team.")
    if stage not in Stage.values:
        errors["stage"] = _("Choose a stage from the list.")
    if joined_at is not None and joined_at > timezone.now():
        errors["joined_at"] = _("A couple cannot join in the future.")
    if errors:
        raise ValidationError(errors)
    joined = {"created_at": joined_at} if joined_at is not None else {}
    with transaction.atomic():
        couple = Couple.objects.create(organisation=organisation, name=name, stage=stage, **joined)
        CareTeamMember.objects.bulk_create(
            CareTeamMember(organisation=organisation, couple=couple, user_id=user_id)
            for user_id in facilitators
        )
        viewer.audit(
            Action.COUPLE_CREATE,
            couple,
            care_team=facilitators,
            detail={"joined": joined_at.isoformat()} if joined_at is not None else None,
        )
    return couple


@dataclass(frozen=True)
class PartnerInvite:
    """A partner to invite to a new couple: how they are called and where to write."""

    display_name: str
    email: str


def couple_create_with_invitations(
    *,
    viewer: Viewer,
    organisation: Organisation,
    name: str,
    facilitator_ids: list[int],
    partners: tuple[PartnerInvite, PartnerInvite],
    confirm: bool = False,
) -> Couple:
    """A new couple with its care team, and an invitation to each of its two partners: all of
    it, or nothing (a refused second invitation leaves no couple behind). A problem with a
    partner is named by the slot's field (`partner_a_email`, `partner_b_name`). A partner who
    already belongs to another couple of the organisation (or is invited to one) raises
    PartnerElsewhere unless CONFIRM."""
    # accounts.services imports this module (invitation_accept seats the partner through
    # partner_add): imported here to break that cycle.
    from holdspace.accounts.services import invitation_create  # noqa: PLC0415

    # Who may add a couple is asked first: the warning names other couples.
    require_couple_create(viewer, organisation)
    if not confirm:
        found = {
            f"partner_{slot}_email": names
            for slot, partner in zip(("a", "b"), partners, strict=True)
            if (names := partner_elsewhere(viewer, organisation.pk, partner.email))
        }
        if found:
            raise PartnerElsewhere(found)
    with transaction.atomic():
        couple = couple_create(
            viewer=viewer, organisation=organisation, name=name, facilitator_ids=facilitator_ids
        )
        for slot, partner in zip(("a", "b"), partners, strict=True):
            try:
                invitation_create(
                    viewer=viewer,
                    organisation=organisation,
                    couple=couple,
                    email=partner.email,
                    display_name=partner.display_name,
                )
            except ValidationError as exc:
                raise ValidationError(_partner_errors(slot, exc.message_dict)) from exc
    return couple


def _partner_errors(slot: str, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """An invitation's errors under the new couple's field names for the partner in SLOT;
    other problems (the couple, the role) go on top."""
    fields = {"email": f"partner_{slot}_email", "display_name": f"partner_{slot}_name"}
    return {fields.get(key, NON_FIELD_ERRORS): value for key, value in errors.items()}


def couple_withdraw(*, viewer: Viewer, couple: Couple, reason: str) -> Couple:
    """The couple leaves the programme: what follows the couple stops now (unsent reminders,
    through `signals.couple_withdrawn`), nothing more is planned, and their calendar feeds go
    empty. Recorded by an org admin or the care team."""
    require_couple_withdraw(viewer, couple)
    reason = reason.strip()
    if couple.withdrawn_at is not None:
        raise ValidationError({"reason": [_("This couple has already withdrawn.")]})
    if not reason:
        raise ValidationError({"reason": [_("Say briefly why (for the record).")]})
    if len(reason) > MAX_WITHDRAWAL_REASON:
        raise ValidationError({"reason": [_("At most 1,000 characters.")]})
    with transaction.atomic():
        couple.withdrawn_at = timezone.now()
        couple.withdrawn_by = viewer.user
        couple.save(update_fields=["withdrawn_at", "withdrawn_by"])
        stopped: dict[str, Any] = {}
        for _receiver, answer in couple_withdrawn.send(sender=Couple, couple=couple):
            if isinstance(answer, Mapping):
                stopped.update(answer)
        viewer.audit(Action.COUPLE_WITHDRAW, couple, detail=stopped, reason=reason)
    return couple


def partner_add(
    *, couple: Couple, user_id: int, actor_id: int | None, actor_label: str, ip: str | None
) -> None:
    """Seat a person as the next partner of COUPLE (called when an invitation is accepted)."""
    with transaction.atomic():
        taken = set(couple.partners.select_for_update().values_list("slot", flat=True))
        if couple.partners.filter(user_id=user_id).exists():
            return
        free = [slot for slot in ("a", "b") if slot not in taken]
        if not free:
            raise ValidationError({"couple": _("This couple already has two partners.")})
        Partner.objects.create(
            organisation_id=couple.organisation_id, couple=couple, user_id=user_id, slot=free[0]
        )
        audit_record(
            action=Action.PARTNER_ADD,
            organisation_id=couple.organisation_id,
            actor_id=actor_id,
            actor_label=actor_label,
            object_type="user",
            object_id=user_id,
            couple_id=couple.pk,
            ip=ip,
            detail={"slot": free[0]},
        )


# Looking after a couple: its name, care team and partner invitations --------------------


def couple_update(
    *,
    viewer: Viewer,
    couple: Couple,
    name: str | None = None,
    facilitator_ids: list[int] | None = None,
) -> Couple:
    """Change COUPLE's name and care team (None: unchanged). The care team keeps at least one
    facilitator, each an active facilitator or clinical lead of the couple's organisation."""
    require_couple_edit(viewer, couple)
    errors: dict[str, str] = {}
    if name is not None:
        name = name.strip()
        if not name:
            errors["name"] = _("Give the couple a name, for example “Alex & Sam”.")
        elif len(name) > MAX_COUPLE_NAME:
            errors["name"] = _("Keep the name under %(n)s characters.") % {"n": MAX_COUPLE_NAME}
    chosen: set[int] | None = None
    if facilitator_ids is not None:
        chosen = set(facilitator_ids)
        found = set(
            care_team_candidates(couple.organisation_id)
            .filter(user_id__in=chosen)
            .values_list("user_id", flat=True)
        )
        if not chosen:
            errors["care_team"] = _("Keep at least one facilitator in the care team.")
        elif found != chosen:
            errors["care_team"] = _(
                "Choose active facilitators or clinical leads of this organisation."
            )
    if errors:
        raise ValidationError(errors)
    changed: dict[str, object] = {}
    with transaction.atomic():
        locked = Couple.objects.select_for_update().get(pk=couple.pk)
        if name is not None and name != locked.name:
            changed["name"] = {"from": locked.name, "to": name}
            couple.name = name
            Couple.objects.filter(pk=couple.pk).update(name=name)
        if chosen is not None:
            current = set(locked.care_team.values_list("user_id", flat=True))
            added, removed = sorted(chosen - current), sorted(current - chosen)
            if added:
                CareTeamMember.objects.bulk_create(
                    CareTeamMember(organisation_id=couple.organisation_id, couple=couple, user_id=u)
                    for u in added
                )
                changed["care_team_added"] = added
            if removed:
                CareTeamMember.objects.filter(couple=couple, user_id__in=removed).delete()
                changed["care_team_removed"] = removed
        if changed:
            viewer.audit(Action.COUPLE_UPDATE, couple, detail=changed)
    if chosen is not None:  # what the caller shows next is the team as it is now
        couple.__dict__["care_team_list"] = list(
            CareTeamMember.objects.filter(couple=couple).select_related("user").order_by("pk")
        )
    return couple


class PartnerElsewhere(Exception):
    """A partner being invited already belongs to another couple of the organisation, or is
    invited to one: the caller shows the warning and asks to confirm (the API answers 409).
    FOUND maps each field with such an address to the couples' names the viewer may see
    (empty strings for the others)."""

    def __init__(self, found: Mapping[str, list[str]]) -> None:
        self.found = dict(found)
        super().__init__(self.message)

    def warning_for(self, field: str) -> str:
        names = [name for name in self.found.get(field, []) if name]
        if names:
            return _(
                "This person is already a partner in, or invited to, another couple here: "
                "%(couples)s. Tick the box to add them to this couple too."
            ) % {"couples": ", ".join(names)}
        return _(
            "This person is already a partner in, or invited to, another couple here. "
            "Tick the box to add them to this couple too."
        )

    @property
    def message(self) -> str:
        return " ".join(self.warning_for(field) for field in sorted(self.found))


def _free_slots(couple: Couple) -> int:
    """How many partners COUPLE may still invite: two, less its partners and the invitations
    not yet accepted nor revoked (an expired one is sent again, not replaced)."""
    taken = couple.partners.count() + pending_partner_invitations(couple).count()
    return max(0, 2 - taken)


def pending_partner_invitations(couple: Couple) -> models.QuerySet[Invitation]:
    return Invitation.objects.filter(
        couple=couple, role=Role.PARTNER, accepted_at__isnull=True, revoked_at__isnull=True
    )


def partner_invite(
    *, viewer: Viewer, couple: Couple, email: str, display_name: str, confirm: bool = False
) -> tuple[Invitation, str]:
    """Invite a partner to COUPLE's empty place (never invited, or its invitation revoked);
    returns the invitation and its link. PartnerElsewhere, unless CONFIRM, for a person already
    in another couple of the organisation."""
    # accounts.services imports this module (see couple_create_with_invitations).
    from holdspace.accounts.services import invitation_create  # noqa: PLC0415

    require_partner_invitations(viewer, couple)
    if not confirm and (names := partner_elsewhere(viewer, couple.organisation_id, email, couple)):
        raise PartnerElsewhere({"email": names})
    with transaction.atomic():
        # Locked: two people inviting to the last place at once cannot both succeed.
        Couple.objects.select_for_update().filter(pk=couple.pk).first()
        if _free_slots(couple) == 0:
            raise ValidationError(
                {"email": _("Both partners are invited already: revoke an invitation first.")}
            )
        if _already_in_couple(couple, email):
            raise ValidationError({"email": _("This person is already part of this couple.")})
        return invitation_create(
            viewer=viewer,
            organisation=couple.organisation,
            email=email,
            display_name=display_name,
            couple=couple,
        )


def _already_in_couple(couple: Couple, email: str) -> bool:
    address = email.strip().lower()
    joined = couple.partners.filter(user__email__iexact=address).exists()
    return joined or pending_partner_invitations(couple).filter(email__iexact=address).exists()


def partner_invitation_resend(
    *, viewer: Viewer, invitation: Invitation, email: str | None = None, confirm: bool = False
) -> tuple[Invitation, str]:
    """Send a partner's pending INVITATION again (accounts' `invitation_resend`), to a corrected
    EMAIL when given: PartnerElsewhere, unless CONFIRM, when that address belongs to a partner
    of another couple of the organisation."""
    # accounts.services imports this module (see couple_create_with_invitations).
    from holdspace.accounts.services import invitation_resend  # noqa: PLC0415

    # Who may manage it is asked first: the warning tells of other couples.
    require_invitation_manage(viewer, invitation)
    couple = invitation.couple
    changes = email is not None and email.strip().lower() != invitation.email
    if couple is not None and changes and not confirm:
        assert email is not None
        if _already_in_couple(couple, email):
            raise ValidationError({"email": _("This person is already part of this couple.")})
        if names := partner_elsewhere(viewer, couple.organisation_id, email, couple):
            raise PartnerElsewhere({"email": names})
    return invitation_resend(viewer=viewer, invitation=invitation, email=email)


# Replies and the care team's read mark -------------------------------------------------


def entry_reply(*, viewer: Viewer, entry: Entry, body: str) -> EntryReply:
    """The care team answers a partner's team- or couple-visible ENTRY (from get_entry_for):
    read by exactly those who read the entry. It marks the entry read by the team."""
    require_entry_reply(viewer, entry)
    cleaned = body.strip()
    if not cleaned:
        raise ValidationError({"body": _("Write a reply before sending.")})
    if len(cleaned) > MAX_REPLY_LENGTH:
        raise ValidationError(
            {"body": _("Keep a reply under %(n)s characters.") % {"n": MAX_REPLY_LENGTH}}
        )
    with transaction.atomic():
        reply = EntryReply.objects.create(
            organisation_id=entry.organisation_id,
            couple_id=entry.couple_id,
            entry=entry,
            author=viewer.user,
            body=cleaned,
        )
        viewer.audit(Action.ENTRY_REPLY, reply, entry=entry.pk)
        _mark_team_read(viewer, entry, reply.created_at)
    entry.__dict__.pop("reply_list", None)
    return reply


def entry_mark_team_read(*, viewer: Viewer, entry: Entry) -> bool:
    """Mark ENTRY (from get_entry_for) read by the care team, if VIEWER is its care team, it is
    shared with them, and nobody of the team read it before; whether it was marked now.
    Anyone else opening it (its partners) changes nothing."""
    if entry.team_read_at is not None or not reads_for_the_team(viewer, entry):
        return False
    with transaction.atomic():
        return _mark_team_read(viewer, entry, timezone.now())


def _mark_team_read(viewer: Viewer, entry: Entry, at: dt.datetime) -> bool:
    """In the caller's transaction; conditional, so two first readers mark it once."""
    marked = Entry.objects.filter(pk=entry.pk, team_read_at__isnull=True).update(
        team_read_at=at, team_read_by=viewer.user
    )
    if marked:
        entry.team_read_at, entry.team_read_by = at, viewer.user
        viewer.audit(Action.ENTRY_TEAM_READ, entry)
    return bool(marked)
