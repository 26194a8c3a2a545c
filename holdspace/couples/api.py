from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from holdspace.couples.models import Stage
from holdspace.couples.schemas import (
    CareTeamMemberOut,
    CoupleDetailOut,
    CoupleListOut,
    CoupleQuery,
    EntryCreateIn,
    EntryListOut,
    EntryOut,
    EntryUpdateIn,
    PartnerOut,
    couple_summary_out,
    entry_out,
)
from holdspace.couples.selectors import (
    couple_read,
    couple_slice,
    entry_list,
    entry_read,
)
from holdspace.couples.services import entry_create, entry_update
from holdspace.lib.api import PageQuery, documented, next_offset
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.entries import get_entry_for

router = Router(tags=["couples"])


@router.get("", response=documented({200: CoupleListOut}), summary="The couples the caller may see")
def couples(request: HttpRequest, query: Query[CoupleQuery]) -> CoupleListOut:
    found, total = couple_slice(
        viewer=viewer_from_request(request), search=query.q, limit=query.limit, offset=query.offset
    )
    return CoupleListOut(
        items=[couple_summary_out(c) for c in found], count=total, next=next_offset(query, total)
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
