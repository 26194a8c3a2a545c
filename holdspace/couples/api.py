from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.couples.models import Entry, EntryKind, Stage, Visibility
from holdspace.couples.selectors import (
    CoupleSummary,
    couple_read,
    couple_slice,
    entry_list,
    entry_read,
)
from holdspace.couples.services import MAX_ENTRY_LENGTH, entry_create, entry_update
from holdspace.lib.api import Input, Page, PageQuery, documented, next_offset
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.entries import get_entry_for

router = Router(tags=["couples"])


class PartnerOut(Schema):
    user_id: int
    display_name: str
    slot: str


class CareTeamMemberOut(Schema):
    user_id: int
    display_name: str


class CoupleOut(Schema):
    id: int
    organisation_id: int
    name: str
    stage: Stage
    partners: list[PartnerOut]


class CoupleDetailOut(CoupleOut):
    care_team: list[CareTeamMemberOut]


class CoupleListOut(Page[CoupleOut]):
    pass


class EntryCreateIn(Input):
    kind: EntryKind
    visibility: Visibility
    body: str = Field(min_length=1, max_length=MAX_ENTRY_LENGTH)


class EntryUpdateIn(Input):
    kind: EntryKind | None = None
    visibility: Visibility | None = None
    body: str | None = Field(default=None, min_length=1, max_length=MAX_ENTRY_LENGTH)


class EntryOut(Schema):
    id: int
    couple_id: int
    author_id: int
    author_name: str
    kind: EntryKind
    visibility: Visibility
    body: str
    created_at: datetime
    updated_at: datetime


class EntryListOut(Page[EntryOut]):
    pass


class CoupleQuery(PageQuery):
    q: str = Field(default="", max_length=100, description="Part of the couple's name.")


def _summary_out(couple: CoupleSummary) -> CoupleOut:
    return CoupleOut(
        id=couple.id,
        organisation_id=couple.organisation_id,
        name=couple.name,
        stage=Stage(couple.stage),
        partners=[
            PartnerOut(user_id=p.user_id, display_name=p.display_name, slot=p.slot)
            for p in couple.partners
        ],
    )


def entry_out(entry: Entry) -> EntryOut:
    return EntryOut(
        id=entry.pk,
        couple_id=entry.couple_id,
        author_id=entry.author_id,
        author_name=entry.author.display_name,
        kind=EntryKind(entry.kind),
        visibility=Visibility(entry.visibility),
        body=entry.body,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
    )


@router.get("", response=documented({200: CoupleListOut}), summary="The couples the caller may see")
def couples(request: HttpRequest, query: Query[CoupleQuery]) -> CoupleListOut:
    found, total = couple_slice(
        viewer=viewer_from_request(request), search=query.q, limit=query.limit, offset=query.offset
    )
    return CoupleListOut(
        items=[_summary_out(c) for c in found], count=total, next=next_offset(query, total)
    )


@router.get("/{couple_id}", response=documented({200: CoupleDetailOut}), summary="One couple")
def couple(request: HttpRequest, couple_id: int) -> CoupleDetailOut:
    page = couple_read(viewer=viewer_from_request(request), couple_id=couple_id)
    found = page.couple
    return CoupleDetailOut(
        id=found.pk,
        organisation_id=found.organisation_id,
        name=found.name,
        stage=Stage(found.stage),
        partners=[
            PartnerOut(user_id=p.user_id, display_name=p.user.display_name, slot=p.slot)
            for p in page.partners
        ],
        care_team=[
            CareTeamMemberOut(user_id=m.user_id, display_name=m.user.display_name)
            for m in page.care_team
        ],
    )


@router.get(
    "/{couple_id}/entries",
    response=documented({200: EntryListOut}),
    summary="The couple's entries the caller may read, newest first",
)
def entries(request: HttpRequest, couple_id: int, query: Query[PageQuery]) -> EntryListOut:
    viewer = viewer_from_request(request)
    found = get_couple_for(viewer, couple_id)
    items, total = entry_list(viewer=viewer, couple=found, limit=query.limit, offset=query.offset)
    return EntryListOut(
        items=[entry_out(e) for e in items], count=total, next=next_offset(query, total)
    )


@router.post(
    "/{couple_id}/entries",
    response=documented({201: EntryOut}, writes=True),
    summary="Write an entry (partners of the couple only)",
)
def entry_new(request: HttpRequest, couple_id: int, payload: EntryCreateIn) -> Status[EntryOut]:
    viewer = viewer_from_request(request)
    found = get_couple_for(viewer, couple_id)
    entry = entry_create(
        viewer=viewer,
        couple=found,
        kind=payload.kind,
        visibility=payload.visibility,
        body=payload.body,
    )
    return Status(201, entry_out(entry))


@router.get(
    "/{couple_id}/entries/{entry_id}",
    response=documented({200: EntryOut}),
    summary="One entry",
)
def entry(request: HttpRequest, couple_id: int, entry_id: int) -> EntryOut:
    _couple, found = entry_read(
        viewer=viewer_from_request(request), couple_id=couple_id, entry_id=entry_id
    )
    return entry_out(found)


@router.patch(
    "/{couple_id}/entries/{entry_id}",
    response=documented({200: EntryOut}, writes=True),
    summary="Change an entry's text, kind or visibility (its author only)",
)
def entry_change(
    request: HttpRequest, couple_id: int, entry_id: int, payload: EntryUpdateIn
) -> EntryOut:
    viewer = viewer_from_request(request)
    found_couple = get_couple_for(viewer, couple_id)
    found = get_entry_for(viewer, found_couple, entry_id)
    updated = entry_update(
        viewer=viewer,
        entry=found,
        kind=payload.kind,
        visibility=payload.visibility,
        body=payload.body,
    )
    return entry_out(updated)
