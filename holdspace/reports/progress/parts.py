"""The sections of the couple progress report, each read through holdspace.policy and
narrowed to its variant, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from holdspace.couples.models import Couple, EntryKind, Visibility
from holdspace.integration.models import IntegrationOffer, IntegrationSession
from holdspace.measures.charts import Point, Series, trajectory_svg
from holdspace.measures.library import Instrument, get_instrument
from holdspace.measures.models import MeasureResponse, Timepoint
from holdspace.measures.scoring import reliable_change
from holdspace.policy.core import Viewer
from holdspace.policy.entries import entries_visible_to
from holdspace.policy.measures import responses_visible_to
from holdspace.policy.preparation import partner_forms_visible_to, preparation_sessions_visible_to
from holdspace.policy.screening import screenings_visible_to
from holdspace.preparation.forms import THEMES
from holdspace.preparation.models import FormKind, PreparationKind
from holdspace.preparation.readiness import readiness
from holdspace.reports.progress.types import (
    CHANGE_WORDS,
    ENTRY_LIMIT,
    HELD,
    AdverseEvent,
    CommitmentSummary,
    Dose,
    MeasureChart,
    Milestone,
    PartnerClinical,
    ReportEntry,
    ScoreChange,
    ScoreRow,
    SessionSummary,
)
from holdspace.screening.models import Decision
from holdspace.screening.selectors import latest_screenings
from holdspace.sessions.models import EventKind, MedicineSession, SessionEvent, SessionStatus
from holdspace.sessions.summary import DOSE_KINDS, events_with_corrections
from holdspace.sessions.summary import Item as CorrectedEvent


def entries_for(
    viewer: Viewer, couple: Couple, clinical: bool, names: dict[int, str]
) -> tuple[list[ReportEntry], list[ReportEntry], bool]:
    """Intentions and reflections: shared with the couple, and (clinical) with the team."""
    shown = [Visibility.TEAM, Visibility.COUPLE] if clinical else [Visibility.COUPLE]
    rows = list(
        entries_visible_to(viewer, couple)
        .filter(visibility__in=shown)
        .exclude(visibility=Visibility.PRIVATE)
        .only("id", "author_id", "kind", "visibility", "body", "audio", "created_at")
        .order_by("-created_at", "-id")[: ENTRY_LIMIT + 1]
    )
    truncated = len(rows) > ENTRY_LIMIT
    entries = [
        ReportEntry(
            kind=e.kind,
            kind_label=str(EntryKind(e.kind).label),
            author=names.get(e.author_id, ""),
            visibility=e.visibility,
            body=e.body,
            has_audio=bool(e.audio),
            created_at=e.created_at,
        )
        for e in reversed(rows[:ENTRY_LIMIT])
    ]
    intention_kinds = {EntryKind.INTENTION, EntryKind.SHARED_INTENTION}
    # The couple's shared intention first, then each partner's.
    intentions = sorted(
        (e for e in entries if e.kind in intention_kinds),
        key=lambda e: (e.kind != EntryKind.SHARED_INTENTION, e.created_at),
    )
    reflections = [e for e in entries if e.kind not in intention_kinds]
    return intentions, reflections, truncated


def scored_responses(
    viewer: Viewer, couple: Couple, clinical: bool
) -> tuple[list[MeasureResponse], list[str]]:
    """Current scored responses for the variant, and the partners whose scores it leaves out."""
    responses = responses_visible_to(viewer, couple).filter(
        superseded_by__isnull=True, total__isnull=False
    )
    withheld: list[str] = []
    if not clinical:
        sharing = [p.user_id for p in couple.loaded_partners if p.measures_visibility == "couple"]
        withheld = [
            p.user.display_name for p in couple.loaded_partners if p.measures_visibility != "couple"
        ]
        responses = responses.filter(partner_id__in=sharing)
    found = list(
        responses.only(
            "id", "partner_id", "instrument", "timepoint", "total", "created_at"
        ).order_by("created_at", "id")
    )
    return found, withheld


def short_name(instrument: Instrument) -> str:
    """PHQ-9 for "Patient Health Questionnaire-9 (PHQ-9)"."""
    found = re.search(r"\(([^()]+)\)\s*$", instrument.name)
    return found.group(1) if found else instrument.name


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".")


def measure_charts(
    couple: Couple,
    responses: list[MeasureResponse],
    names: dict[int, str],
    sessions: list[dt.datetime],
) -> list[MeasureChart]:
    """Per instrument, both partners' scores over time, with reliable change in words."""
    charts = []
    for code in sorted({r.instrument for r in responses}):
        latest: dict[tuple[int, str], MeasureResponse] = {}
        for response in responses:
            if response.instrument == code:
                latest[(response.partner_id, response.timepoint)] = response
        answered = {partner_id for partner_id, _tp in latest}
        shown = [p.user_id for p in couple.loaded_partners if p.user_id in answered]
        chart_id = f"report-{couple.pk}-{code}"
        charts.append(_chart(get_instrument(code), latest, shown, names, sessions, chart_id))
    return charts


def _chart(
    instrument: Instrument,
    latest: dict[tuple[int, str], MeasureResponse],
    shown: list[int],
    names: dict[int, str],
    sessions: list[dt.datetime],
    chart_id: str,
) -> MeasureChart:
    """One instrument's chart and table: LATEST holds each (partner, timepoint)'s score, for
    the partners SHOWN in the couple's order."""
    order = list(Timepoint.values)
    rows = [
        ScoreRow(
            str(Timepoint(tp).label),
            [latest[(pid, tp)].total if (pid, tp) in latest else None for pid in shown],
        )
        for tp in sorted({tp for _pid, tp in latest}, key=order.index)
    ]
    series, changes = [], []
    for partner_id in shown:
        mine = sorted(
            (r for (pid, _tp), r in latest.items() if pid == partner_id),
            key=lambda r: (r.created_at, r.pk),
        )
        change = _change(instrument, names[partner_id], mine)
        changes.append(change)
        points = [
            Point(r.created_at, float(r.total or 0), str(Timepoint(r.timepoint).label))
            for r in mine
        ]
        series.append(Series(names[partner_id], points, change.status))
    return MeasureChart(
        code=instrument.code,
        name=instrument.name,
        short_name=short_name(instrument),
        higher_is_better=instrument.scoring.higher_is_better,
        partners=[names[pid] for pid in shown],
        rows=rows,
        changes=changes,
        svg=trajectory_svg(instrument, series, chart_id=chart_id, sessions=sessions),
        svg_narrow=trajectory_svg(
            instrument, series, chart_id=f"{chart_id}-narrow", sessions=sessions, narrow=True
        ),
    )


def _change(instrument: Instrument, name: str, responses: list[MeasureResponse]) -> ScoreChange:
    """Baseline against the latest later score, through the instrument's reliable change."""
    baseline = next((r for r in responses if r.timepoint == Timepoint.BASELINE), None)
    later = [r for r in responses if r.timepoint != Timepoint.BASELINE]
    last = later[-1] if later else None
    last_label = str(Timepoint(last.timepoint).label) if last else ""
    if baseline is None or last is None or baseline.total is None or last.total is None:
        only = last or baseline
        value = only.total if only else None
        if only is last:
            words = f"{name}: {_fmt(value)} ({last_label.lower()}), no baseline to compare"
        else:
            words = f"{name}: {_fmt(value)} at baseline, no later score yet"
        return ScoreChange(name, baseline.total if baseline else None, value, last_label, "", words)
    arrow = f"{name}: {_fmt(baseline.total)} → {_fmt(last.total)}"
    if instrument.reliable_change is None:
        return ScoreChange(
            name,
            baseline.total,
            last.total,
            last_label,
            "",
            f"{arrow} ({last_label.lower()}), reliable change not defined for this scale",
        )
    status = reliable_change(instrument, baseline.total, last.total).status
    return ScoreChange(
        name,
        baseline.total,
        last.total,
        last_label,
        status,
        f"{arrow} ({last_label.lower()}), {CHANGE_WORDS[status]}",
    )


def session_dates(sessions: list[MedicineSession]) -> list[SessionSummary]:
    return [
        SessionSummary(s.pk, s.starts_at, s.status, str(SessionStatus(s.status).label))
        for s in sessions
    ]


def session_details(
    couple: Couple, sessions: list[MedicineSession], names: dict[int, str]
) -> list[SessionSummary]:
    """Each session with its doses and adverse events as they stand after corrections, and
    the integration offered after it: one query for the events of every session."""
    events = _dose_and_adverse_events(couple, sessions)
    offers: dict[int, IntegrationOffer] = {}
    for offer in IntegrationOffer.objects.filter(
        organisation_id=couple.organisation_id, couple=couple
    ).order_by("-created_at", "-id"):
        offers.setdefault(offer.session_id, offer)
    result = []
    for session in sessions:
        doses, adverse = [], []
        for item in events_with_corrections(events[session.pk]):
            who = names.get(item.event.partner_id or 0, "")
            if item.event.kind in DOSE_KINDS:
                doses.append(_dose(item, who))
            else:
                adverse.append(_adverse_event(item, who))
        answered = offers.get(session.pk)
        result.append(
            SessionSummary(
                session.pk,
                session.starts_at,
                session.status,
                str(SessionStatus(session.status).label),
                substance=session.substance,
                doses=doses,
                adverse_events=adverse,
                integration_offer=str(answered.get_answer_display()) if answered else "",
            )
        )
    return result


def _dose_and_adverse_events(
    couple: Couple, sessions: list[MedicineSession]
) -> dict[int, list[SessionEvent]]:
    """The doses and adverse events of SESSIONS by session, with their corrections loaded."""
    events: dict[int, list[SessionEvent]] = {s.pk: [] for s in sessions}
    for event in (
        SessionEvent.objects.filter(
            organisation_id=couple.organisation_id, session__in=[s.pk for s in sessions]
        )
        .filter(kind__in=[*DOSE_KINDS, EventKind.ADVERSE_EVENT])
        .prefetch_related(
            Prefetch(
                "corrections",
                queryset=SessionEvent.objects.order_by("occurred_at", "id"),
                to_attr="correction_list",
            )
        )
        .order_by("occurred_at", "received_at", "id")
    ):
        events[event.session_id].append(event)
    return events


def _dose(item: CorrectedEvent, who: str) -> Dose:
    data = item.effective
    return Dose(
        partner=who,
        at=item.event.occurred_at,
        label=str(item.event.get_kind_display()),
        amount_mg=item.amount_mg,
        product=str(data.get("product", "")),
        lot=str(data.get("lot", "")),
        corrected=bool(item.corrections),
    )


def _adverse_event(item: CorrectedEvent, who: str) -> AdverseEvent:
    data = item.effective
    return AdverseEvent(
        partner=who,
        at=item.event.occurred_at,
        severity=str(data.get("severity", "")).replace("_", "-"),
        description=str(data.get("description", "")),
        emergency_services=bool(data.get("emergency_services")),
        medical_care=bool(data.get("medical_care")),
        action_taken=str(data.get("action_taken", "")),
        outcome=str(data.get("outcome", "")),
        corrected=bool(item.corrections),
    )


def partners_clinical(
    viewer: Viewer, couple: Couple, names: dict[int, str]
) -> list[PartnerClinical]:
    """Each partner's screening decision that counts, and their themes to explore."""
    screenings = latest_screenings(couple)
    labels = dict(THEMES)
    themes: dict[int, dict[str, object]] = {}
    for record in (
        partner_forms_visible_to(viewer, couple)
        .filter(kind=FormKind.THEMES)
        .order_by("-created_at", "-id")
    ):
        themes.setdefault(record.partner_id, record.data)
    result = []
    for user_id, name in names.items():
        screening = screenings.get(user_id)
        chosen = themes.get(user_id, {})
        raw = chosen.get("themes", [])
        result.append(
            PartnerClinical(
                name=name,
                screening=(
                    str(Decision(screening.effective_decision).label)
                    if screening
                    else _("Not screened yet")
                ),
                screened_at=screening.created_at if screening else None,
                overridden=bool(screening and getattr(screening, "latest_override", None)),
                themes=[str(labels.get(t, t)) for t in raw] if isinstance(raw, list) else [],
                own_words=str(chosen.get("own_words", "")),
            )
        )
    return result


def readiness_sentence(couple: Couple, sessions: list[MedicineSession]) -> str:
    """The readiness gate in one sentence: met when the first session was scheduled (no
    session is scheduled otherwise), or what is still missing."""
    if sessions:
        first = min(sessions, key=lambda s: s.starts_at)
        return _(
            "The readiness gate was met when the medicine session of %(when)s was scheduled."
        ) % {"when": formats.date_format(timezone.localtime(first.starts_at), "j M Y")}
    gate = readiness(couple)
    if gate.ready:
        return _("Both partners meet the readiness gate; no medicine session is scheduled yet.")
    missing = [
        f"{row['partner_name']}: {row['label']}" if row["partner_name"] else str(row["label"])
        for row in gate.missing()
    ]
    return _("Not ready for a medicine session yet. Missing: %(items)s.") % {
        "items": "; ".join(missing)
    }


@dataclass(frozen=True)
class Records:
    """What the report is drawn from, each read once for the variant."""

    clinical: bool
    names: dict[int, str]  # partner user id → name
    responses: list[MeasureResponse]
    withheld: list[str]
    sessions: list[MedicineSession]
    integration: list[IntegrationSession]
    commitments: list[CommitmentSummary]


def journey(viewer: Viewer, couple: Couple, records: Records) -> list[Milestone]:
    """The journey's milestones in date order, as far as the variant shows them."""
    milestones = [Milestone(couple.created_at, "couple", _("The couple joined the programme"))]
    if records.clinical:
        milestones += _screening_milestones(viewer, couple, records.names)
    milestones += _preparation_milestones(viewer, couple, records)
    milestones += [_session_milestone(session) for session in records.sessions]
    milestones += [_integration_milestone(held, records.names) for held in records.integration]
    milestones += _measure_milestones(records.responses, records.names)
    milestones += [_commitment_milestone(c) for c in records.commitments]
    return sorted(milestones, key=lambda m: m.at)


def _screening_milestones(viewer: Viewer, couple: Couple, names: dict[int, str]) -> list[Milestone]:
    return [
        Milestone(
            created_at,
            "screening",
            _("%(name)s completed screening") % {"name": names.get(partner_id, "")},
        )
        for partner_id, created_at in screenings_visible_to(viewer, couple).values_list(
            "partner_id", "created_at"
        )
    ]


def _preparation_milestones(viewer: Viewer, couple: Couple, records: Records) -> list[Milestone]:
    """Preparation sessions held: the joint ones, and (clinical) each partner's own."""
    preparation = preparation_sessions_visible_to(viewer, couple)
    if not records.clinical:
        preparation = preparation.filter(kind=PreparationKind.JOINT)
    milestones = []
    for kind, partner_id, held_at in preparation.values_list("kind", "partner_id", "held_at"):
        label = (
            _("Joint preparation session")
            if kind == PreparationKind.JOINT
            else _("Preparation session with %(name)s")
            % {"name": records.names.get(partner_id, "")}
        )
        milestones.append(Milestone(held_at, "preparation", label))
    return milestones


def _session_milestone(session: MedicineSession) -> Milestone:
    """A session held, when it began; one still ahead, when it was scheduled."""
    if session.status in HELD:
        return Milestone(
            session.started_at or session.starts_at, "medicine_session", _("Medicine session")
        )
    when = formats.date_format(timezone.localtime(session.starts_at), "j M Y, H:i")
    return Milestone(
        session.created_at,
        "medicine_session",
        _("Medicine session scheduled for %(when)s") % {"when": when},
    )


def _integration_milestone(held: IntegrationSession, names: dict[int, str]) -> Milestone:
    label = (
        _("Integration session with %(name)s") % {"name": names[held.partner_id]}
        if held.partner_id in names
        else _("Joint integration session")
    )
    return Milestone(held.held_at, "integration", label)


def _measure_milestones(responses: list[MeasureResponse], names: dict[int, str]) -> list[Milestone]:
    """Questionnaires: one milestone per partner, day and timepoint."""
    grouped: dict[tuple[dt.date, int, str], list[MeasureResponse]] = {}
    for response in responses:
        key = (timezone.localdate(response.created_at), response.partner_id, response.timepoint)
        grouped.setdefault(key, []).append(response)
    milestones = []
    for (_day, partner_id, timepoint), rows in grouped.items():
        codes = sorted({short_name(get_instrument(r.instrument)) for r in rows})
        milestones.append(
            Milestone(
                rows[0].created_at,
                "measures",
                _("%(name)s answered %(list)s (%(timepoint)s)")
                % {
                    "name": names.get(partner_id, ""),
                    "list": ", ".join(codes),
                    "timepoint": str(Timepoint(timepoint).label).lower(),
                },
            )
        )
    return milestones


def _commitment_milestone(commitment: CommitmentSummary) -> Milestone:
    start = dt.datetime.combine(
        commitment.started_on, dt.time(9), tzinfo=timezone.get_current_timezone()
    )
    return Milestone(
        start, "commitment", _("Commitment begun: %(what)s") % {"what": commitment.description}
    )
