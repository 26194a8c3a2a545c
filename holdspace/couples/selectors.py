"""Reads of couples and entries, scoped by the policy and audited as reads of clinical data."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from holdspace.accounts.models import Membership, Organisation, Role
from holdspace.audit.actions import Action
from holdspace.couples.models import CareTeamMember, Couple, Entry, Partner, Stage
from holdspace.policy.core import Viewer
from holdspace.policy.couples import (
    couple_access_for,
    couples_visible_to,
    get_couple_for,
    own_couples_of,
)
from holdspace.policy.entries import entries_visible_to, get_entry_for

COUPLES_PER_PAGE = 50
ENTRIES_PER_PAGE = 50


@dataclass(frozen=True)
class PersonSummary:
    user_id: int
    display_name: str
    slot: str = ""


@dataclass(frozen=True)
class CoupleSummary:
    """A couple as lists show it: plain values, no model instances to build per row."""

    id: int
    organisation_id: int
    name: str
    stage: str
    partners: list[PersonSummary]
    care_team: list[PersonSummary]

    @property
    def stage_label(self) -> str:
        return str(Stage(self.stage).label)


def couple_list(
    *,
    viewer: Viewer,
    organisation_id: int | None = None,
    search: str = "",
    page: int = 1,
    per_page: int = COUPLES_PER_PAGE,
) -> Page[CoupleSummary]:
    """One page of the couples the viewer may see, each with its partners and care team.

    Three queries whatever the page size (plus the paginator's count): the couples, then
    the partners and the care team of just those couples.
    """
    rows = _couple_rows(viewer, organisation_id, search)
    result = Paginator(rows, per_page).get_page(page)
    summaries = _summarise(list(result.object_list))
    # Same page and paginator, with the rows made into summaries.
    summary_page: Page[CoupleSummary] = Page(summaries, result.number, result.paginator)  # type: ignore[arg-type]
    viewer.audit(
        Action.COUPLE_LIST,
        organisation_id=organisation_id,
        object_type="couple",
        detail={
            "page": result.number,
            "ids": [c.id for c in summaries],
            **({"search": True} if search else {}),
        },
    )
    return summary_page


def couple_slice(
    *, viewer: Viewer, search: str = "", limit: int = COUPLES_PER_PAGE, offset: int = 0
) -> tuple[list[CoupleSummary], int]:
    """The couples the viewer may see from OFFSET, at most LIMIT (as the API pages lists), and
    how many there are in all; the same queries as `couple_list`."""
    rows = _couple_rows(viewer, None, search)
    total = rows.count()
    summaries = _summarise(list(rows[offset : offset + limit]))
    viewer.audit(
        Action.COUPLE_LIST,
        object_type="couple",
        detail={
            "offset": offset,
            "ids": [c.id for c in summaries],
            **({"search": True} if search else {}),
        },
    )
    return summaries, total


def _couple_rows(
    viewer: Viewer, organisation_id: int | None, search: str
) -> QuerySet[Couple, tuple[int, int, str, str]]:
    queryset = couples_visible_to(viewer, organisation_id).order_by("name", "id")
    search = search.strip()
    if search:
        queryset = queryset.filter(name__icontains=search)
    return queryset.values_list("id", "organisation_id", "name", "stage")


def _summarise(rows: list[tuple[int, int, str, str]]) -> list[CoupleSummary]:
    """ROWS (id, organisation, name, stage) with their partners and care team: two queries."""
    ids = [row[0] for row in rows]
    partners: dict[int, list[PersonSummary]] = {couple_id: [] for couple_id in ids}
    care_team: dict[int, list[PersonSummary]] = {couple_id: [] for couple_id in ids}
    for couple_id, user_id, name, slot in (
        Partner.objects.filter(couple_id__in=ids)
        .order_by("slot")
        .values_list("couple_id", "user_id", "user__display_name", "slot")
    ):
        partners[couple_id].append(PersonSummary(user_id, name, slot))
    for couple_id, user_id, name in (
        CareTeamMember.objects.filter(couple_id__in=ids)
        .order_by("id")
        .values_list("couple_id", "user_id", "user__display_name")
    ):
        care_team[couple_id].append(PersonSummary(user_id, name))
    return [
        CoupleSummary(row[0], row[1], row[2], row[3], partners[row[0]], care_team[row[0]])
        for row in rows
    ]


def _newest_entries(
    viewer: Viewer, couple: Couple, limit: int, offset: int = 0
) -> tuple[list[Entry], int]:
    visible = entries_visible_to(viewer, couple)
    total = visible.count()
    page = visible.select_related("author").defer("author__password")[offset : offset + limit]
    return list(page), total


def entry_list(
    *, viewer: Viewer, couple: Couple, limit: int = ENTRIES_PER_PAGE, offset: int = 0
) -> tuple[list[Entry], int]:
    """The newest entries of COUPLE the viewer may read, and how many there are in all."""
    entries, total = _newest_entries(viewer, couple, limit, offset)
    viewer.audit(
        Action.ENTRY_LIST,
        organisation_id=couple.organisation_id,
        couple_id=couple.pk,
        object_type="entry",
        ids=[entry.pk for entry in entries],
    )
    return entries, total


@dataclass(frozen=True)
class CoupleRead:
    """A couple as its page and the API show it: its people, the newest entries the viewer may
    read, and how the viewer stands to it."""

    couple: Couple
    partners: list[Partner]
    care_team: list[CareTeamMember]
    entries: list[Entry]
    entry_total: int
    viewer_is_partner: bool
    viewer_is_care_team: bool
    can_write: bool
    # For a partner: what they wrote, and what their partner shared with the couple.
    mine: list[Entry]
    shared_with_me: list[Entry]


def couple_read(*, viewer: Viewer, couple_id: int) -> CoupleRead:
    """The couple VIEWER may see (404 otherwise), with its newest entries they may read; one
    audit event: the couple, and which of its entries were shown."""
    couple = get_couple_for(viewer, couple_id)
    entries, total = _newest_entries(viewer, couple, ENTRIES_PER_PAGE)
    viewer.audit(Action.COUPLE_READ, couple, entry_ids=[entry.pk for entry in entries])
    access = couple_access_for(viewer, couple)
    me = viewer.user.pk
    return CoupleRead(
        couple=couple,
        partners=couple.loaded_partners,
        care_team=couple.loaded_care_team,
        entries=entries,
        entry_total=total,
        viewer_is_partner=access.is_partner,
        viewer_is_care_team=access.is_care_team,
        can_write=access.writes_entries,
        mine=[e for e in entries if access.is_partner and e.author_id == me],
        shared_with_me=[e for e in entries if access.is_partner and e.author_id != me],
    )


def partner_couples(*, viewer: Viewer) -> list[Couple]:
    """The couples the viewer is a partner of (usually one), for the portal."""
    queryset = own_couples_of(viewer).select_related("organisation")
    couples = list(Couple.with_people(queryset).order_by("name"))
    if len(couples) > 1:  # a single couple is opened straight away, and its page is audited
        for couple in couples:
            viewer.audit(Action.COUPLE_LIST, couple, object_id="")
    return couples


def entry_read(*, viewer: Viewer, couple_id: int, entry_id: int) -> tuple[Couple, Entry]:
    """One entry the viewer may read, with its couple; the read is audited."""
    couple = get_couple_for(viewer, couple_id)
    entry = get_entry_for(viewer, couple, entry_id)
    viewer.audit(Action.ENTRY_READ, entry)
    return couple, entry


def facilitators_of(organisation: Organisation) -> QuerySet[Membership]:
    """The organisation's facilitators, who may join a couple's care team."""
    return Membership.objects.filter(
        organisation=organisation, role=Role.FACILITATOR
    ).select_related("user")
