from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from holdspace.accounts.services import invitation_revoke
from holdspace.couples.models import Couple, Stage
from holdspace.couples.schemas import (
    CareTeamMemberOut,
    CoupleDetailOut,
    CoupleListOut,
    CoupleQuery,
    CoupleUpdateIn,
    EntryCreateIn,
    EntryListOut,
    EntryOut,
    EntryUpdateIn,
    InvitationListOut,
    InvitationOut,
    InvitationResendIn,
    PartnerInviteIn,
    PartnerOut,
    ReplyCreateIn,
    ReplyOut,
    couple_summary_out,
    entry_out,
    invitation_out,
    reply_out,
)
from holdspace.couples.selectors import (
    CoupleFilters,
    PartnerInvitation,
    couple_read,
    couple_slice,
    entry_list,
    entry_read,
    partner_invitation_of,
    partner_invitations,
)
from holdspace.couples.services import (
    PartnerElsewhere,
    couple_update,
    entry_create,
    entry_reply,
    entry_update,
    partner_invitation_resend,
    partner_invite,
)
from holdspace.lib.api import ErrorOut, PageQuery, documented, next_offset
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for, get_partner_invitation_for
from holdspace.policy.entries import get_entry_for

router = Router(tags=["couples"])


@router.get("", response=documented({200: CoupleListOut}), summary="The couples the caller may see")
def couples(request: HttpRequest, query: Query[CoupleQuery]) -> CoupleListOut:
    filters = CoupleFilters(
        search=query.q,
        stage=query.stage.value if query.stage is not None else "",
        facilitator_id=query.facilitator,
    )
    found, total = couple_slice(
        viewer=viewer_from_request(request),
        filters=filters,
        limit=query.limit,
        offset=query.offset,
    )
    return CoupleListOut(
        items=[couple_summary_out(c) for c in found], count=total, next=next_offset(query, total)
    )


def _couple_detail(
    found: Couple, *, invitations: list[PartnerInvitation] | None = None
) -> CoupleDetailOut:
    return CoupleDetailOut(
        id=found.pk,
        organisation_id=found.organisation_id,
        name=found.name,
        stage=Stage(found.stage),
        partners=[
            PartnerOut(user_id=p.user_id, display_name=p.user.display_name, slot=p.slot)
            for p in found.loaded_partners
        ],
        care_team=[
            CareTeamMemberOut(user_id=m.user_id, display_name=m.user.display_name)
            for m in found.loaded_care_team
        ],
        invitations=[invitation_out(i) for i in invitations or []],
    )


@router.get("/{couple_id}", response=documented({200: CoupleDetailOut}), summary="One couple")
def couple(request: HttpRequest, couple_id: int) -> CoupleDetailOut:
    page = couple_read(viewer=viewer_from_request(request), couple_id=couple_id)
    return _couple_detail(page.couple, invitations=page.invitations)


@router.patch(
    "/{couple_id}",
    response=documented({200: CoupleDetailOut}, writes=True),
    summary="Change a couple's name or care team (its care team and the org admins)",
)
def couple_change(request: HttpRequest, couple_id: int, payload: CoupleUpdateIn) -> CoupleDetailOut:
    """The answer is the couple as changed; one who took themselves off its care team sees it
    for the last time, without its invitations."""
    viewer = viewer_from_request(request)
    found = get_couple_for(viewer, couple_id)
    changed = couple_update(
        viewer=viewer, couple=found, name=payload.name, facilitator_ids=payload.care_team
    )
    return _couple_detail(changed)


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


# Replies --------------------------------------------------------------------------------


@router.post(
    "/{couple_id}/entries/{entry_id}/replies",
    response=documented({201: ReplyOut}, writes=True),
    summary="Reply to a partner's team- or couple-visible entry (the care team only)",
)
def reply_new(
    request: HttpRequest, couple_id: int, entry_id: int, payload: ReplyCreateIn
) -> Status[ReplyOut]:
    viewer = viewer_from_request(request)
    found = get_entry_for(viewer, get_couple_for(viewer, couple_id), entry_id)
    reply = entry_reply(viewer=viewer, entry=found, body=payload.body)
    return Status(201, reply_out(reply, found))


# Partner invitations ---------------------------------------------------------------------


@router.get(
    "/{couple_id}/invitations",
    response=documented({200: InvitationListOut, 403: ErrorOut}),
    summary="The couple's partner invitations, oldest first (those who look after it)",
)
def invitations(request: HttpRequest, couple_id: int, query: Query[PageQuery]) -> InvitationListOut:
    viewer = viewer_from_request(request)
    found = get_couple_for(viewer, couple_id)
    items, total = partner_invitations(
        viewer=viewer, couple=found, limit=query.limit, offset=query.offset
    )
    return InvitationListOut(
        items=[invitation_out(i) for i in items], count=total, next=next_offset(query, total)
    )


@router.post(
    "/{couple_id}/invitations",
    response=documented({201: InvitationOut, 409: ErrorOut}, writes=True),
    summary="Invite a partner to the couple's empty place",
)
def invitation_new(
    request: HttpRequest, couple_id: int, payload: PartnerInviteIn
) -> Status[InvitationOut] | Status[ErrorOut]:
    viewer = viewer_from_request(request)
    found = get_couple_for(viewer, couple_id)
    try:
        invitation, _link = partner_invite(
            viewer=viewer,
            couple=found,
            email=payload.email,
            display_name=payload.display_name,
            confirm=payload.confirm,
        )
    except PartnerElsewhere as warning:
        return Status(409, ErrorOut(detail=warning.message))
    return Status(201, invitation_out(partner_invitation_of(invitation)))


@router.post(
    "/{couple_id}/invitations/{invitation_id}/resend",
    response=documented({200: InvitationOut, 409: ErrorOut}, writes=True),
    summary="Send a partner's invitation again with a new link, to a corrected address if given",
)
def invitation_send_again(
    request: HttpRequest, couple_id: int, invitation_id: int, payload: InvitationResendIn
) -> InvitationOut | Status[ErrorOut]:
    viewer = viewer_from_request(request)
    found = get_partner_invitation_for(viewer, get_couple_for(viewer, couple_id), invitation_id)
    try:
        invitation, _link = partner_invitation_resend(
            viewer=viewer, invitation=found, email=payload.email, confirm=payload.confirm
        )
    except PartnerElsewhere as warning:
        return Status(409, ErrorOut(detail=warning.message))
    return invitation_out(partner_invitation_of(invitation))


@router.post(
    "/{couple_id}/invitations/{invitation_id}/revoke",
    response=documented({200: InvitationOut}, writes=True),
    summary="Revoke a partner's invitation: its link stops working and the place is free",
)
def invitation_withdraw(request: HttpRequest, couple_id: int, invitation_id: int) -> InvitationOut:
    viewer = viewer_from_request(request)
    found = get_partner_invitation_for(viewer, get_couple_for(viewer, couple_id), invitation_id)
    revoked = invitation_revoke(viewer=viewer, invitation=found)
    return invitation_out(partner_invitation_of(revoked))
