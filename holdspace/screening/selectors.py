"""Reads of screenings, through the policy, audited."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from holdspace.couples.models import Couple
from holdspace.policy import Viewer, get_screening_for, screenings_visible_to
from holdspace.screening.models import Screening, ScreeningOverride


def with_latest_override(screenings: list[Screening]) -> list[Screening]:
    for screening in screenings:
        overrides = getattr(screening, "override_list", None)
        if overrides is None:
            overrides = list(screening.overrides.select_related("decided_by"))
        screening.latest_override = overrides[0] if overrides else None  # type: ignore[attr-defined]
    return screenings


def _prefetched(queryset: QuerySet[Screening]) -> QuerySet[Screening]:
    return queryset.select_related("partner", "entered_by").prefetch_related(
        Prefetch(
            "overrides",
            queryset=ScreeningOverride.objects.select_related("decided_by"),
            to_attr="override_list",
        )
    )


def latest_screenings(couple: Couple, substance: str | None = None) -> dict[int, Screening]:
    """Each partner's newest screening (for SUBSTANCE if given), with its latest override;
    not access-checked: callers pass a couple the viewer may see and show what policy allows."""
    queryset = Screening.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if substance:
        queryset = queryset.filter(substance=substance)
    newest: dict[int, Screening] = {}
    for screening in with_latest_override(
        list(_prefetched(queryset).order_by("-created_at", "-id"))
    ):
        newest.setdefault(screening.partner_id, screening)
    return newest


def screening_list(*, viewer: Viewer, couple: Couple) -> list[Screening]:
    screenings = with_latest_override(
        list(_prefetched(screenings_visible_to(viewer, couple)).order_by("-created_at", "-id"))
    )
    viewer.audit(
        action="screening.list",
        organisation_id=couple.organisation_id,
        object_type="screening",
        couple_id=couple.pk,
        detail={"ids": [s.pk for s in screenings]},
    )
    return screenings


def screening_read(*, viewer: Viewer, couple: Couple, screening_id: int) -> Screening:
    screening = get_screening_for(viewer, couple, screening_id)
    screening = with_latest_override(list(_prefetched(Screening.objects.filter(pk=screening.pk))))[
        0
    ]
    screening.couple = couple
    viewer.audit(
        action="screening.read",
        organisation_id=couple.organisation_id,
        object_type="screening",
        object_id=screening.pk,
        couple_id=couple.pk,
    )
    return screening
