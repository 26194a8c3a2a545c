"""The journal's API shapes. Kinds and visibilities are the model's enums, limits the entry
service's constants."""

from __future__ import annotations

from typing import Literal

from django.urls import reverse
from ninja import Field, Schema

from holdspace.couples.models import Entry, EntryKind, Visibility
from holdspace.couples.schemas import EntryOut, entry_out
from holdspace.couples.services import MAX_ENTRY_LENGTH, MAX_PROMPT_LENGTH
from holdspace.integration.journal.prompts import JournalPrompt, PromptSource
from holdspace.lib.api import Input, Page

# The journal's kinds (couples.models.JOURNAL_KINDS), as the API schema shows them.
JournalKind = Literal[EntryKind.JOURNAL, EntryKind.REFLECTION]


class JournalEntryIn(Input):
    kind: JournalKind = Field(
        description="`journal` (for oneself) or `reflection` (a shared reflection for the couple)"
    )
    visibility: Visibility
    body: str = Field(min_length=1, max_length=MAX_ENTRY_LENGTH)
    prompt: str = Field(
        default="", max_length=MAX_PROMPT_LENGTH, description="The prompt answered, if any"
    )


class JournalEntryOut(EntryOut):
    """An entry as the entries API gives it, with its prompt and recording."""

    prompt: str
    audio_url: str | None = Field(description="The recording (same token), if there is one")
    audio_type: str


class JournalPromptOut(Schema):
    text: str
    source: PromptSource


class JournalOut(Page[JournalEntryOut]):
    """Newest first."""


class JournalPromptListOut(Page[JournalPromptOut]):
    """For a partner; empty for the care team."""


def journal_entry_out(entry: Entry) -> JournalEntryOut:
    return JournalEntryOut(
        **entry_out(entry).dict(),
        prompt=entry.prompt,
        audio_url=reverse("api:journal_entry_audio", args=[entry.couple_id, entry.pk])
        if entry.audio
        else None,
        audio_type=entry.audio_type,
    )


def journal_prompt_out(prompt: JournalPrompt) -> JournalPromptOut:
    return JournalPromptOut(text=prompt.text, source=prompt.source)
