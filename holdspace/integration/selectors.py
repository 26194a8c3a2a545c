"""Commitments with their adherence over time, in three queries for a couple."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from holdspace.couples.models import Couple
from holdspace.integration.models import (
    CADENCE_DAYS,
    Cadence,
    CheckIn,
    Commitment,
    CommitmentRevision,
)

PERIODS_SHOWN = 8


@dataclass(frozen=True)
class Period:
    start: dt.date
    marks: list[tuple[str, str | None]]  # (partner name, done / missed / None)


@dataclass(frozen=True)
class CommitmentView:
    commitment: Commitment
    current: CommitmentRevision
    history: list[CommitmentRevision]
    keepers: list[tuple[int, str]]
    periods: list[Period]  # newest last
    adherence: int | None  # percent of expected check-ins marked done, over elapsed periods
    my_current: str | None  # the viewer's check-in for this period, when they keep it


def couple_commitments(couple: Couple, *, viewer_id: int | None = None) -> list[CommitmentView]:
    commitments = list(
        Commitment.objects.filter(organisation_id=couple.organisation_id, couple=couple).order_by(
            "created_at", "id"
        )
    )
    if not commitments:
        return []
    revisions: dict[int, list[CommitmentRevision]] = {c.pk: [] for c in commitments}
    for revision in (
        CommitmentRevision.objects.filter(commitment__in=commitments)
        .select_related("revised_by")
        .order_by("-created_at", "-id")
    ):
        revisions[revision.commitment_id].append(revision)
    marks: dict[tuple[int, int, dt.date], str] = {}
    for checkin in CheckIn.objects.filter(commitment__in=commitments).order_by(
        "-created_at", "-id"
    ):
        marks.setdefault(
            (checkin.commitment_id, checkin.partner_id, checkin.period_start), checkin.status
        )
    names = {p.user_id: p.user.display_name for p in couple.loaded_partners}
    today = timezone.localdate()
    views = []
    for commitment in commitments:
        history = revisions[commitment.pk]
        current = history[0]
        keepers = (
            [(current.partner_id, names.get(current.partner_id, ""))]
            if current.partner_id
            else list(names.items())
        )
        length = CADENCE_DAYS[Cadence(current.cadence)]
        starts: list[dt.date] = []
        start = current.starts_on
        while start <= today:
            starts.append(start)
            start += dt.timedelta(days=length)
        periods = [
            Period(s, [(name, marks.get((commitment.pk, uid, s))) for uid, name in keepers])
            for s in starts[-PERIODS_SHOWN:]
        ]
        # The current period counts once someone has checked in for it.
        current_marks = (
            sum(1 for uid, _n in keepers if (commitment.pk, uid, starts[-1]) in marks)
            if starts
            else 0
        )
        expected = max(len(starts) - 1, 0) * len(keepers) + current_marks
        done = sum(
            1 for s in starts for uid, _n in keepers if marks.get((commitment.pk, uid, s)) == "done"
        )
        mine = None
        if viewer_id is not None and any(uid == viewer_id for uid, _n in keepers) and starts:
            mine = marks.get((commitment.pk, viewer_id, starts[-1]))
        views.append(
            CommitmentView(
                commitment,
                current,
                history,
                keepers,
                periods,
                round(100 * done / expected) if expected else None,
                mine,
            )
        )
    return views
