"""Reads of the reports app, each allowed by holdspace/policy/reports.py and audited here:

- `program_outcomes`: how the organisation's partners changed, per instrument, with no person
  named;
- `measures_csv`: the de-identified research export of measures, one row per partner ×
  timepoint × instrument, with no names, e-mail addresses, dates or free text: stable
  pseudonyms instead.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from holdspace.audit.actions import Action
from holdspace.measures.library import get_instrument
from holdspace.measures.models import MeasureResponse, Timepoint
from holdspace.measures.scoring import reliable_change
from holdspace.policy.core import Viewer
from holdspace.policy.reports import require_export
from holdspace.reports.pseudonyms import pseudonym


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
    pairs = _baseline_and_latest(organisation_id)
    outcomes = [_outcome(code, pairs[code]) for code in sorted(pairs)]
    viewer.audit(
        Action.OUTCOMES_READ,
        organisation_id=organisation_id,
        object_type="program_outcomes",
        instruments=[o.code for o in outcomes],
    )
    return outcomes


def _baseline_and_latest(organisation_id: int) -> dict[str, list[tuple[float, float]]]:
    """Per instrument, (baseline, latest later score) of each partner who has both."""
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
    return pairs


def _outcome(code: str, changes: list[tuple[float, float]]) -> InstrumentOutcome:
    instrument = get_instrument(code)
    count = len(changes)
    improved = deteriorated = None
    if instrument.reliable_change is not None:
        statuses = [reliable_change(instrument, a, b).status for a, b in changes]
        improved = statuses.count("improved") / count
        deteriorated = statuses.count("deteriorated") / count
    return InstrumentOutcome(
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


FIXED_COLUMNS = [
    "couple",
    "partner",
    "partner_slot",
    "instrument",
    "instrument_version",
    "timepoint",
    "days_since_first_baseline",
    "total",
    "band",
    "missing_items",
    "administered_by_staff",
]


def measures_csv(*, viewer: Viewer, organisation_id: int) -> str:
    """The current (not superseded) scored responses of one organisation, as CSV text."""
    require_export(viewer, organisation_id)
    responses = list(
        MeasureResponse.objects.filter(organisation_id=organisation_id, superseded_by__isnull=True)
        .select_related("couple")
        .prefetch_related("couple__partners")
        .order_by("couple_id", "partner_id", "instrument", "created_at")
    )
    # Dates identify people: the export counts days from each couple's first baseline instead.
    first_baseline: dict[int, datetime] = {}
    for response in responses:
        if response.timepoint == Timepoint.BASELINE:
            seen = first_baseline.get(response.couple_id)
            if seen is None or response.created_at < seen:
                first_baseline[response.couple_id] = response.created_at
    subscale_ids = sorted({key for r in responses for key in r.subscales})
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(FIXED_COLUMNS + [f"subscale_{key}" for key in subscale_ids])
    for response in responses:
        slots = {p.user_id: p.slot for p in response.couple.partners.all()}
        start = first_baseline.get(response.couple_id)
        days = (response.created_at - start).days if start is not None else ""
        writer.writerow(
            [
                pseudonym("couple", organisation_id, response.couple_id),
                pseudonym("partner", organisation_id, response.partner_id),
                slots.get(response.partner_id, ""),
                response.instrument,
                response.instrument_version,
                response.timepoint,
                days,
                "" if response.total is None else f"{response.total:g}",
                response.band,
                len(response.missing),
                int(response.administered_by_id is not None),
                *[
                    "" if response.subscales.get(key) is None else f"{response.subscales[key]:g}"
                    for key in subscale_ids
                ],
            ]
        )
    viewer.audit(
        Action.EXPORT_MEASURES,
        organisation_id=organisation_id,
        object_type="measures_csv",
        rows=len(responses),
    )
    return output.getvalue()
