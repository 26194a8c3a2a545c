"""Reads of medicine sessions, through the policy and audited here: one session, its events,
the live console's page; and the timeline with corrections and alerts, in constant queries."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import Room
from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingStatus
from holdspace.couples.models import Couple, Partner
from holdspace.inventory.doses import dose_lots, session_day
from holdspace.inventory.models import Lot
from holdspace.measures.models import SafetyAlert
from holdspace.policy.core import Viewer
from holdspace.policy.preparation import partner_forms_visible_to
from holdspace.policy.sessions import (
    can_see_session_plan,
    get_medicine_session_for,
    get_session_partner_for,
    require_session_care,
)
from holdspace.preparation.forms import LEAVING
from holdspace.preparation.models import DocumentKind, FormKind
from holdspace.preparation.readiness import readiness
from holdspace.preparation.signatures.gate import newest_signatures
from holdspace.screening.profiles import (
    DoseLimit,
    DurationTable,
    Profile,
    RatioTable,
    SupplementalTiming,
    get_profile,
)
from holdspace.sessions.limits import hours_text
from holdspace.sessions.models import (
    DOSE_KINDS,
    Discharge,
    EventKind,
    MedicineSession,
    PartnerPlan,
    SessionEvent,
    SessionFacilitator,
    SessionStatus,
)
from holdspace.sessions.recording import DoseClock, dose_clock


@dataclass(frozen=True)
class SessionSeen:
    """One session as the viewer may see it: its plan only for the care team."""

    session: MedicineSession
    care_team: bool
    facilitator_ids: list[int]
    plans: list[PartnerPlan]


def session_detail_read(*, viewer: Viewer, session_id: int) -> SessionSeen:
    """One medicine session: its time and room for whoever sees the couple, its plan and
    music for the care team; audited."""
    session = get_medicine_session_for(viewer, session_id)
    care_team = can_see_session_plan(viewer, session)
    viewer.audit(Action.MEDICINE_SESSION_READ, session, plan=care_team)
    return SessionSeen(
        session=session,
        care_team=care_team,
        facilitator_ids=list(session.facilitators.values_list("user_id", flat=True)),
        plans=list(session.plans.all()) if care_team else [],
    )


def session_as_planned(session: MedicineSession) -> SessionSeen:
    """The session as its care team just planned it: the answer to the plan's write, which is
    audited itself (so no read is audited beside it)."""
    return SessionSeen(
        session=session,
        care_team=True,
        facilitator_ids=list(session.facilitators.values_list("user_id", flat=True)),
        plans=list(session.plans.all()),
    )


def session_events_read(*, viewer: Viewer, session: MedicineSession) -> list[SessionEvent]:
    """The session's events for its care team (403 for others who see it); audited."""
    require_session_care(viewer, session, action="read the events of")
    items = session_timeline(session)
    viewer.audit(Action.SESSION_EVENT_LIST, session, count=len(items))
    return items


@dataclass(frozen=True)
class ConsoleColumn:
    """One partner's column of the console: their plan, touch consent, events and forms."""

    partner: Partner
    plan: PartnerPlan | None
    touch: dict[str, Any]
    events: list[SessionEvent]
    discharge: Discharge | None
    forms: dict[str, str]

    @property
    def planned_units(self) -> int | None:
        """The planned dose in its lot's units, where it comes from the product ledger."""
        plan = self.plan
        if plan is None or plan.ledger_lot_id is None:
            return None
        return round(plan.planned_mg / plan.mg_per_unit)


@dataclass(frozen=True)
class ConsolePage:
    session: MedicineSession
    couple: Couple
    profile: Profile
    columns: list[ConsoleColumn]
    joint: list[SessionEvent]
    joint_forms: dict[str, str]
    alerts: list[tuple[str, SafetyAlert]]  # each open alert with the partner's name
    facilitators: list[SessionFacilitator]
    events_json: str  # the ids the server holds, for the browser's queue
    kinds: list[tuple[str, str]] = field(default_factory=list)  # EventKind, for the script
    dose_kinds: list[tuple[str, str]] = field(default_factory=list)
    # Where the profile keeps a product ledger: the lots a dose may name (a planned lot no
    # longer usable among them, so its refusal names it), each with its label.
    ledger: bool = False
    lots: list[tuple[Lot, str]] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.session.status in {SessionStatus.ENDED, SessionStatus.CLOSED}

    @property
    def closed(self) -> bool:
        return self.session.status == SessionStatus.CLOSED


def console_page(*, viewer: Viewer, session_id: int) -> ConsolePage:
    """The live console of one session, for its care team (403 for others who see it, 404 for
    everyone else); audited."""
    session = get_medicine_session_for(viewer, session_id)
    require_session_care(viewer, session, action="run")
    events = session_timeline(session)
    for event in events:
        event.text = describe(event)  # type: ignore[attr-defined]
        event.correction_id = str(uuid.uuid4())  # type: ignore[attr-defined]
    plans = {
        p.partner_id: p
        for p in PartnerPlan.objects.filter(session=session).select_related("ledger_lot")
    }
    profile = get_profile(session.profile)
    # The newest signed touch consent of each partner (the console is the care team's).
    touch: dict[int, dict[str, Any]] = {
        partner_id: dict(signature.answers)
        for (partner_id, document), signature in newest_signatures(session.couple).items()
        if document == DocumentKind.TOUCH_CONSENT
    }
    discharged = {d.partner_id: d for d in Discharge.objects.filter(session=session)}
    partners = session.couple.loaded_partners
    # Each open alert with the name of the partner it is about, as the console's columns say.
    names = {p.user_id: p.user.display_name for p in partners}
    viewer.audit(Action.MEDICINE_SESSION_CONSOLE, session)
    return ConsolePage(
        session=session,
        couple=session.couple,
        profile=profile,
        ledger=profile.ledger_required,
        lots=_console_lots(session, plans.values()) if profile.ledger_required else [],
        columns=[
            ConsoleColumn(
                partner=partner,
                plan=plans.get(partner.user_id),
                touch=touch.get(partner.user_id, {}),
                events=[e for e in events if e.partner_id == partner.user_id],
                discharge=discharged.get(partner.user_id),
                forms=new_form_ids(),
            )
            for partner in partners
        ],
        joint=[e for e in events if e.partner_id is None],
        joint_forms=new_form_ids(),
        alerts=[
            (names.get(alert.partner_id, ""), alert)
            for e in events
            for alert in getattr(e, "alert_list", [])
            if not alert.acknowledged_at
        ],
        facilitators=list(session.facilitators.select_related("user")),
        events_json=json.dumps([str(e.uuid) for e in events]),
        kinds=[(kind.value, str(kind.label)) for kind in EventKind],
        dose_kinds=[(kind.value, str(kind.label)) for kind in DOSE_KINDS],
    )


def _console_lots(session: MedicineSession, plans: Iterable[PartnerPlan]) -> list[tuple[Lot, str]]:
    """The lots the console's dose form offers: those usable on the session's day, and the
    planned lots that are not (with their status)."""
    usable = dose_lots(session.organisation_id, session_day(session))
    seen = {lot.pk for lot in usable}
    planned = {
        p.ledger_lot.pk: p.ledger_lot
        for p in plans
        if p.ledger_lot is not None and p.ledger_lot.pk not in seen
    }
    return [(lot, lot_label(lot)) for lot in usable] + [
        (lot, lot_label(lot, usable=False)) for lot in planned.values()
    ]


@dataclass(frozen=True)
class PlanPage:
    """The plan's page: the session, what each partner's plan holds now, and the profile's
    rules the plan is checked against, shown above the form."""

    session: MedicineSession
    couple: Couple
    profile: Profile
    stored: dict[int, PartnerPlan]
    limit: DoseLimit | None
    timing: SupplementalTiming | None
    durations: DurationTable | None
    ratios: RatioTable | None
    # Where the profile keeps a product ledger: the lots a plan may name (released, not expired
    # on the session's day, with units on hand), and the lots the stored plans name.
    lots: list[Lot] = field(default_factory=list)

    @property
    def lot_choices(self) -> list[tuple[str, str]]:
        """The lots as a select's choices: number, product, strength and units on hand; a
        planned lot no longer usable is kept, with its status, so the refusal names it."""
        usable = {lot.pk for lot in self.lots}
        planned = [
            p.ledger_lot
            for p in self.stored.values()
            if p.ledger_lot is not None and p.ledger_lot_id not in usable
        ]
        return [("", _("Choose a lot"))] + [
            (lot.lot_number, lot_label(lot, usable=lot.pk in usable))
            for lot in [*self.lots, *planned]
        ]


def lot_label(lot: Lot, *, usable: bool = True) -> str:
    """A lot as a select shows it: its number, product, strength and units on hand."""
    label = _("%(lot)s · %(product)s · %(per)s mg per unit · %(on_hand)d on hand") % {
        "lot": lot.lot_number,
        "product": lot.product_name,
        "per": f"{lot.mg_per_unit:g}",
        "on_hand": lot.on_hand,
    }
    return label if usable else f"{label} ({lot.get_status_display()})"


def plan_page(*, viewer: Viewer, session_id: int) -> PlanPage:
    """The plan of one session, for its care team (403 for others who see it, 404 else)."""
    session = get_medicine_session_for(viewer, session_id)
    require_session_care(viewer, session, action="run")
    profile = get_profile(session.profile)
    substance = session.substance
    return PlanPage(
        session=session,
        couple=session.couple,
        profile=profile,
        stored={
            p.partner_id: p
            for p in PartnerPlan.objects.filter(session=session).select_related("ledger_lot")
        },
        lots=dose_lots(session.organisation_id, session_day(session))
        if profile.ledger_required
        else [],
        limit=profile.dose_limit(substance),
        timing=profile.supplemental_timing(substance),
        durations=next((t for t in profile.minimum_duration if t.substance == substance), None),
        ratios=next((t for t in profile.facilitator_ratio if t.substance == substance), None),
    )


@dataclass(frozen=True)
class DischargePage:
    """What the discharge page shows beside the form: the partner's transportation plan and
    dose clock, with the earliest time they may leave."""

    session: MedicineSession
    couple: Couple
    partner: Partner
    transport: dict[str, Any] | None
    leaving_by: str
    clock: DoseClock | None
    minimum_text: str
    leave_from: dt.datetime | None
    transfer: bool
    criteria: list[tuple[str, str]]  # the profile's discharge criteria: id, label


def discharge_page(*, viewer: Viewer, session_id: int, partner_id: int) -> DischargePage:
    """One partner's discharge, for the session's care team (403 for others who see the
    session, 404 else, and 404 for someone who is not a partner of it)."""
    session = get_medicine_session_for(viewer, session_id)
    require_session_care(viewer, session, action="run")
    partner = get_session_partner_for(viewer, session, partner_id)
    plan = (
        partner_forms_visible_to(viewer, session.couple)
        .filter(partner_id=partner_id, kind=FormKind.TRANSPORTATION_PLAN)
        .order_by("-created_at", "-id")
        .first()
    )
    profile = get_profile(session.profile)
    clock = dose_clock(session, profile, partner_id)
    minimum = clock.minimum if clock else None
    return DischargePage(
        session=session,
        couple=session.couple,
        partner=partner,
        transport=plan.data if plan else None,
        leaving_by=str(dict(LEAVING).get(str(plan.data.get("leaving_by", "")) if plan else "", "")),
        clock=clock,
        minimum_text=hours_text(minimum) if minimum else "",
        leave_from=(
            clock.first.occurred_at + dt.timedelta(minutes=minimum) if clock and minimum else None
        ),
        transfer=session.end_reason == "emergency_transfer",
        criteria=[(c.id, c.label) for c in profile.discharge.criteria],
    )


def new_form_ids() -> dict[str, str]:
    """A fresh client id per form of the console, so a form posted twice saves once."""
    return {kind.value: str(uuid.uuid4()) for kind in EventKind}


def console_now() -> dict[str, object]:
    """The clock the console starts from: now, and the zone it is shown in."""
    return {"now": timezone.localtime(), "server_time_zone": timezone.get_current_timezone_name()}


def session_timeline(
    session: MedicineSession, *, uuids: Iterable[uuid.UUID] | None = None
) -> list[SessionEvent]:
    """The session's events in the order they were taken, each with the corrections made to it
    and the alerts it raised (not access-checked: callers check the session first)."""
    events = (
        SessionEvent.objects.filter(session=session)
        .select_related("recorded_by", "corrects", "partner")
        .prefetch_related(
            Prefetch(
                "corrections",
                queryset=SessionEvent.objects.order_by("occurred_at", "id"),
                to_attr="correction_list",
            ),
            Prefetch("alerts", queryset=SafetyAlert.objects.order_by("id"), to_attr="alert_list"),
        )
        .order_by("occurred_at", "received_at", "id")
    )
    if uuids is not None:
        events = events.filter(uuid__in=list(uuids))
    return list(events)


def describe(event: SessionEvent) -> str:
    """One line for the timeline, in the console's words (static/js/session-console.js says
    the same for events still waiting to be sent)."""
    data = event.data
    kind = event.kind
    if kind in {"dose", "supplemental_dose"}:
        amount = float(data.get("amount_mg", 0))
        units = data.get("units")
        counted = f" · {units:g} unit{'' if units == 1 else 's'}" if units else ""
        return f"{amount:g} mg{counted} · {data.get('product', '')} · lot {data.get('lot', '')}"
    if kind == "vitals":
        parts = []
        if "systolic" in data or "diastolic" in data:
            parts.append(f"BP {data.get('systolic', '–')}/{data.get('diastolic', '–')}")
        if "heart_rate" in data:
            parts.append(f"HR {data['heart_rate']}")
        if "temperature_c" in data:
            parts.append(f"{data['temperature_c']:g} °C")
        return " · ".join(parts)
    if kind in {"note", "observation"}:
        return str(data.get("text", ""))
    if kind == "music":
        return str(data.get("text", ""))
    if kind == "touch":
        by = "Facilitator" if data.get("by") == "facilitator" else "Partner"
        return f"{by} · {data.get('form', '')}"
    if kind == "monitoring_break":
        return f"{data.get('minutes')} min · covered by {data.get('covered_by', '')}"
    if kind == "adverse_event":
        flags = [
            label
            for key, label in (
                ("emergency_services", "emergency services"),
                ("medical_care", "medical care"),
            )
            if data.get(key)
        ]
        return (
            f"{str(data.get('severity', '')).replace('_', '-')}: {data.get('description', '')}"
            + (f" ({', '.join(flags)})" if flags else "")
        )
    if kind == "correction":
        return f"Corrects an earlier event: {data.get('reason', '')}" + (
            f" → {', '.join(f'{k} {v}' for k, v in data.get('data', {}).items())}"
            if data.get("data")
            else ""
        )
    if kind == "end":
        reason = "emergency transfer" if data.get("reason") == "emergency_transfer" else "completed"
        return f"Session ended ({reason})" + (f": {data['note']}" if data.get("note") else "")
    return ""


@dataclass(frozen=True)
class SessionBooking:
    """A session's booking page: when and where it is held, whether it is tentative and,
    while it is, what the couple still needs before it can be confirmed."""

    session: MedicineSession
    couple: Couple
    booking: Booking | None
    missing: list[dict[str, object]]
    rooms: list[str]


def session_booking_read(*, viewer: Viewer, session_id: int) -> SessionBooking:
    """The booking of one session, for its care team (403 for others who see it); audited."""
    session = get_medicine_session_for(viewer, session_id)
    require_session_care(viewer, session, action="manage the booking of")
    booking = session.booking
    missing: list[dict[str, object]] = []
    if booking is not None and booking.status == BookingStatus.TENTATIVE:
        missing = readiness(
            session.couple, at=session.starts_at, substance=session.substance
        ).missing()
    viewer.audit(Action.MEDICINE_SESSION_READ, session, booking=True)
    return SessionBooking(
        session=session,
        couple=session.couple,
        booking=booking,
        missing=missing,
        rooms=room_names(session.organisation_id),
    )


def room_names(organisation_id: int) -> list[str]:
    """The names of the organisation's rooms in use, offered as the room field's suggestions."""
    return list(
        Room.objects.filter(organisation_id=organisation_id, archived_at__isnull=True).values_list(
            "name", flat=True
        )
    )
