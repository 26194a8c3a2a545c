"""The shapes the couples API answers and takes: couples, partners, care teams, entries."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from holdspace.couples.models import (
    Entry,
    EntryKind,
    EntryReply,
    InvitationState,
    Stage,
    Visibility,
)
from holdspace.couples.selectors import CoupleSummary, PartnerInvitation
from holdspace.couples.services import MAX_COUPLE_NAME, MAX_ENTRY_LENGTH, MAX_REPLY_LENGTH
from holdspace.lib.api import Input, Page, PageQuery


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


class InvitationOut(Schema):
    id: int
    email: str
    display_name: str
    state: InvitationState
    created_at: datetime
    sent_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationListOut(Page[InvitationOut]):
    pass


class CoupleDetailOut(CoupleOut):
    care_team: list[CareTeamMemberOut]
    invitations: list[InvitationOut] = Field(
        description="The partners' invitations not yet accepted nor revoked, for those who look "
        "after the couple (its care team and the org admins); empty for anyone else."
    )


class CoupleUpdateIn(Input):
    name: str | None = Field(default=None, min_length=1, max_length=MAX_COUPLE_NAME)
    care_team: list[int] | None = Field(
        default=None,
        description="The user ids of the whole care team: active facilitators or clinical "
        "leads of the couple's organisation, at least one.",
    )


class PartnerInviteIn(Input):
    email: str = Field(min_length=1, max_length=254)
    display_name: str = Field(min_length=1, max_length=120)
    confirm: bool = Field(
        default=False,
        description="Invite even though this person is a partner in (or invited to) another "
        "couple of the organisation; without it that answers 409 with the warning.",
    )


class InvitationResendIn(Input):
    email: str | None = Field(
        default=None,
        max_length=254,
        description="A corrected address (before the partner accepts); the new link goes there.",
    )
    confirm: bool = Field(
        default=False,
        description="Send to an address that belongs to a partner of another couple of the "
        "organisation; without it that answers 409 with the warning.",
    )


class ReplyCreateIn(Input):
    body: str = Field(min_length=1, max_length=MAX_REPLY_LENGTH)


class ReplyOut(Schema):
    id: int
    entry_id: int
    author_id: int
    author_name: str
    body: str
    visibility: Visibility = Field(
        description="The entry's: a reply is read by exactly those who read its entry."
    )
    created_at: datetime


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
    team_read_at: datetime | None = Field(
        description="When the care team first read or replied to it (team and couple entries)."
    )
    replies: list[ReplyOut]


class EntryListOut(Page[EntryOut]):
    pass


class CoupleQuery(PageQuery):
    q: str = Field(
        default="",
        max_length=100,
        description="Part of the couple's name, or of a partner's name or e-mail address "
        "(joined or invited).",
    )
    stage: Stage | None = Field(default=None, description="Only couples at this stage.")
    facilitator: int | None = Field(
        default=None, description="Only couples with this user id in their care team."
    )


def couple_summary_out(couple: CoupleSummary) -> CoupleOut:
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


def invitation_out(invitation: PartnerInvitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        display_name=invitation.display_name,
        state=invitation.state,
        created_at=invitation.created_at,
        sent_at=invitation.sent_at,
        expires_at=invitation.expires_at,
        accepted_at=invitation.accepted_at,
        revoked_at=invitation.revoked_at,
    )


def reply_out(reply: EntryReply, entry: Entry) -> ReplyOut:
    return ReplyOut(
        id=reply.pk,
        entry_id=entry.pk,
        author_id=reply.author_id,
        author_name=reply.author.display_name,
        body=reply.body,
        visibility=Visibility(entry.visibility),
        created_at=reply.created_at,
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
        team_read_at=entry.team_read_at,
        replies=[reply_out(reply, entry) for reply in entry.loaded_replies],
    )
