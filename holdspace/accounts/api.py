from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.accounts.models import Invitation, Membership, Role, Room, StaffRole
from holdspace.accounts.selectors import Member, members_with_mfa, room_list, staff_memberships
from holdspace.accounts.services import (
    MAX_DISPLAY_NAME,
    MAX_ROOM_NAME,
    MAX_ROOM_NOTES,
    AlreadyTaken,
    invitation_resend,
    invitation_revoke,
    member_deactivate,
    member_reactivate,
    room_create,
    staff_invite,
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
from holdspace.policy.core import viewer_from_request
from holdspace.policy.team import (
    get_member_for,
    get_staff_invitation_for,
    rooms_call,
    team_call,
)

router = Router(tags=["me"])


class MembershipOut(Schema):
    organisation_id: int
    organisation: str
    profile: str
    role: Role


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    memberships: list[MembershipOut]


@router.get(
    "/me",
    response=documented({200: MeOut}, reads=False),
    summary="The signed-in person and their roles",
)
def me(request: HttpRequest) -> MeOut:
    user = request.auth  # type: ignore[attr-defined]
    memberships = [
        MembershipOut(
            organisation_id=m.organisation_id,
            organisation=m.organisation.name,
            profile=m.organisation.profile,
            role=m.role,
        )
        for m in user.memberships.select_related("organisation").order_by("organisation_id")
    ]
    return MeOut(
        id=user.pk, email=user.email, display_name=user.display_name, memberships=memberships
    )


# /api/v1/organisation: its rooms and its team ---------------------------------------------

organisation_router = Router(tags=["organisation"])

_WHICH = (
    "The organisation; by default the caller's only staff organisation (422 asking to choose "
    "when they are on the staff of several)."
)


class OrganisationQuery(PageQuery):
    organisation_id: int | None = Field(default=None, description=_WHICH)


class WhichOrganisation(Input):
    organisation_id: int | None = Field(default=None, description=_WHICH)


class RoomOut(Schema):
    id: int
    organisation_id: int
    name: str
    notes: str
    archived: bool
    archived_at: dt.datetime | None


class RoomListOut(Page[RoomOut]):
    pass


class RoomCreateIn(Input):
    name: str = Field(max_length=MAX_ROOM_NAME, description="Unique in the organisation")
    notes: str = Field(default="", max_length=MAX_ROOM_NOTES)


def _room_out(room: Room) -> RoomOut:
    return RoomOut(
        id=room.pk,
        organisation_id=room.organisation_id,
        name=room.name,
        notes=room.notes,
        archived=room.archived_at is not None,
        archived_at=room.archived_at,
    )


@organisation_router.get(
    "/rooms",
    response=documented({200: RoomListOut, 403: ErrorOut}),
    summary="The organisation's rooms, archived ones last (its staff)",
)
def rooms_list(request: HttpRequest, query: Query[OrganisationQuery]) -> RoomListOut:
    viewer = viewer_from_request(request)
    organisation = rooms_call(viewer, query.organisation_id, change=False)
    rooms, total = page_slice(room_list(organisation), query)
    return RoomListOut(
        items=[_room_out(r) for r in rooms], count=total, next=next_offset(query, total)
    )


@organisation_router.post(
    "/rooms",
    response=documented({201: RoomOut, 409: ErrorOut}, writes=True),
    summary="Add a room (org admins; 409 when the organisation already has a room of that name)",
)
def rooms_add(
    request: HttpRequest, payload: RoomCreateIn, which: Query[WhichOrganisation]
) -> Status[RoomOut] | Status[ErrorOut]:
    viewer = viewer_from_request(request)
    organisation = rooms_call(viewer, which.organisation_id, change=True)
    try:
        room = room_create(
            viewer=viewer, organisation=organisation, name=payload.name, notes=payload.notes
        )
    except AlreadyTaken as exc:
        return Status(409, ErrorOut(detail=" ".join(exc.messages)))
    return Status(201, _room_out(room))


class MemberOut(Schema):
    id: int = Field(description="The membership's id (deactivate and reactivate name it)")
    user_id: int
    email: str
    display_name: str
    role: StaffRole
    mfa: bool = Field(description="Whether they have set up an authenticator app")
    last_login: dt.datetime | None = Field(description="When they last signed in; null: never")
    active: bool
    deactivated_at: dt.datetime | None


class MemberListOut(Page[MemberOut]):
    pass


class InvitationOut(Schema):
    id: int
    organisation_id: int
    email: str
    display_name: str
    role: Role
    sent_at: dt.datetime
    expires_at: dt.datetime


class MemberInviteIn(Input):
    email: str = Field(max_length=254)
    role: StaffRole
    display_name: str = Field(
        default="", max_length=MAX_DISPLAY_NAME, description="By default the address's first part"
    )


class InvitationResendIn(Input):
    email: str | None = Field(
        default=None, max_length=254, description="A corrected address; by default the same one"
    )


def _member_out(member: Member) -> MemberOut:
    m = member.membership
    return MemberOut(
        id=m.pk,
        user_id=m.user_id,
        email=m.user.email,
        display_name=m.user.display_name,
        role=StaffRole(m.role),
        mfa=member.mfa,
        last_login=m.user.last_login,
        active=member.active,
        deactivated_at=m.deactivated_at,
    )


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk,
        organisation_id=invitation.organisation_id,
        email=invitation.email,
        display_name=invitation.display_name,
        role=Role(invitation.role),
        sent_at=invitation.sent_at,
        expires_at=invitation.expires_at,
    )


@organisation_router.get(
    "/members",
    response=documented({200: MemberListOut, 403: ErrorOut}),
    summary="The organisation's staff with their role, MFA, last sign-in and status (org admins)",
)
def members_list(request: HttpRequest, query: Query[OrganisationQuery]) -> MemberListOut:
    viewer = viewer_from_request(request)
    organisation = team_call(viewer, query.organisation_id, action="list the members of")
    rows = list(staff_memberships(organisation)[query.offset : query.offset + query.limit])
    total = staff_memberships(organisation).count()
    return MemberListOut(
        items=[_member_out(m) for m in members_with_mfa(rows)],
        count=total,
        next=next_offset(query, total),
    )


@organisation_router.post(
    "/members",
    response=documented({201: InvitationOut, 409: ErrorOut}, writes=True),
    summary="Invite a member of staff by e-mail (org admins; 409 for a person already in the "
    "organisation, active or not, or already invited and not yet accepted)",
)
def members_invite(
    request: HttpRequest, payload: MemberInviteIn, which: Query[WhichOrganisation]
) -> Status[InvitationOut] | Status[ErrorOut]:
    viewer = viewer_from_request(request)
    organisation = team_call(viewer, which.organisation_id, action="invite staff to")
    try:
        invitation, _link = staff_invite(
            viewer=viewer,
            organisation=organisation,
            email=payload.email,
            role=payload.role,
            display_name=payload.display_name,
        )
    except AlreadyTaken as exc:
        return Status(409, ErrorOut(detail=" ".join(exc.messages)))
    return Status(201, _invitation_out(invitation))


def _member_answer(membership: Membership) -> MemberOut:
    (member,) = members_with_mfa([membership])
    return _member_out(member)


@organisation_router.post(
    "/members/{membership_id}/deactivate",
    response=documented({200: MemberOut}, writes=True),
    summary="Deactivate a member of staff: signed out at once, records kept (org admins; not "
    "oneself, never the last active org admin)",
)
def member_deactivate_api(request: HttpRequest, membership_id: int) -> MemberOut:
    viewer = viewer_from_request(request)
    membership = get_member_for(viewer, membership_id)
    return _member_answer(member_deactivate(viewer=viewer, membership=membership))


@organisation_router.post(
    "/members/{membership_id}/reactivate",
    response=documented({200: MemberOut}, writes=True),
    summary="Reactivate a deactivated member of staff (org admins)",
)
def member_reactivate_api(request: HttpRequest, membership_id: int) -> MemberOut:
    viewer = viewer_from_request(request)
    membership = get_member_for(viewer, membership_id)
    return _member_answer(member_reactivate(viewer=viewer, membership=membership))


@organisation_router.post(
    "/invitations/{invitation_id}/resend",
    response=documented({200: InvitationOut}, writes=True),
    summary="Send a staff invitation again with a new link, to a corrected address if given "
    "(org admins; the old link stops working; `{}` resends to the same address)",
)
def invitation_resend_api(
    request: HttpRequest, invitation_id: int, payload: InvitationResendIn
) -> InvitationOut:
    viewer = viewer_from_request(request)
    invitation = get_staff_invitation_for(viewer, invitation_id)
    invitation, _link = invitation_resend(viewer=viewer, invitation=invitation, email=payload.email)
    return _invitation_out(invitation)


@organisation_router.post(
    "/invitations/{invitation_id}/revoke",
    response=documented({200: InvitationOut}, writes=True),
    summary="Revoke a staff invitation not yet accepted (org admins)",
)
def invitation_revoke_api(request: HttpRequest, invitation_id: int) -> InvitationOut:
    viewer = viewer_from_request(request)
    invitation = get_staff_invitation_for(viewer, invitation_id)
    return _invitation_out(invitation_revoke(viewer=viewer, invitation=invitation))
