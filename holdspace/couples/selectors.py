"""Reads of couples and entries, scoped by the policy and audited as reads of clinical data."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from holdspace.couples.models import CareTeamMember, Couple, Entry, Partner
from holdspace.policy import (
    Viewer,
    can_write_entries,
    couples_visible_to,
    entries_visible_to,
    get_couple_for,
    is_care_team_of,
    is_partner_of,
)

COUPLES_PER_PAGE = 50
ENTRIES_PER_PAGE = 50


def couple_list(
    *,
    viewer: Viewer,
    organisation_id: int | None = None,
    search: str = "",
    page: int = 1,
    per_page: int = COUPLES_PER_PAGE,
) -> Page[Couple]:
    """One page of the couples the viewer may see, with partners and care team loaded."""
    queryset = couples_visible_to(viewer, organisation_id).order_by("name", "id")
    search = search.strip()
    if search:
        queryset = queryset.filter(name__icontains=search)
    paginator = Paginator(Couple.with_people(queryset.select_related("organisation")), per_page)
    result = paginator.get_page(page)
    viewer.audit(
        action="couple.list",
        organisation_id=organisation_id,
        object_type="couple",
        detail={
            "page": result.number,
            "ids": [couple.pk for couple in result],
            **({"search": True} if search else {}),
        },
    )
    return result


def entry_list(
    *, viewer: Viewer, couple: Couple, limit: int = ENTRIES_PER_PAGE, offset: int = 0
) -> tuple[list[Entry], int]:
    """The newest entries of COUPLE the viewer may read, and how many there are in all."""
    visible = entries_visible_to(viewer, couple)
    total = visible.count()
    entries = list(visible.select_related("author")[offset : offset + limit])
    viewer.audit(
        action="entry.list",
        organisation_id=couple.organisation_id,
        object_type="entry",
        couple_id=couple.pk,
        detail={"ids": [entry.pk for entry in entries]},
    )
    return entries, total


@dataclass(frozen=True)
class CouplePage:
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


def couple_page(*, viewer: Viewer, couple_id: int) -> CouplePage:
    couple = get_couple_for(viewer, couple_id)
    visible = entries_visible_to(viewer, couple)
    total = visible.count()
    entries = list(visible.select_related("author")[:ENTRIES_PER_PAGE])
    # One event for the page: the couple, and which of its entries were shown.
    viewer.audit(
        action="couple.read",
        organisation_id=couple.organisation_id,
        object_type="couple",
        object_id=couple.pk,
        couple_id=couple.pk,
        detail={"entry_ids": [entry.pk for entry in entries]},
    )
    is_partner = is_partner_of(viewer, couple)
    me = viewer.user.pk
    return CouplePage(
        couple=couple,
        partners=couple.loaded_partners,
        care_team=couple.loaded_care_team,
        entries=entries,
        entry_total=total,
        viewer_is_partner=is_partner,
        viewer_is_care_team=is_care_team_of(viewer, couple),
        can_write=can_write_entries(viewer, couple),
        mine=[e for e in entries if is_partner and e.author_id == me],
        shared_with_me=[e for e in entries if is_partner and e.author_id != me],
    )


def partner_couples(*, viewer: Viewer) -> list[Couple]:
    """The couples the viewer is a partner of (usually one), for the portal."""
    ids = [org for org, role in viewer.roles.items() if role == "partner"]
    queryset = Couple.objects.filter(
        organisation_id__in=ids, partners__user=viewer.user
    ).select_related("organisation")
    return list(Couple.with_people(queryset).order_by("name"))


def entry_read(*, viewer: Viewer, couple_id: int, entry_id: int) -> tuple[Couple, Entry]:
    """One entry the viewer may read, with its couple; the read is audited."""
    from holdspace.policy import get_entry_for

    couple = get_couple_for(viewer, couple_id)
    entry = get_entry_for(viewer, couple, entry_id)
    viewer.audit(
        action="entry.read",
        organisation_id=couple.organisation_id,
        object_type="entry",
        object_id=entry.pk,
        couple_id=couple.pk,
    )
    return couple, entry
