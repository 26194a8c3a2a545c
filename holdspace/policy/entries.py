"""Entries: a partner reads their own and those shared with the couple; the care team reads
those shared with the team or the couple; only the partners write (each kind as
`couples.models.ENTRY_KINDS` says), only the author changes. The care team replies to what is
shared with it, and a reply is read by exactly those who read its entry. The journals (journal
entries and reflections) are read by the couple's own people: its partners and its care
team."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from holdspace.couples.models import ENTRY_KINDS, Couple, Entry, Visibility
from holdspace.policy.core import (
    Viewer,
    deny,
    is_care_team_of,
    is_partner_of,
    refuse,
    require_couple_people,
)


def entries_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[Entry]:
    """The entries of COUPLE that VIEWER may read (COUPLE must come from get_couple_for)."""
    entries = Entry.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if is_partner_of(viewer, couple):
        return entries.filter(Q(author=viewer.user) | Q(visibility=Visibility.COUPLE))
    if is_care_team_of(viewer, couple):
        return entries.filter(visibility__in=[Visibility.TEAM, Visibility.COUPLE])
    return entries.none()


def get_entry_for(viewer: Viewer, couple: Couple, entry_id: int) -> Entry:
    entry = entries_visible_to(viewer, couple).select_related("author").filter(pk=entry_id).first()
    if entry is None:
        exists = Entry.objects.filter(pk=entry_id, couple=couple).exists()
        raise deny(
            viewer,
            what="entry",
            object_id=entry_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk if exists else None,
        )
    entry.couple = couple  # the same instance, with its partners and care team loaded
    return entry


def can_write_entries(viewer: Viewer, couple: Couple, kind: str | None = None) -> bool:
    """Only the partners write entries about their own couple, of every kind (ENTRY_KINDS)."""
    rule = ENTRY_KINDS.get(kind or "")
    if rule is None or rule.writers == "partners":
        return is_partner_of(viewer, couple)
    return False


def can_change_entry(viewer: Viewer, entry: Entry) -> bool:
    """Only the author edits an entry or changes (widens or narrows) its visibility."""
    return entry.author_id == viewer.user.pk and is_partner_of(viewer, entry.couple)


def require_entry_write(viewer: Viewer, couple: Couple, *, kind: str | None = None) -> None:
    if not can_write_entries(viewer, couple, kind):
        raise refuse(
            viewer,
            action="write entries for",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_entry_change(viewer: Viewer, entry: Entry) -> None:
    if not can_change_entry(viewer, entry):
        raise refuse(
            viewer,
            action="change",
            what="entry",
            object_id=entry.pk,
            organisation_id=entry.organisation_id,
            couple_id=entry.couple_id,
        )


def can_reply_to_entry(viewer: Viewer, entry: Entry) -> bool:
    """The care team (the couple's facilitators and the clinical leads: those who read what is
    shared with the team) replies to a team- or couple-visible entry; partners do not reply,
    and a private entry is its author's alone."""
    shared = entry.visibility in (Visibility.TEAM, Visibility.COUPLE)
    return shared and is_care_team_of(viewer, entry.couple)


def require_entry_reply(viewer: Viewer, entry: Entry) -> None:
    """ENTRY from get_entry_for: anyone else who reads it (its partners) is refused (403)."""
    if not can_reply_to_entry(viewer, entry):
        raise refuse(
            viewer,
            action="reply to",
            what="entry",
            object_id=entry.pk,
            organisation_id=entry.organisation_id,
            couple_id=entry.couple_id,
        )


def reads_for_the_team(viewer: Viewer, entry: Entry) -> bool:
    """Whether VIEWER opening ENTRY marks it read by the care team: they are its care team, and
    it is shared with them."""
    return can_reply_to_entry(viewer, entry)


def require_journal_read(viewer: Viewer, couple: Couple) -> None:
    """The journals of COUPLE: its partners, and its care team (who then see only what was
    shared with them). Anyone else who sees the couple (an org admin) is refused (403)."""
    require_couple_people(viewer, couple, action="read the journals of")


def get_voice_note_for(viewer: Viewer, couple: Couple, entry_id: int) -> Entry:
    """An entry with its voice note, for those who may read the entry; an entry without one
    is as missing as one they may not read (404, audited)."""
    entry = get_entry_for(viewer, couple, entry_id)
    if not entry.audio:
        raise deny(
            viewer,
            what="entry_audio",
            object_id=entry_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    return entry
