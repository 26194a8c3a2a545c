"""Reads of screenings, through the policy, audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from holdspace.audit.actions import Action
from holdspace.couples.models import Couple, Partner, Stage
from holdspace.policy.core import Viewer
from holdspace.policy.screening import (
    get_screening_findings_for,
    org_screenings_visible_to,
    screenings_visible_to,
)
from holdspace.screening.models import Decision, Screening, ScreeningOverride
from holdspace.screening.rules import rule_set


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


def _in_force(screenings: list[Screening]) -> dict[tuple[int, str], Screening]:
    """Per partner and substance, the newest screening, its `latest_override` set to the
    clinical lead's decision in force: the newest override, of this screening or of an earlier
    one, made after it. A lead's earlier decision does not outrank a later re-answer (that one
    is decided against it when it is saved); a lead's decision made later does."""
    found: dict[tuple[int, str], Screening] = {}
    overrides: dict[tuple[int, str], list[ScreeningOverride]] = {}
    for screening in screenings:  # newest first
        key = (screening.partner_id, screening.substance)
        found.setdefault(key, screening)
        own = getattr(screening, "override_list", None)
        if own is None:
            own = list(screening.overrides.select_related("decided_by"))
        overrides.setdefault(key, []).extend(own)
    for key, newest in found.items():
        later = [
            o
            for o in overrides[key]
            if o.screening_id == newest.pk or o.created_at > newest.created_at
        ]
        later.sort(key=lambda o: (o.created_at, o.pk), reverse=True)
        newest.latest_override = later[0] if later else None  # type: ignore[attr-defined]
    return found


def latest_screenings(couple: Couple, substance: str | None = None) -> dict[int, Screening]:
    """Each partner's screening in force (for SUBSTANCE if given, else their newest of any
    substance), `effective_decision` being the decision in force; not access-checked: callers
    pass a couple the viewer may see and show what policy allows."""
    queryset = Screening.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if substance:
        queryset = queryset.filter(substance=substance)
    newest: dict[int, Screening] = {}
    screenings = list(_prefetched(queryset).order_by("-created_at", "-id"))
    for screening in _in_force(screenings).values():  # in the order of their newest
        newest.setdefault(screening.partner_id, screening)
    return newest


def screening_in_force(couple: Couple, partner_id: int, substance: str) -> Screening | None:
    """The partner's screening in force for SUBSTANCE (see `latest_screenings`); not
    access-checked, for the service that decides a new screening against it."""
    return latest_screenings_of(
        Screening.objects.filter(
            organisation_id=couple.organisation_id,
            couple=couple,
            partner_id=partner_id,
            substance=substance,
        )
    ).get((partner_id, substance))


def latest_screenings_of(queryset: QuerySet[Screening]) -> dict[tuple[int, str], Screening]:
    return _in_force(list(_prefetched(queryset).order_by("-created_at", "-id")))


def screening_read(*, viewer: Viewer, couple: Couple, screening_id: int) -> Screening:
    """One screening with its findings, for the care team (404, audited, for anyone else: a
    partner's own answers are theirs, the findings are for the care team to explain)."""
    screening = get_screening_findings_for(viewer, couple, screening_id)
    screening = with_latest_override(list(_prefetched(Screening.objects.filter(pk=screening.pk))))[
        0
    ]
    with_earlier([screening], screenings_visible_to(viewer, couple))
    screening.couple = couple
    viewer.audit(Action.SCREENING_READ, screening)
    return screening


def screening_answered_last(*, viewer: Viewer, couple: Couple, partner_id: int) -> Screening | None:
    """The partner's newest screening, to open the form with what they answered last; the
    partner's own or their care team's to read (anyone else has met a 404 before this)."""
    screening = (
        screenings_visible_to(viewer, couple)
        .filter(partner_id=partner_id)
        .order_by("-created_at", "-id")
        .first()
    )
    if screening is not None:
        viewer.audit(
            Action.SCREENING_READ,
            organisation_id=couple.organisation_id,
            object_type="screening",
            object_id=screening.pk,
            couple_id=couple.pk,
            detail={"for": "answer again"},
        )
    return screening


def screenings_awaiting_decision(*, viewer: Viewer, organisation_id: int) -> list[Screening]:
    """Screenings in force that need a clinical lead's decision (needs clinical review, and no
    lead has decided since), in couples still in care, oldest first: the clinical lead sees the
    whole organisation's, a facilitator their couples'. A re-answer that would have lowered an
    earlier decision is among them, its finding naming the earlier screening."""
    visible = org_screenings_visible_to(viewer, organisation_id)
    awaiting = awaiting_decision_among(visible)
    with_earlier(awaiting, visible.exclude(couple__stage=Stage.CLOSED))
    if awaiting:
        viewer.audit(
            Action.SCREENING_LIST,
            organisation_id=organisation_id,
            object_type="screening",
            ids=[s.pk for s in awaiting],
            awaiting_decision=True,
        )
    return awaiting


def awaiting_decision_among(screenings: QuerySet[Screening]) -> list[Screening]:
    """Of SCREENINGS (scoped by the policy), those in force that need a clinical lead's
    decision, in couples still in care, oldest first, each with its couple and partner; not
    audited (the caller audits its read)."""
    visible = screenings.exclude(couple__stage=Stage.CLOSED)
    couple_ids = set(
        visible.filter(Q(decision=Decision.REVIEW) | Q(overrides__decision=Decision.REVIEW))
        .values_list("couple_id", flat=True)
        .distinct()
    )
    if not couple_ids:
        return []
    in_force = latest_screenings_of(
        visible.filter(couple_id__in=couple_ids).select_related("couple", "partner")
    ).values()
    return sorted(
        (s for s in in_force if s.effective_decision == Decision.REVIEW),
        key=lambda s: (s.created_at, s.pk),
    )


def with_earlier(screenings: list[Screening], visible: QuerySet[Screening]) -> list[Screening]:
    """Sets `earlier` on each re-answer that would have lowered an earlier decision: that
    screening (of VISIBLE), its `decision_then` the decision in force when the partner answered
    again (a clinical lead's made before then, else the engine's); None where there is none."""
    ids = {s.lowered_from for s in screenings if s.lowered_from}
    found = {e.pk: e for e in _prefetched(visible.filter(pk__in=ids))} if ids else {}
    for screening in screenings:
        earlier = found.get(screening.lowered_from or 0)
        if earlier is not None:
            before = [
                o
                for o in getattr(earlier, "override_list", [])
                if o.created_at < screening.created_at
            ]
            earlier.override_then = before[0] if before else None  # type: ignore[attr-defined]
            earlier.decision_then = Decision(  # type: ignore[attr-defined]
                before[0].decision if before else earlier.decision
            ).label
        screening.earlier = earlier  # type: ignore[attr-defined]
    return screenings


def screening_answered_again(
    *, viewer: Viewer, couple: Couple, screening: Screening
) -> Screening | None:
    """The partner's newest screening for the same substance answered after SCREENING, of
    those the viewer may see, its `latest_override` and `earlier` set; None if it is the
    newest."""
    visible = screenings_visible_to(viewer, couple)
    newer = list(
        _prefetched(
            visible.filter(partner_id=screening.partner_id, substance=screening.substance).filter(
                Q(created_at__gt=screening.created_at)
                | Q(created_at=screening.created_at, pk__gt=screening.pk)
            )
        ).order_by("-created_at", "-id")[:1]
    )
    if not newer:
        return None
    viewer.audit(
        Action.SCREENING_READ,
        organisation_id=couple.organisation_id,
        object_type="screening",
        object_id=newer[0].pk,
        couple_id=couple.pk,
        detail={"for": f"answered again after #{screening.pk}"},
    )
    return with_earlier(with_latest_override(newer), visible)[0]


@dataclass(frozen=True)
class ScreeningPage:
    """A screening's page for the care team: the answers in the rule set's words, the clinical
    leads' decisions on it, and the partner's newer answer if there is one."""

    couple: Couple
    screening: Screening
    partner: Partner | None
    conditions: list[str]
    answers: list[tuple[str, bool]]
    overrides: list[ScreeningOverride]
    answered_again: Screening | None


def screening_page(*, viewer: Viewer, couple: Couple, screening: Screening) -> ScreeningPage:
    """SCREENING (from screening_read) with what its page shows beside it."""
    rules = rule_set()
    return ScreeningPage(
        couple=couple,
        screening=screening,
        partner=next(
            (p for p in couple.loaded_partners if p.user_id == screening.partner_id), None
        ),
        conditions=[
            rules.conditions[c].label for c in screening.conditions if c in rules.conditions
        ],
        answers=[
            (rules.questions[code].text, value)
            for code, value in screening.answers.items()
            if code in rules.questions
        ],
        overrides=getattr(screening, "override_list", []),
        answered_again=screening_answered_again(viewer=viewer, couple=couple, screening=screening),
    )
