"""Reads of measure responses and safety alerts, through the policy, audited."""

from __future__ import annotations

from dataclasses import dataclass

from holdspace.couples.models import Couple
from holdspace.measures.library import Instrument
from holdspace.measures.models import MeasureResponse, SafetyAlert, Timepoint
from holdspace.measures.schedule import instrument_for, instruments_at
from holdspace.policy import Viewer, alerts_visible_to, is_partner_of, responses_visible_to


def response_list(*, viewer: Viewer, couple: Couple) -> list[MeasureResponse]:
    """Every response the viewer may see for COUPLE, oldest first, superseded ones included
    (each names the one it supersedes)."""
    responses = list(responses_visible_to(viewer, couple).order_by("created_at", "id"))
    viewer.audit(
        action="measure.list",
        organisation_id=couple.organisation_id,
        object_type="measure_response",
        couple_id=couple.pk,
        detail={"ids": [response.pk for response in responses]},
    )
    return responses


@dataclass(frozen=True)
class DueMeasure:
    instrument: Instrument
    timepoint: str

    @property
    def timepoint_label(self) -> str:
        return str(Timepoint(self.timepoint).label)


def due_measures(*, viewer: Viewer, couple: Couple) -> list[DueMeasure]:
    """What this partner has still to complete now: the baseline set of the organisation's
    profile, less what they completed (later timepoints follow the medicine sessions)."""
    if not is_partner_of(viewer, couple):
        return []
    codes = instruments_at(couple.organisation.profile, Timepoint.BASELINE)
    done = set(
        responses_visible_to(viewer, couple)
        .filter(timepoint=Timepoint.BASELINE, instrument__in=codes)
        .values_list("instrument", flat=True)
    )
    due = []
    for code in codes:
        if code in done:
            continue
        instrument = instrument_for(couple.organisation.slug, code)
        if instrument is not None:
            due.append(DueMeasure(instrument, Timepoint.BASELINE))
    return due


def open_alerts(
    *, viewer: Viewer, organisation_id: int, couple: Couple | None = None, limit: int = 50
) -> list[SafetyAlert]:
    """Unacknowledged safety alerts the viewer cares for, newest first."""
    alerts = alerts_visible_to(viewer, organisation_id).filter(acknowledged_at__isnull=True)
    if couple is not None:
        alerts = alerts.filter(couple=couple)
    found = list(alerts.select_related("couple", "partner", "response")[:limit])
    if found:
        viewer.audit(
            action="alert.list",
            organisation_id=organisation_id,
            object_type="safety_alert",
            couple_id=couple.pk if couple is not None else None,
            detail={"ids": [alert.pk for alert in found]},
        )
    return found
