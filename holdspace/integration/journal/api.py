"""/api/v1/couples/{id}/journal (and its prompts) and /api/v1/couples/{id}/entries/{id}/audio."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import Query, Router
from ninja.responses import Status

from holdspace.couples.services import entry_create
from holdspace.integration.journal.schemas import (
    JournalEntryIn,
    JournalEntryOut,
    JournalOut,
    JournalPromptListOut,
    journal_entry_out,
    journal_prompt_out,
)
from holdspace.integration.journal.selectors import (
    journal_entries,
    journal_entry_count,
    journal_prompts_for,
    voice_note,
)
from holdspace.lib.api import ErrorOut, PageQuery, documented, next_offset, page_slice
from holdspace.lib.ranges import ranged_file_response
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for

router = Router(tags=["journals"])


@router.get(
    "/couples/{couple_id}/journal",
    response=documented({200: JournalOut, 403: ErrorOut}),
    summary="Journal entries and reflections the caller may read, newest first",
)
def journal(request: HttpRequest, couple_id: int, query: Query[PageQuery]) -> JournalOut:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    entries = journal_entries(viewer, couple, limit=query.limit, offset=query.offset)
    total = journal_entry_count(viewer, couple)
    return JournalOut(
        items=[journal_entry_out(e) for e in entries], count=total, next=next_offset(query, total)
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
    prompts = journal_prompts_for(viewer, get_couple_for(viewer, couple_id))
    found, total = page_slice(prompts, query)
    return JournalPromptListOut(
        items=[journal_prompt_out(p) for p in found], count=total, next=next_offset(query, total)
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
    entry = entry_create(
        viewer=viewer,
        couple=get_couple_for(viewer, couple_id),
        kind=payload.kind,
        visibility=payload.visibility,
        body=payload.body,
        prompt=payload.prompt,
    )
    return Status(201, journal_entry_out(entry))


@router.get(
    "/couples/{couple_id}/entries/{entry_id}/audio",
    response=documented({200: None}),
    url_name="journal_entry_audio",
    summary="An entry's recording, to those who may read the entry",
)
def entry_audio(request: HttpRequest, couple_id: int, entry_id: int) -> HttpResponseBase:
    viewer = viewer_from_request(request)
    range_header = str(request.headers.get("Range", ""))
    couple = get_couple_for(viewer, couple_id)
    note = voice_note(viewer, couple, entry_id, range_header=range_header)
    return ranged_file_response(
        note.file, size=note.size, content_type=note.content_type, range_header=range_header
    )
