"""The de-identified research export of measures: one row per partner × timepoint ×
instrument, no names, e-mail addresses, dates or free text; stable pseudonyms instead."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from holdspace.audit.actions import Action
from holdspace.measures.models import MeasureResponse, Timepoint
from holdspace.policy import Viewer, require_export
from holdspace.reports.pseudonyms import pseudonym

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
