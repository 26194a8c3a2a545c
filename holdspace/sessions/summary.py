"""The record of a medicine session after the fact (a selector): everything the care team
recorded, per partner and joint, with each correction shown beside what it corrects. Care team
only; its query count does not grow with the number of events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from holdspace.audit.actions import Action
from holdspace.couples.models import Partner
from holdspace.inventory.doses import DoseLedger, doses_in_ledger
from holdspace.measures.models import SafetyAlert
from holdspace.policy.core import Viewer
from holdspace.policy.sessions import get_medicine_session_for, require_session_care
from holdspace.screening.profiles import Profile, get_profile
from holdspace.sessions.charts import Reading, VitalLimits, vitals_svg
from holdspace.sessions.models import (
    DOSE_KINDS,
    Discharge,
    EventKind,
    MedicineSession,
    PartnerPlan,
    SessionEvent,
)
from holdspace.sessions.selectors import session_timeline

__all__ = ["DOSE_KINDS", "events_with_corrections", "session_summary_read"]

# The session summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One event of the session as it stands after its corrections."""

    event: SessionEvent
    corrections: list[SessionEvent]
    effective: dict[str, Any]  # its data with every correction applied, in the order made
    changed: dict[str, Any]  # only the values the corrections changed
    ledger: DoseLedger | None = None  # a dose from the product ledger: its lot and units

    @property
    def alerts(self) -> list[SafetyAlert]:
        found: list[SafetyAlert] = getattr(self.event, "alert_list", [])
        return found

    @property
    def amount_mg(self) -> float:
        return float(self.effective.get("amount_mg", 0))

    @property
    def correction_notes(self) -> list[CorrectionNote]:
        return [
            CorrectionNote(
                at=c.occurred_at,
                by=c.recorded_by.display_name,
                reason=str(c.data.get("reason", "")),
                changes=", ".join(
                    f"{_FIELD_LABELS.get(key, key.replace('_', ' '))} {value}"
                    for key, value in (c.data.get("data") or {}).items()
                ),
            )
            for c in self.corrections
        ]


@dataclass(frozen=True)
class CorrectionNote:
    at: dt.datetime
    by: str
    reason: str
    changes: str  # the corrected values, in words


_FIELD_LABELS = {
    "amount_mg": gettext_lazy("amount (mg)"),
    "heart_rate": gettext_lazy("heart rate"),
    "temperature_c": gettext_lazy("temperature (°C)"),
    "emergency_services": gettext_lazy("emergency services"),
    "medical_care": gettext_lazy("medical care"),
    "action_taken": gettext_lazy("action taken"),
    "covered_by": gettext_lazy("covered by"),
}


@dataclass(frozen=True)
class Duration:
    start: dt.datetime | None  # the first dose, or the session's start without one
    end: dt.datetime | None
    minutes: int | None
    minimum: int | None
    minimum_source: str
    from_first_dose: bool

    @property
    def met(self) -> bool:
        return (
            self.minutes is not None and self.minimum is not None and self.minutes >= self.minimum
        )

    @property
    def text(self) -> str:
        return _hours(self.minutes) if self.minutes is not None else ""

    @property
    def minimum_text(self) -> str:
        return _hours(self.minimum) if self.minimum is not None else ""


@dataclass(frozen=True)
class VitalRow:
    """A reading for the table beside the chart, with the values past the profile's limits."""

    item: Item
    past: frozenset[str]

    @property
    def pressure_past(self) -> bool:
        return bool(self.past & {"systolic", "diastolic"})

    @property
    def heart_rate_past(self) -> bool:
        return "heart_rate" in self.past

    @property
    def temperature_past(self) -> bool:
        return "temperature_c" in self.past


@dataclass
class PartnerRecord:
    partner: Partner
    plan: PartnerPlan | None
    doses: list[Item] = field(default_factory=list)
    vitals: list[Item] = field(default_factory=list)
    notes: list[Item] = field(default_factory=list)  # notes and observations about them
    touch: list[Item] = field(default_factory=list)
    adverse_events: list[Item] = field(default_factory=list)
    discharge: Discharge | None = None
    # The profile's discharge criteria in its words, each with whether it was confirmed.
    criteria: list[tuple[str, bool]] = field(default_factory=list)
    chart: str = ""
    vital_rows: list[VitalRow] = field(default_factory=list)

    @property
    def total_mg(self) -> float:
        return sum(item.amount_mg for item in self.doses)

    @property
    def alerts(self) -> list[SafetyAlert]:
        every = self.doses + self.vitals + self.notes + self.touch + self.adverse_events
        return sorted(
            (alert for item in every for alert in item.alerts), key=lambda a: (a.created_at, a.pk)
        )


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def _limits_text(limits: VitalLimits) -> str:
    """The alert limits in words, for beside the chart."""
    parts = []
    if limits.systolic_max is not None:
        parts.append(_("systolic above %(v)s mmHg") % {"v": f"{limits.systolic_max:g}"})
    if limits.diastolic_max is not None:
        parts.append(_("diastolic above %(v)s mmHg") % {"v": f"{limits.diastolic_max:g}"})
    if limits.heart_rate_max is not None:
        parts.append(_("heart rate above %(v)s bpm") % {"v": f"{limits.heart_rate_max:g}"})
    if limits.heart_rate_min is not None:
        parts.append(_("heart rate below %(v)s bpm") % {"v": f"{limits.heart_rate_min:g}"})
    if limits.temperature_max_c is not None:
        parts.append(_("temperature above %(v)s °C") % {"v": f"{limits.temperature_max_c:g}"})
    return ", ".join(parts)


def events_with_corrections(events: list[SessionEvent]) -> list[Item]:
    """EVENTS without the corrections, each with its corrections beside it. The corrections
    come from the timeline itself, so who recorded them is loaded without another query."""
    by_pk = {event.pk: event for event in events}
    items = []
    for event in events:
        if event.kind == EventKind.CORRECTION:
            continue
        corrections = [by_pk.get(c.pk, c) for c in getattr(event, "correction_list", [])]
        effective = dict(event.data)
        for correction in corrections:
            corrected = correction.data.get("data")
            if isinstance(corrected, Mapping):
                effective.update(corrected)
        changed = {k: v for k, v in effective.items() if event.data.get(k) != v}
        items.append(Item(event, corrections, effective, changed))
    return items


def _duration(session: MedicineSession, profile: Profile, records: list[PartnerRecord]) -> Duration:
    """From the first dose (or the start) to the end, against the longest minimum the profile
    sets for what each partner was given, or the planned minimum if that is longer."""
    first_doses = [r.doses[0].event.occurred_at for r in records if r.doses]
    start = min(first_doses) if first_doses else session.started_at
    end = session.ended_at
    minimum = session.minimum_minutes
    source = _("the plan") if minimum else ""
    for record in records:
        if record.doses:
            found = profile.minimum_minutes(session.substance, record.total_mg)
            if found is not None and found[0] >= (minimum or 0):
                minimum, source = found[0], found[1].source
    minutes = int((end - start).total_seconds() // 60) if start and end else None
    return Duration(start, end, minutes, minimum, source, bool(first_doses))


def _criteria(profile: Profile, discharge: Discharge | None) -> list[tuple[str, bool]]:
    if discharge is None:
        return []
    # Discharges recorded before the profile's list was stored kept only the two booleans.
    confirmed = set(discharge.criteria_confirmed) or {
        name
        for name, held in (
            ("effects_resolved", discharge.effects_resolved),
            ("oriented", discharge.oriented),
        )
        if held
    }
    return [(c.label, c.id in confirmed) for c in profile.discharge.criteria]


def session_summary_read(*, viewer: Viewer, session_id: int) -> dict[str, Any]:
    """The whole record of one medicine session, for its care team (403 for others who see
    it, 404 for everyone else); audited."""
    session = get_medicine_session_for(viewer, session_id)
    require_session_care(viewer, session, action="read the summary of")
    context = _summary(session)
    viewer.audit(Action.MEDICINE_SESSION_SUMMARY, session, events=context["event_count"])
    return context


def _summary(session: MedicineSession) -> dict[str, Any]:
    profile = get_profile(session.profile)
    events = session_timeline(session)
    records = _partner_records(session, profile)
    joint, adverse_events, joint_alerts = _sort_items(events_with_corrections(events), records)
    limits = _vital_limits(profile)
    ledger = doses_in_ledger(item.event for r in records.values() for item in r.doses)
    for record in records.values():
        record.doses = [replace(item, ledger=ledger.get(item.event.pk)) for item in record.doses]
        _chart(record, limits)
    ordered = list(records.values())
    return {
        "session": session,
        "couple": session.couple,
        "profile": profile,
        "facilitators": [f.user for f in session.facilitators.select_related("user")],
        "partners": ordered,
        "duration": _duration(session, profile, ordered),
        "adverse_events": adverse_events,
        "joint": joint,
        "joint_alerts": joint_alerts,
        "end": joint["end"][-1] if joint["end"] else None,
        "thresholds": profile.vital_thresholds,
        "limits_text": _limits_text(limits),
        "event_count": len(events),
    }


def _partner_records(session: MedicineSession, profile: Profile) -> dict[int, PartnerRecord]:
    """Each partner's record, with their plan and discharge, not yet filled with events."""
    plans = {p.partner_id: p for p in PartnerPlan.objects.filter(session=session)}
    discharges = {
        d.partner_id: d
        for d in Discharge.objects.filter(session=session).select_related("signed_off_by")
    }
    return {
        p.user_id: PartnerRecord(
            partner=p,
            plan=plans.get(p.user_id),
            discharge=discharges.get(p.user_id),
            criteria=_criteria(profile, discharges.get(p.user_id)),
        )
        for p in session.couple.loaded_partners
    }


def _sort_items(
    items: list[Item], records: dict[int, PartnerRecord]
) -> tuple[dict[str, list[Item]], list[tuple[Item, PartnerRecord | None]], list[SafetyAlert]]:
    """Each item into its partner's record by kind, or among the joint ones; the adverse
    events also into one list with their partner; and the alerts of joint events."""
    joint: dict[str, list[Item]] = {"note": [], "music": [], "monitoring_break": [], "end": []}
    adverse_events: list[tuple[Item, PartnerRecord | None]] = []
    joint_alerts: list[SafetyAlert] = []
    for item in items:
        kind, record = item.event.kind, records.get(item.event.partner_id or 0)
        if kind == EventKind.ADVERSE_EVENT:
            adverse_events.append((item, record))
            if record is not None:
                record.adverse_events.append(item)
            else:
                joint_alerts.extend(item.alerts)
            continue
        if record is None:
            joint.setdefault(kind, []).append(item)
            joint_alerts.extend(item.alerts)
        elif kind in DOSE_KINDS:
            record.doses.append(item)
        elif kind == EventKind.VITALS:
            record.vitals.append(item)
        elif kind == EventKind.TOUCH:
            record.touch.append(item)
        else:  # notes and observations about one partner
            record.notes.append(item)
    return joint, adverse_events, joint_alerts


def _vital_limits(profile: Profile) -> VitalLimits:
    thresholds = profile.vital_thresholds
    if thresholds is None:
        return VitalLimits()
    return VitalLimits(
        systolic_max=thresholds.systolic_max,
        diastolic_max=thresholds.diastolic_max,
        heart_rate_max=thresholds.heart_rate_max,
        heart_rate_min=thresholds.heart_rate_min,
        temperature_max_c=thresholds.temperature_max_c,
    )


def _chart(record: PartnerRecord, limits: VitalLimits) -> None:
    """The partner's vital signs as a table (values past the limits marked) and a chart."""
    record.vital_rows = [
        VitalRow(
            item,
            frozenset(
                name
                for name, value in item.effective.items()
                if isinstance(value, int | float) and limits.breached(name, float(value))
            ),
        )
        for item in record.vitals
    ]
    record.chart = vitals_svg(
        [
            Reading(
                taken_at=item.event.occurred_at,
                systolic=item.effective.get("systolic"),
                diastolic=item.effective.get("diastolic"),
                heart_rate=item.effective.get("heart_rate"),
                corrected=bool(item.changed),
            )
            for item in record.vitals
        ],
        chart_id=f"vitals-{record.partner.user_id}",
        name=record.partner.user.display_name,
        limits=limits,
        doses=[
            (item.event.occurred_at, f"{item.event.get_kind_display()} {item.amount_mg:g} mg")
            for item in record.doses
        ],
    )
