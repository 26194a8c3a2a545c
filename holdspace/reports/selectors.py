"""Program outcomes: how the organisation's partners changed, per instrument."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from holdspace.audit.actions import Action
from holdspace.measures.library import get_instrument
from holdspace.measures.models import MeasureResponse, Timepoint
from holdspace.measures.scoring import reliable_change
from holdspace.policy import Viewer, require_export


@dataclass(frozen=True)
class InstrumentOutcome:
    code: str
    name: str
    partners: int  # with a baseline and at least one later score
    mean_baseline: float
    mean_latest: float
    mean_change: float  # latest minus baseline
    improved: float | None  # share reliably improved, 0–1; None without a reliable-change figure
    deteriorated: float | None
    higher_is_better: bool


def program_outcomes(*, viewer: Viewer, organisation_id: int) -> list[InstrumentOutcome]:
    """For each instrument: partners with a baseline and a later score, the mean change from
    baseline to their latest score, and the share whose change was reliable either way.
    Two queries, whatever the size of the organisation."""
    require_export(viewer, organisation_id)
    current = MeasureResponse.objects.filter(
        organisation_id=organisation_id, superseded_by__isnull=True, total__isnull=False
    )
    baselines = {
        (partner, code): total
        for partner, code, total in current.filter(timepoint=Timepoint.BASELINE).values_list(
            "partner_id", "instrument", "total"
        )
    }
    latest = (
        current.exclude(timepoint=Timepoint.BASELINE)
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("partner_id"), F("instrument")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(newest=1)
        .values_list("partner_id", "instrument", "total")
    )
    pairs: dict[str, list[tuple[float, float]]] = {}
    for partner, code, total in latest:
        start = baselines.get((partner, code))
        if start is not None and total is not None:
            pairs.setdefault(code, []).append((start, total))
    outcomes = []
    for code in sorted(pairs):
        instrument = get_instrument(code)
        changes = pairs[code]
        count = len(changes)
        improved = deteriorated = None
        if instrument.reliable_change is not None:
            statuses = [reliable_change(instrument, a, b).status for a, b in changes]
            improved = statuses.count("improved") / count
            deteriorated = statuses.count("deteriorated") / count
        outcomes.append(
            InstrumentOutcome(
                code=code,
                name=instrument.name,
                partners=count,
                mean_baseline=sum(a for a, _b in changes) / count,
                mean_latest=sum(b for _a, b in changes) / count,
                mean_change=sum(b - a for a, b in changes) / count,
                improved=improved,
                deteriorated=deteriorated,
                higher_is_better=instrument.scoring.higher_is_better,
            )
        )
    viewer.audit(
        Action.OUTCOMES_READ,
        organisation_id=organisation_id,
        object_type="program_outcomes",
        instruments=[o.code for o in outcomes],
    )
    return outcomes
