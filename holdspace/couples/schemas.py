"""The shapes the couples API answers and takes: couples, partners, care teams, entries."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from holdspace.couples.models import Entry, EntryKind, Stage, Visibility
from holdspace.couples.selectors import CoupleSummary
from holdspace.couples.services import MAX_ENTRY_LENGTH
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
