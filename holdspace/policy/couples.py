"""Couples: which couples a viewer sees, and the audited getter (404 for the others)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from holdspace.accounts.models import Role
from holdspace.couples.models import Couple
from holdspace.policy.core import _ORG_WIDE_ROLES, Viewer, deny


def couples_visible_to(viewer: Viewer, organisation_id: int | None = None) -> QuerySet[Couple]:
    """Every couple the viewer may see, optionally within one organisation."""
    wide = viewer.orgs_with(_ORG_WIDE_ROLES)
    facilitating = viewer.orgs_with({Role.FACILITATOR})
    partnering = viewer.orgs_with({Role.PARTNER})
    condition = Q(organisation_id__in=wide)
    if facilitating:
        team_ids = viewer.user.care_teams.filter(organisation_id__in=facilitating).values(
            "couple_id"
        )
        condition |= Q(id__in=team_ids)
    if partnering:
        own_ids = viewer.user.partnerships.filter(organisation_id__in=partnering).values(
            "couple_id"
        )
        condition |= Q(id__in=own_ids)
    queryset = Couple.objects.filter(condition)
    if organisation_id is not None:
        queryset = queryset.filter(organisation_id=organisation_id)
    return queryset


def get_couple_for(viewer: Viewer, couple_id: int) -> Couple:
    couple = Couple.with_people(
        couples_visible_to(viewer).select_related("organisation").filter(pk=couple_id)
    ).first()
    if couple is None:
        existing = Couple.objects.filter(pk=couple_id).values_list("organisation_id", flat=True)
        raise deny(
            viewer,
            what="couple",
            object_id=couple_id,
            organisation_id=existing.first(),
            couple_id=couple_id if existing else None,
        )
    return couple
