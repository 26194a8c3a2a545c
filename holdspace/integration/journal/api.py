"""/api/v1/couples/{id}/journal and /api/v1/couples/{id}/entries/{id}/audio."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.couples.api import EntryOut, entry_out
from holdspace.couples.models import Entry
from holdspace.couples.services import MAX_ENTRY_LENGTH
from holdspace.integration.journal import (
    MAX_PROMPT_LENGTH,
    entry_audio_response,
    journal_entries,
    journal_entry_count,
    journal_entry_create,
    journal_prompts,
    require_journal_read,
)
from holdspace.lib.api import (
    ErrorOut,
    Input,
    Page,
    PageQuery,
    documented,
    next_offset,
    page_slice,
)
from holdspace.policy import get_couple_for, is_partner_of
from holdspace.policy.core import viewer_from_request

router = Router(tags=["journals"])


class JournalEntryIn(Input):
    kind: Literal["journal", "reflection"] = Field(
        description="`journal` (for oneself) or `reflection` (a shared reflection for the couple)"
    )
    visibility: Literal["private", "team", "couple"]
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
    source: Literal[
        "general", "own_intention", "partner_intention", "shared_intention", "theme", "session"
    ]


class JournalOut(Page[JournalEntryOut]):
    """Newest first."""


class JournalPromptListOut(Page[JournalPromptOut]):
    """For a partner; empty for the care team."""


def _entry_out(entry: Entry) -> JournalEntryOut:
    return JournalEntryOut(
        **entry_out(entry).dict(),
        prompt=entry.prompt,
        audio_url=reverse("api:journal_entry_audio", args=[entry.couple_id, entry.pk])
        if entry.audio
        else None,
        audio_type=entry.audio_type,
    )


@router.get(
    "/couples/{couple_id}/journal",
    response=documented({200: JournalOut, 403: ErrorOut}),
    summary="Journal entries and reflections the caller may read, newest first",
)
def journal(request: HttpRequest, couple_id: int, query: Query[PageQuery]) -> JournalOut:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_journal_read(viewer, couple)
    entries = journal_entries(viewer, couple, limit=query.limit, offset=query.offset)
    total = journal_entry_count(viewer, couple)
    return JournalOut(
        items=[_entry_out(e) for e in entries], count=total, next=next_offset(query, total)
    )


@router.get(
    "/couples/{couple_id}/journal/prompts",
    response=documented({200: JournalPromptListOut, 403: ErrorOut}),
    summary="Prompts for the calling partner's journal (none for the care team)",
)
def journal_prompt_list(
    request: HttpRequest, couple_id: int, query: Query[PageQuery]
) -> JournalPromptListOut:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_journal_read(viewer, couple)
    prompts = journal_prompts(couple, viewer.user) if is_partner_of(viewer, couple) else []
    found, total = page_slice(prompts, query)
    return JournalPromptListOut(
        items=[JournalPromptOut(text=p.text, source=p.source) for p in found],
        count=total,
        next=next_offset(query, total),
    )


@router.post(
    "/couples/{couple_id}/journal",
    response=documented({201: JournalEntryOut}, writes=True),
    summary="Write a journal entry or shared reflection (partners of the couple only)",
)
def journal_new(
    request: HttpRequest, couple_id: int, payload: JournalEntryIn
) -> Status[JournalEntryOut]:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    entry = journal_entry_create(
        viewer=viewer,
        couple=couple,
        kind=payload.kind,
        visibility=payload.visibility,
        body=payload.body,
        prompt=payload.prompt,
    )
    entry.author = viewer.user
    return Status(201, _entry_out(entry))


@router.get(
    "/couples/{couple_id}/entries/{entry_id}/audio",
    response=documented({200: None}),
    url_name="journal_entry_audio",
    summary="An entry's recording, to those who may read the entry",
)
def entry_audio(request: HttpRequest, couple_id: int, entry_id: int) -> HttpResponseBase:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    return entry_audio_response(viewer, couple, entry_id, request)
