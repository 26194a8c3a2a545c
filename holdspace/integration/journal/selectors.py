"""Reading the journals: the page a partner or the care team sees, and a voice note. Each read
is audited here."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files import File
from django.db.models import QuerySet

from holdspace.accounts.models import User
from holdspace.audit.actions import Action
from holdspace.couples.models import JOURNAL_KINDS, Couple, Entry, EntryKind
from holdspace.integration.journal.prompts import JournalPrompt, journal_prompts
from holdspace.lib.ranges import wanted_range
from holdspace.policy.core import Viewer
from holdspace.policy.entries import (
    can_write_entries,
    entries_visible_to,
    get_voice_note_for,
    require_journal_read,
)

JOURNAL_PAGE_SIZE = 100


def _journal_visible(
    viewer: Viewer, couple: Couple, kinds: tuple[str, ...] = JOURNAL_KINDS
) -> QuerySet[Entry]:
    require_journal_read(viewer, couple)
    return entries_visible_to(viewer, couple).filter(kind__in=kinds)


def journal_entries(
    viewer: Viewer,
    couple: Couple,
    *,
    limit: int = JOURNAL_PAGE_SIZE,
    offset: int = 0,
    kinds: tuple[str, ...] = JOURNAL_KINDS,
) -> list[Entry]:
    """The newest journal entries and reflections of COUPLE the viewer may read (LIMIT from
    OFFSET; other KINDS for the portal's Journal, where intentions are written too); audited."""
    # With the care team's replies, read by exactly those who read each entry.
    visible = (
        _journal_visible(viewer, couple, kinds).select_related("author").defer("author__password")
    )
    entries = list(Entry.with_replies(visible)[offset : offset + limit])
    viewer.audit(Action.JOURNAL_READ, couple, entry_ids=[e.pk for e in entries])
    return entries


def journal_entry_count(viewer: Viewer, couple: Couple) -> int:
    """How many journal entries and reflections of COUPLE the viewer may read."""
    return _journal_visible(viewer, couple).count()


def journal_prompts_for(viewer: Viewer, couple: Couple) -> list[JournalPrompt]:
    """The prompts of VIEWER's journal in COUPLE: a partner's; none for the care team, who
    read the journals; refused (403) for anyone else who sees the couple."""
    require_journal_read(viewer, couple)
    return journal_prompts(viewer, couple) if can_write_entries(viewer, couple) else []


@dataclass(frozen=True)
class JournalPage:
    couple: Couple
    viewer_id: int
    writer: bool  # a partner, who writes here; the care team reads what was shared with it
    entries: list[Entry]
    prompts: list[JournalPrompt]
    other_partner: User | None

    @property
    def mine(self) -> list[Entry]:
        return [e for e in self.entries if self.writer and e.author_id == self.viewer_id]

    @property
    def shared_with_me(self) -> list[Entry]:
        return [e for e in self.entries if self.writer and e.author_id != self.viewer_id]

    @property
    def shared_with_team(self) -> list[Entry]:
        return [] if self.writer else self.entries


def journal_page(viewer: Viewer, couple: Couple) -> JournalPage:
    """The journal as VIEWER sees it: a partner's own entries of every kind (the portal's
    Journal, where they write them all), those shared with them, and their prompts; the care
    team's, the journal entries and reflections shared with it."""
    writer = can_write_entries(viewer, couple)
    entries = journal_entries(
        viewer, couple, kinds=tuple(EntryKind.values) if writer else JOURNAL_KINDS
    )
    other = next(
        (p.user for p in couple.loaded_partners if p.user_id != viewer.user.pk),
        None,
    )
    return JournalPage(
        couple=couple,
        viewer_id=viewer.user.pk,
        writer=writer,
        entries=entries,
        prompts=journal_prompts_for(viewer, couple),
        other_partner=other,
    )


@dataclass(frozen=True)
class VoiceNote:
    file: File[bytes]  # open for reading; the response closes it
    size: int
    content_type: str


def voice_note(viewer: Viewer, couple: Couple, entry_id: int, *, range_header: str) -> VoiceNote:
    """An entry's voice note, for those who may read the entry (COUPLE from get_couple_for);
    every read is audited, with the byte range asked for."""
    entry = get_voice_note_for(viewer, couple, entry_id)
    wanted = wanted_range(range_header)
    viewer.audit(Action.ENTRY_AUDIO, entry, detail={"range": wanted} if wanted else None)
    return VoiceNote(
        file=entry.audio.open("rb"),
        size=entry.audio.size,
        content_type=entry.audio_type or "application/octet-stream",
    )
