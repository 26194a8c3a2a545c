"""Reads of measure responses and safety alerts, through the policy, audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from holdspace.accounts.models import Organisation
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple, Partner
from holdspace.measures.charts import Point, Series, trajectory_svg
from holdspace.measures.library import Instrument, get_instrument, library
from holdspace.measures.models import MeasureResponse, SafetyAlert, Timepoint
from holdspace.measures.schedule import due_offsets, instrument_for, instruments_at
from holdspace.measures.scoring import reliable_change
from holdspace.policy.core import Viewer
from holdspace.policy.couples import get_couple_for
from holdspace.policy.measures import (
    alerts_visible_to,
    answers_as_partner,
    can_see_every_partners_answers,
    can_see_overdue_measures,
    get_measure_form_for,
    get_response_for,
    require_item_answers,
    responses_visible_to,
)
from holdspace.sessions.models import MedicineSession


def response_list(
    *, viewer: Viewer, couple: Couple, limit: int, offset: int = 0
) -> tuple[list[MeasureResponse], int]:
    """The responses the viewer may see for COUPLE, oldest first, superseded ones included
    (each names the one it supersedes): LIMIT from OFFSET, and how many there are in all."""
    visible = responses_visible_to(viewer, couple).order_by("created_at", "id")
    total = visible.count()
    responses = list(visible[offset : offset + limit])
    viewer.audit(
        Action.MEASURE_LIST,
        organisation_id=couple.organisation_id,
        object_type="measure_response",
        couple_id=couple.pk,
        ids=[response.pk for response in responses],
    )
    return responses, total


def response_read(*, viewer: Viewer, couple: Couple, response_id: int) -> MeasureResponse:
    """One response the viewer may see (404 otherwise), audited."""
    response = get_response_for(viewer, couple, response_id)
    viewer.audit(Action.MEASURE_READ, response)
    return response


@dataclass(frozen=True)
class ItemAnswer:
    number: int
    id: str
    text: str  # empty when a licensed instrument's wording has not been supplied
    value: float | None  # None: not answered
    label: str  # the chosen option's label, or the number on a continuous scale
    scored: bool
    safety: bool


def item_answers(response: MeasureResponse, organisation_slug: str) -> list[ItemAnswer]:
    """RESPONSE's answers item by item, in the instrument's order, every item included (an
    unanswered one has no value). Only for those the policy lets see them
    (`can_see_item_answers`)."""
    instrument = instrument_for(organisation_slug, response.instrument) or get_instrument(
        response.instrument
    )
    rows = []
    for number, item in enumerate(instrument.items, 1):
        raw = response.answers.get(item.id)
        value = None if raw is None else float(raw)
        options = instrument.option_set(item)
        label = ""
        if value is not None:
            chosen = next((o.label for o in options.options if o.value == value), None)
            label = f"{value:g}" if options.continuous or chosen is None else chosen
        rows.append(ItemAnswer(number, item.id, item.text, value, label, item.scored, item.safety))
    return rows


@dataclass(frozen=True)
class ResponsePage:
    response: MeasureResponse
    instrument: Instrument
    answers: list[ItemAnswer]
    alerts: list[SafetyAlert]

    @property
    def timepoint_label(self) -> str:
        return str(Timepoint(self.response.timepoint).label)

    @property
    def unanswered(self) -> list[ItemAnswer]:
        return [answer for answer in self.answers if answer.value is None]

    @property
    def alerts_from_answers(self) -> list[SafetyAlert]:
        """The alerts an answer raised, not a safety item left unanswered."""
        skipped = {rule.id for rule in self.instrument.safety if rule.when.unanswered}
        return [alert for alert in self.alerts if alert.rule_id not in skipped]

    @property
    def skipped_safety_items(self) -> list[ItemAnswer]:
        return [answer for answer in self.unanswered if answer.safety]

    @property
    def subscales(self) -> list[tuple[str, float | None]]:
        """(name, score) of each subscale; None where too many of its items are missing."""
        return [
            (s.name, self.response.subscales.get(s.id)) for s in self.instrument.scoring.subscales
        ]


def response_page(*, viewer: Viewer, couple: Couple, response_id: int) -> ResponsePage:
    """One response with its answers item by item, for the care team (and the partner who
    gave them); 404 for anyone else, the other partner included. Audited as a read."""
    visible = responses_visible_to(viewer, couple).filter(pk=response_id).first()
    if visible is not None:  # refused before it is audited as read
        require_item_answers(viewer, couple, visible)
    response = response_read(viewer=viewer, couple=couple, response_id=response_id)
    return ResponsePage(
        response,
        get_instrument(response.instrument),
        item_answers(response, couple.organisation.slug),
        list(
            response.alerts.select_related("acknowledged_by", "notice").order_by("created_at", "id")
        ),
    )


@dataclass(frozen=True)
class MeasureFormPage:
    """One questionnaire for one partner at one timepoint, as its form shows it."""

    couple: Couple
    instrument: Instrument
    timepoint: Timepoint
    partner: Partner
    administering: bool  # the care team fills it in with the partner

    @property
    def draft_key(self) -> str:
        """Where the browser keeps the answers typed until they are sent."""
        return (
            f"holdspace:measure:{self.couple.pk}:{self.partner.user_id}:"
            f"{self.instrument.code}:{self.timepoint.value}"
        )

    def questions(self, answers: dict[str, float | None]) -> list[dict[str, Any]]:
        """Each item with its options, ANSWERS (as typed so far) marked."""
        rows = []
        for item in self.instrument.items:
            options = self.instrument.option_set(item)
            value = answers.get(item.id)
            rows.append(
                {
                    "id": item.id,
                    "text": item.text,
                    "continuous": options.continuous,
                    "minimum": options.minimum,
                    "maximum": options.maximum,
                    "value": value,
                    "options": [
                        {"value": o.value, "label": o.label, "checked": value == o.value}
                        for o in options.options
                    ],
                }
            )
        return rows


def measure_form_page(
    *, viewer: Viewer, couple_id: int, code: str, timepoint: str, partner: str
) -> MeasureFormPage:
    """The questionnaire CODE at TIMEPOINT for the partner PARTNER names (the viewer when
    empty): 404 for what does not exist for the viewer, 403 for a partner they may not answer
    for (the policy's `get_measure_form_for`)."""
    couple = get_couple_for(viewer, couple_id)
    instrument, partner_id = get_measure_form_for(
        viewer, couple, code=code, timepoint=timepoint, partner=partner
    )
    return MeasureFormPage(
        couple,
        instrument,
        Timepoint(timepoint),
        next(p for p in couple.loaded_partners if p.user_id == partner_id),
        administering=partner_id != viewer.user.pk,
    )


@dataclass(frozen=True)
class DueMeasure:
    instrument: Instrument
    timepoint: str
    due_on: date

    @property
    def overdue(self) -> bool:
        return self.due_on < timezone.localdate()


POST_SESSION = (
    Timepoint.DAY_AFTER,
    Timepoint.WEEK_1,
    Timepoint.MONTH_1,
    Timepoint.MONTH_3,
    Timepoint.MONTH_6,
)


@dataclass(frozen=True)
class TimepointAnchor:
    timepoint: str
    due_on: date
    # A response at this timepoint created on or after this moment counts as done.
    since: datetime | None


def timepoint_anchors(couple: Couple, sessions: list[Any]) -> list[TimepointAnchor]:
    """Each timepoint in play for COUPLE, with its due date: baseline from the couple's start,
    before_session from the next scheduled session, the rest from the latest ended one."""
    offsets = due_offsets()
    anchors = [
        TimepointAnchor(
            Timepoint.BASELINE,
            timezone.localdate(couple.created_at) + timedelta(days=offsets.get("baseline", 7)),
            None,
        )
    ]
    today = timezone.localdate()
    upcoming = [
        s for s in sessions if s.status == "scheduled" and timezone.localdate(s.starts_at) >= today
    ]
    if upcoming:
        nxt = min(upcoming, key=lambda s: s.starts_at)
        anchors.append(
            TimepointAnchor(
                Timepoint.BEFORE_SESSION,
                max(  # never due before it was scheduled
                    timezone.localdate(nxt.created_at),
                    timezone.localdate(nxt.starts_at)
                    + timedelta(days=offsets.get("before_session", -1)),
                ),
                nxt.created_at,
            )
        )
    ended = [s for s in sessions if s.ended_at is not None]
    if ended:
        last = max(ended, key=lambda s: s.ended_at)
        for timepoint in POST_SESSION:
            if timepoint in offsets:
                anchors.append(
                    TimepointAnchor(
                        timepoint,
                        timezone.localdate(last.ended_at) + timedelta(days=offsets[timepoint]),
                        last.ended_at,
                    )
                )
    return anchors


def medicine_sessions_of(couple_ids: list[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for session in (
        MedicineSession.objects.filter(couple_id__in=couple_ids)
        .exclude(status="cancelled")
        .select_related("booking")
        .only(
            "id", "couple_id", "status", "starts_at", "ended_at", "created_at", "booking__ends_at"
        )
    ):
        found.setdefault(session.couple_id, []).append(session)
    return found


def outstanding_measures(
    profile: str,
    anchors: list[TimepointAnchor],
    responses: list[tuple[str, str, datetime]],
    offered: set[str],
) -> list[tuple[str, str, date]]:
    """(instrument, timepoint, due date) not yet done, among those offered now."""
    horizon = timezone.localdate() + timedelta(days=due_offsets().get("show_days_before", 3))
    missing = []
    for anchor in anchors:
        if anchor.timepoint != Timepoint.BASELINE and anchor.due_on > horizon:
            continue
        for code in instruments_at(profile, anchor.timepoint):
            if code not in offered:
                continue
            done = any(
                instrument == code
                and timepoint == anchor.timepoint
                and (anchor.since is None or created >= anchor.since)
                for instrument, timepoint, created in responses
            )
            if not done:
                missing.append((code, anchor.timepoint, anchor.due_on))
    return missing


def due_measures(*, viewer: Viewer, couple: Couple) -> list[DueMeasure]:
    """What this partner has still to complete now: the baseline set of the organisation's
    profile, the set before their next medicine session, and the follow-ups after the latest
    one, each when it comes due, less what they completed."""
    if not answers_as_partner(viewer, couple):
        return []
    anchors = timepoint_anchors(couple, medicine_sessions_of([couple.pk]).get(couple.pk, []))
    responses = list(
        responses_visible_to(viewer, couple)
        .filter(partner=viewer.user)
        .values_list("instrument", "timepoint", "created_at")
    )
    instruments = {}
    for anchor in anchors:
        for code in instruments_at(couple.organisation.profile, anchor.timepoint):
            if code not in instruments:
                instruments[code] = instrument_for(couple.organisation.slug, code)
    offered = {code for code, instrument in instruments.items() if instrument is not None}
    return [
        DueMeasure(instruments[code], timepoint, due_on)  # type: ignore[arg-type]
        for code, timepoint, due_on in outstanding_measures(
            couple.organisation.profile, anchors, responses, offered
        )
    ]


def administrable_instruments(*, couple: Couple) -> list[Instrument]:
    """Every library instrument this couple's organisation can show (its wording is bundled
    or supplied)."""
    available = (instrument_for(couple.organisation.slug, code) for code in sorted(library()))
    return [instrument for instrument in available if instrument is not None]


def overdue_by_couple(
    *, viewer: Viewer, organisation: Organisation, couple_ids: list[int]
) -> dict[int, int]:
    """For the couples listed, how many questionnaires are past due — baseline, before the
    next session, and the follow-ups after the latest — counted per partner and instrument;
    only for the care team (four queries, whatever the page size)."""
    if not can_see_overdue_measures(viewer, organisation.pk):
        return {}
    offered = {code for code in library() if instrument_for(organisation.slug, code) is not None}
    partners = list(
        Partner.objects.filter(organisation=organisation, couple_id__in=couple_ids).values_list(
            "couple_id", "user_id", "couple__created_at"
        )
    )
    responses: dict[tuple[int, int], list[tuple[str, str, datetime]]] = {}
    for couple_id, partner_id, instrument, timepoint, created in MeasureResponse.objects.filter(
        organisation=organisation, couple_id__in=couple_ids
    ).values_list("couple_id", "partner_id", "instrument", "timepoint", "created_at"):
        responses.setdefault((couple_id, partner_id), []).append((instrument, timepoint, created))
    sessions = medicine_sessions_of(couple_ids)
    today = timezone.localdate()
    overdue: dict[int, int] = {}
    for couple_id, user_id, created_at in partners:
        couple = Couple(pk=couple_id, organisation=organisation, created_at=created_at)
        anchors = timepoint_anchors(couple, sessions.get(couple_id, []))
        missing = [
            row
            for row in outstanding_measures(
                organisation.profile, anchors, responses.get((couple_id, user_id), []), offered
            )
            if row[2] < today
        ]
        if missing:
            overdue[couple_id] = overdue.get(couple_id, 0) + len(missing)
    return overdue


def couples_with_open_alerts(*, viewer: Viewer, organisation_id: int) -> set[int]:
    """The couples with an unacknowledged safety alert the viewer cares for (one query), to
    narrow the couples list; the list itself is audited where it is read."""
    alerts = alerts_visible_to(viewer, organisation_id).filter(acknowledged_at__isnull=True)
    return set(alerts.values_list("couple_id", flat=True).distinct())


def open_alerts(
    *, viewer: Viewer, organisation_id: int, couple: Couple | None = None, limit: int = 50
) -> list[SafetyAlert]:
    """Unacknowledged safety alerts the viewer cares for, newest first."""
    alerts = alerts_visible_to(viewer, organisation_id).filter(acknowledged_at__isnull=True)
    if couple is not None:
        alerts = alerts.filter(couple=couple)
    found = list(alerts.select_related("couple", "partner", "notice")[:limit])
    if found:
        viewer.audit(
            Action.ALERT_LIST,
            organisation_id=organisation_id,
            object_type="safety_alert",
            couple_id=couple.pk if couple is not None else None,
            ids=[alert.pk for alert in found],
        )
    return found


@dataclass(frozen=True)
class TrendCell:
    value: float | None
    response_id: int | None  # None: no response at this timepoint
    unanswered: int  # scored items left unanswered; a response with no total is still shown


@dataclass(frozen=True)
class TimepointRow:
    label: str
    values: list[float | None]  # one per partner shown, in slot order
    difference: float | None  # between the two partners, when both answered
    cells: list[TrendCell] = field(default_factory=list)  # the same values, with their responses


@dataclass(frozen=True)
class InstrumentTrend:
    instrument: Instrument
    partners: list[str]
    changes: list[str]  # reliable change of each partner's latest score against baseline
    rows: list[TimepointRow]
    svg: str
    answers_link: bool = False  # the viewer may open each response's answers item by item
    svg_narrow: str = ""  # the same chart drawn for a phone


def couple_measures(*, viewer: Viewer, couple: Couple) -> list[InstrumentTrend]:
    """Each instrument's scores over time for the partners the viewer may see: a partner
    their own, the care team both, side by side (divergent scores open the conversation)."""
    with_total = {code for code, instrument in library().items() if instrument.scoring.total}
    responses = list(
        responses_visible_to(viewer, couple)
        .filter(superseded_by__isnull=True, instrument__in=with_total)
        .order_by("created_at", "id")
    )
    if not responses:
        return []
    answers_link = can_see_every_partners_answers(viewer, couple)
    viewer.audit(
        Action.MEASURE_LIST,
        organisation_id=couple.organisation_id,
        object_type="measure_response",
        couple_id=couple.pk,
        ids=[r.pk for r in responses],
        view="trends",
    )
    partners = [
        p for p in couple.loaded_partners if any(r.partner_id == p.user_id for r in responses)
    ]
    # Medicine sessions that took place, marked on each chart.
    session_dates = [
        s.started_at or s.starts_at
        for s in medicine_sessions_of([couple.pk]).get(couple.pk, [])
        if s.status in {"in_progress", "ended", "closed"}
    ]
    return [
        _instrument_trend(
            get_instrument(code),
            partners,
            [r for r in responses if r.instrument == code],
            session_dates,
            answers_link=answers_link,
        )
        for code in sorted({r.instrument for r in responses})
    ]


def _instrument_trend(
    instrument: Instrument,
    partners: list[Partner],
    responses: list[MeasureResponse],
    session_dates: list[datetime],
    *,
    answers_link: bool,
) -> InstrumentTrend:
    """One instrument's table (a row per timepoint) and chart (a line per partner)."""
    latest: dict[tuple[int, str], MeasureResponse] = {}
    for response in responses:
        latest[(response.partner_id, response.timepoint)] = response
    series, changes = [], []
    for partner in partners:
        mine = sorted(
            (
                r
                for (pid, _tp), r in latest.items()
                if pid == partner.user_id and r.total is not None
            ),
            key=lambda r: r.created_at,
        )
        change = _change(instrument, mine)
        changes.append(change)
        series.append(
            Series(
                partner.user.display_name,
                [
                    Point(r.created_at, float(r.total or 0), str(Timepoint(r.timepoint).label))
                    for r in mine
                ],
                change,
            )
        )
    return InstrumentTrend(
        instrument,
        [p.user.display_name for p in partners],
        changes,
        _timepoint_rows(partners, latest),
        trajectory_svg(
            instrument, series, chart_id=f"chart-{instrument.code}", sessions=session_dates
        ),
        answers_link,
        trajectory_svg(
            instrument,
            series,
            chart_id=f"chart-{instrument.code}-narrow",
            sessions=session_dates,
            narrow=True,
        ),
    )


def _timepoint_rows(
    partners: list[Partner], latest: dict[tuple[int, str], MeasureResponse]
) -> list[TimepointRow]:
    """Per timepoint answered, each partner's latest total and how far apart the two are."""
    order = list(Timepoint.values)
    rows = []
    for timepoint in sorted({tp for _pid, tp in latest}, key=order.index):
        found = [latest.get((p.user_id, timepoint)) for p in partners]
        values = [r.total if r is not None else None for r in found]
        known = [v for v in values if v is not None]
        difference = abs(known[0] - known[1]) if len(known) == 2 else None
        rows.append(
            TimepointRow(
                str(Timepoint(timepoint).label),
                values,
                difference,
                [
                    TrendCell(r.total, r.pk, len(r.missing))
                    if r is not None
                    else TrendCell(None, None, 0)
                    for r in found
                ],
            )
        )
    return rows


def _change(instrument: Instrument, responses: list[MeasureResponse]) -> str:
    baseline = next((r for r in responses if r.timepoint == Timepoint.BASELINE), None)
    later = [r for r in responses if r.timepoint != Timepoint.BASELINE]
    if instrument.reliable_change is None or baseline is None or not later:
        return ""
    assert baseline.total is not None and later[-1].total is not None
    return reliable_change(instrument, baseline.total, later[-1].total).status
