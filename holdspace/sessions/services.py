"""Scheduling a medicine session, only through the readiness gate; its plan; discharge, only
once the profile's rules for leaving are met."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from holdspace.accounts.models import Room
from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingKind, BookingStatus
from holdspace.bookings.services import (
    UNCHANGED,
    booking_cancel,
    booking_confirm,
    booking_move,
    booking_reserve,
    medicine_minutes,
    room_resolve,
)
from holdspace.couples.models import Couple
from holdspace.facilitators.services import facilitator_refusals
from holdspace.integration.services import follow_ups_create
from holdspace.inventory.doses import plan_lot_problems
from holdspace.inventory.models import Lot
from holdspace.lib.dates import planned_error
from holdspace.measures.models import SafetyAlert
from holdspace.policy.core import Viewer, require_care_team
from holdspace.policy.sessions import adverse_event_signers, require_session_care
from holdspace.preparation.readiness import Readiness, readiness
from holdspace.preparation.services import couple_stage_sync
from holdspace.screening.profiles import SUBSTANCE_LABELS, Profile, get_profile
from holdspace.sessions.limits import cited, limit_message, ratio_problem
from holdspace.sessions.models import (
    Discharge,
    Intention,
    MedicineSession,
    PartnerPlan,
    SessionEvent,
    SessionFacilitator,
    SessionStatus,
)
from holdspace.sessions.recording import CLOCK_SKEW, DoseClock, dose_clock


class NotReady(Exception):
    """The couple does not meet the profile's requirements for a session at that time."""

    def __init__(self, result: Readiness) -> None:
        super().__init__("The couple is not ready for a medicine session")
        self.readiness = result
        self.missing = result.missing()


def medicine_session_schedule(
    *,
    viewer: Viewer,
    couple: Couple,
    starts_at: dt.datetime,
    room: str = "",
    facilitator_ids: Iterable[int] = (),
    substance: str | None = None,
) -> MedicineSession:
    """Book a session for COUPLE at STARTS_AT: the care team only (checked first), with valid
    input, in a room of the organisation (its name or id) and with facilitators who are free
    (BookingConflict otherwise). A couple that meets every requirement of the profile at that
    time is booked confirmed; one still preparing is booked tentative, and the readiness gate
    then blocks confirming it and the first dose (`medicine_session_confirm`)."""
    require_care_team(viewer, couple, action="schedule medicine sessions for")
    profile = get_profile(couple.organisation.profile)
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    facilitators = list(dict.fromkeys(facilitator_ids))
    errors = _schedule_errors(couple, profile, starts_at, room, facilitators, substance)
    place = _room_or_errors(couple, room, errors)
    if errors:
        raise ValidationError(errors)
    result = readiness(couple, at=starts_at, substance=substance)
    with transaction.atomic():
        session = _session_create(
            Action.MEDICINE_SESSION_SCHEDULE,
            viewer=viewer,
            couple=couple,
            profile=profile,
            substance=result.substance,
            starts_at=starts_at,
            room=place,
            facilitators=facilitators,
            status=BookingStatus.CONFIRMED if result.ready else BookingStatus.TENTATIVE,
            missing=[str(m["code"]) for m in result.missing()],
        )
        couple_stage_sync(viewer=viewer, couple=couple)
    return session


def _room_or_errors(couple: Couple, room: str, errors: dict[str, list[str]]) -> Room | None:
    """The organisation's room named ROOM (name or id), or None with its error added."""
    try:
        return room_resolve(organisation=couple.organisation, value=room)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return None


def medicine_session_confirm(*, viewer: Viewer, session: MedicineSession) -> MedicineSession:
    """Confirm a tentative session: the care team only, and only once the couple meets every
    requirement of the profile at the session's time (otherwise NotReady lists what is
    missing). A session already confirmed stays so."""
    require_session_care(viewer, session, action="confirm")
    booking = _booking_of(session)
    if booking.status == BookingStatus.CONFIRMED:
        return session
    result = readiness(session.couple, at=session.starts_at, substance=session.substance)
    if not result.ready:
        viewer.audit(
            Action.MEDICINE_SESSION_REFUSE,
            session,
            starts_at=session.starts_at.isoformat(),
            missing=[m["code"] for m in result.missing()],
        )
        raise NotReady(result)
    with transaction.atomic():
        booking_confirm(viewer=viewer, booking=booking)
        viewer.audit(Action.MEDICINE_SESSION_CONFIRM, session)
        couple_stage_sync(viewer=viewer, couple=session.couple)
    return session


def medicine_session_reschedule(
    *,
    viewer: Viewer,
    session: MedicineSession,
    starts_at: dt.datetime | None = None,
    room: str | None = None,
) -> MedicineSession:
    """Move a session still to come to STARTS_AT and/or ROOM (a name or id; "" for none): the
    care team only; a time in the future; refused as a BookingConflict, with nothing changed,
    when the room or a facilitator is taken then. A confirmed session moved to a time the
    couple is not ready for goes back to tentative. Reminders and calendar feeds follow the
    new time (their items are keyed by it)."""
    require_session_care(viewer, session, action="reschedule")
    booking = _booking_of(session)
    errors: dict[str, list[str]] = {}
    if session.status != SessionStatus.SCHEDULED:
        errors["status"] = [_("Only a session still to come can be moved.")]
    if starts_at is not None:
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        if starts_at < timezone.now():
            errors["starts_at"] = [_("Choose a start time in the future.")]
        elif problem := planned_error(_("A medicine session"), starts_at):
            errors["starts_at"] = [problem]
    place: Room | None | object = UNCHANGED
    if room is not None:
        place = _room_or_errors(session.couple, room, errors)
    if starts_at is None and room is None:
        errors["starts_at"] = [_("Give a new start time, a new room or both.")]
    if errors:
        raise ValidationError(errors)
    before = {"starts_at": session.starts_at.isoformat(), "room": session.room}
    with transaction.atomic():
        booking_move(viewer=viewer, booking=booking, starts_at=starts_at, room=place)
        fields = []
        if starts_at is not None:
            session.starts_at = starts_at
            fields.append("starts_at")
        if room is not None:
            session.room = booking.room.name if booking.room else ""
            fields.append("room")
        session.save(update_fields=fields)
        if starts_at is not None and booking.status == BookingStatus.CONFIRMED:
            result = readiness(session.couple, at=starts_at, substance=session.substance)
            if not result.ready:
                Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.TENTATIVE)
                booking.status = BookingStatus.TENTATIVE
        viewer.audit(
            Action.MEDICINE_SESSION_RESCHEDULE,
            session,
            detail={"from": before},
            starts_at=session.starts_at.isoformat(),
            room=session.room,
            booking_status=booking.status,
        )
        couple_stage_sync(viewer=viewer, couple=session.couple)
    return session


def medicine_session_cancel(
    *, viewer: Viewer, session: MedicineSession, reason: str
) -> MedicineSession:
    """Cancel a session still to come, saying why: the care team only. Its booking frees the
    room and facilitators; reminders not yet sent stop and calendar feeds drop it."""
    require_session_care(viewer, session, action="cancel")
    booking = _booking_of(session)
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError({"status": [_("Only a session still to come can be cancelled.")]})
    with transaction.atomic():
        booking_cancel(viewer=viewer, booking=booking, reason=reason)
        session.status = SessionStatus.CANCELLED
        session.save(update_fields=["status"])
        viewer.audit(Action.MEDICINE_SESSION_CANCEL, session, reason=reason.strip())
        couple_stage_sync(viewer=viewer, couple=session.couple)
    return session


# The longest "other food or drink" a session's record keeps (the model's column).
FOOD_AND_DRINK_MAX = MedicineSession._meta.get_field("food_and_drink").max_length or 500
# The record Colorado's log asks for is written once the session is over.
DETAILS_AFTER = (SessionStatus.ENDED, SessionStatus.CLOSED)


def medicine_session_details_record(
    *, viewer: Viewer, session: MedicineSession, intention: str, food_and_drink: str
) -> MedicineSession:
    """Record what the administration-session log asks of a session beyond its live record
    (1 CCR 212-3 Rule 8035 C): the de-identified intention (a category only) and other food
    or drink taken ("none" if none). The care team, once the session has ended or closed; a
    later call replaces both. The audit event names the intention, never the food and drink."""
    require_session_care(viewer, session, action="record the details of")
    errors: dict[str, list[str]] = {}
    if session.status not in DETAILS_AFTER:
        errors["status"] = [
            _("These details are recorded once the session has ended (it is %(s)s).")
            % {"s": SessionStatus(session.status).label.lower()}
        ]
    if intention not in Intention.values:
        errors["intention"] = [
            _("Choose the intention: %(choices)s.")
            % {"choices": ", ".join(f"{label} ({value})" for value, label in Intention.choices)}
        ]
    food = " ".join(food_and_drink.split())
    if not food:
        errors["food_and_drink"] = [_("Say what else was eaten or drunk; write 'none' if none.")]
    elif len(food) > FOOD_AND_DRINK_MAX:
        errors["food_and_drink"] = [_("At most %(n)d characters.") % {"n": FOOD_AND_DRINK_MAX}]
    if errors:
        raise ValidationError(errors)
    changed = [
        name
        for name, value in (("intention", intention), ("food_and_drink", food))
        if getattr(session, name) != value
    ]
    with transaction.atomic():
        session.intention = intention
        session.food_and_drink = food
        session.save(update_fields=["intention", "food_and_drink"])
        viewer.audit(Action.MEDICINE_SESSION_DETAILS, session, intention=intention, changed=changed)
    return session


def _booking_of(session: MedicineSession) -> Booking:
    """The session's booking (every session has one: created with it, or by the migration
    that brought bookings in)."""
    booking = (
        Booking.objects.select_related("room").filter(pk=session.booking_id).first()
        if session.booking_id is not None
        else None
    )
    if booking is None:
        raise ValidationError({"session": [_("This session holds no time on the calendar.")]})
    session.booking = booking
    return booking


def _schedule_errors(
    couple: Couple,
    profile: Profile,
    starts_at: dt.datetime,
    room: str,
    facilitators: list[int],
    substance: str | None,
) -> dict[str, list[str]]:
    """What is wrong with a session's time, substance, room and facilitators, by field."""
    errors: dict[str, list[str]] = {}
    if starts_at < timezone.now():
        errors["starts_at"] = [_("Choose a start time in the future.")]
    elif problem := planned_error(_("A medicine session"), starts_at):
        errors["starts_at"] = [problem]
    if substance is not None and substance not in profile.substances:
        allowed = ", ".join(SUBSTANCE_LABELS.get(s, s) for s in profile.substances)
        errors["substance"] = [
            _("%(profile)s does not allow %(substance)s; choose %(allowed)s.")
            % {"profile": profile.name, "substance": substance, "allowed": allowed}
        ]
    team = {m.user_id for m in couple.loaded_care_team}
    strangers = [f for f in facilitators if f not in team]
    if not facilitators:
        # A facilitator licensed by the profile is present throughout (the rule checked
        # below, with its source); a booking with nobody would hold the room for no one.
        errors["facilitator_ids"] = [
            _("Choose the facilitators who will be present: at least one.")
        ]
    elif strangers:
        errors["facilitator_ids"] = [
            _("Not on this couple's care team: %(ids)s.")
            % {"ids": ", ".join(str(f) for f in strangers)}
        ]
    if len(room) > 120:
        errors["room"] = [_("At most 120 characters.")]
    if facilitators and not errors:
        refusals = facilitator_refusals(
            organisation=couple.organisation,
            user_ids=facilitators,
            on=timezone.localdate(starts_at),
        )
        if refusals:
            errors["facilitator_ids"] = refusals
    return errors


# The plan ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PlanLine:
    """One partner's planned dose. Where the profile keeps a product ledger, LOT is a lot
    number of the organisation's ledger and the product and strength are copied from the lot
    (PRODUCT and MG_PER_UNIT may be left out); otherwise all three are free text, required."""

    partner_id: int
    planned_mg: float
    lot: str = ""
    product: str = ""
    mg_per_unit: float | None = None
    supplemental_mg: float | None = None
    supplemental_after_minutes: int | None = None


def medicine_session_plan(
    *,
    viewer: Viewer,
    session: MedicineSession,
    lines: Iterable[PlanLine],
    facilitator_ids: Iterable[int] | None = None,
    room: str | None = None,
    music_plan: Mapping[str, Any] | None = None,
) -> MedicineSession:
    """Complete or change the plan: products, doses, facilitators present, room and music.

    A dose beyond the profile's limit, or fewer facilitators than its ratio needs for the
    largest individual dose, is refused with the limit and its source in the message."""
    require_care_team(viewer, session.couple, action="plan medicine sessions for")
    if session.status not in {SessionStatus.SCHEDULED}:
        raise ValidationError({"status": [_("The plan is fixed once the session has begun.")]})
    profile = get_profile(session.profile)
    lines, lots, errors = _plan_products(session, profile, list(lines))
    errors.update(_plan_line_errors(session, profile, lines))
    facilitators, facilitator_errors = _plan_facilitators(session, facilitator_ids)
    errors.update(facilitator_errors)
    # The plan as it will stand: these lines over what is stored for the other partner.
    totals = {
        plan.partner_id: plan.total_mg for plan in PartnerPlan.objects.filter(session=session)
    }
    totals.update(
        {line.partner_id: line.planned_mg + (line.supplemental_mg or 0) for line in lines}
    )
    if totals and not errors:
        problem = ratio_problem(profile, session.substance, max(totals.values()), len(facilitators))
        if problem:
            errors["facilitator_ids"] = [problem]
    place: Room | None | object = UNCHANGED
    if room is not None and len(room) > 120:
        errors["room"] = [_("At most 120 characters.")]
    elif room is not None:
        place = _room_or_errors(session.couple, room, errors)
    if errors:
        raise ValidationError(errors)
    minimum = None
    for total in totals.values():
        found = profile.minimum_minutes(session.substance, total)
        if found is not None:
            minimum = max(minimum or 0, found[0])
    with transaction.atomic():
        if session.booking_id is not None and (room is not None or facilitator_ids is not None):
            # The room and the facilitators present are held on the calendar: a taken one is
            # a BookingConflict and nothing of the plan is stored.
            booking_move(
                viewer=viewer,
                booking=_booking_of(session),
                room=place,
                facilitator_ids=facilitators if facilitator_ids is not None else None,
            )
        _plan_store(session, lines, lots, facilitators if facilitator_ids is not None else None)
        if totals:
            session.minimum_minutes = minimum
        if isinstance(place, Room) or place is None:
            session.room = place.name if place else ""
        if music_plan is not None:
            session.music_plan = dict(music_plan)
        session.save(update_fields=["minimum_minutes", "room", "music_plan"])
        viewer.audit(
            Action.MEDICINE_SESSION_PLAN,
            session,
            plans=[
                {
                    "partner": line.partner_id,
                    "mg": line.planned_mg,
                    "supplemental": line.supplemental_mg,
                    "lot": line.lot,
                }
                for line in lines
            ],
            facilitators=facilitators,
            minimum_minutes=minimum,
        )
    return session


def _plan_products(
    session: MedicineSession, profile: Profile, lines: list[PlanLine]
) -> tuple[list[PlanLine], dict[int, Lot], dict[str, list[str]]]:
    """Each line's product: from the lot of the product ledger it names, where the profile
    keeps one (the lines come back with the lot's number, product and strength, and the lots
    by partner), else as typed, required; with the problems by field (`plans.<n>.<field>`)."""
    errors: dict[str, list[str]] = {}
    if not profile.ledger_required:
        for index, line in enumerate(lines):
            for name in ("product", "lot", "mg_per_unit"):
                if getattr(line, name) in {None, ""}:
                    errors[f"plans.{index}.{name}"] = [_("Field required")]
        return lines, {}, errors
    resolved: list[PlanLine] = []
    lots: dict[int, Lot] = {}
    for index, line in enumerate(lines):
        lot, problems = plan_lot_problems(
            session,
            lot_number=line.lot,
            planned_mg=line.planned_mg,
            supplemental_mg=line.supplemental_mg,
            product=line.product,
            mg_per_unit=line.mg_per_unit,
        )
        errors.update({f"plans.{index}.{name}": found for name, found in problems.items()})
        if lot is None:
            resolved.append(line)
            continue
        lots[line.partner_id] = lot
        resolved.append(
            replace(line, lot=lot.lot_number, product=lot.product_name, mg_per_unit=lot.mg_per_unit)
        )
    return resolved, lots, errors


def _plan_line_errors(
    session: MedicineSession, profile: Profile, lines: list[PlanLine]
) -> dict[str, list[str]]:
    """Each line's problems, by field (`plans.<n>.<field>`): a stranger, a dose past the
    profile's limits, a supplemental dose outside its timing; and two lines for one partner."""
    partner_ids = {p.user_id for p in session.couple.loaded_partners}
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        where = f"plans.{index}"
        if line.partner_id not in partner_ids:
            errors[f"{where}.partner_id"] = [_("Not a partner of this couple.")]
            continue
        errors.update(_plan_dose_errors(session, profile, line, where))
    if len({line.partner_id for line in lines}) != len(lines):
        errors["plans"] = [_("One plan per partner.")]
    return errors


def _plan_dose_errors(
    session: MedicineSession, profile: Profile, line: PlanLine, where: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    limit = profile.dose_limit(session.substance)
    total = line.planned_mg + (line.supplemental_mg or 0)
    if limit and limit.per_session_max_mg and total > limit.per_session_max_mg:
        errors[f"{where}.planned_mg"] = [
            limit_message(limit, _("A planned total"), total, limit.per_session_max_mg)
        ]
    if limit and limit.per_serving_max_mg:
        for name, mg in (
            ("planned_mg", line.planned_mg),
            ("supplemental_mg", line.supplemental_mg),
        ):
            if mg is not None and mg > limit.per_serving_max_mg:
                errors[f"{where}.{name}"] = [
                    limit_message(limit, _("A serving"), mg, limit.per_serving_max_mg)
                ]
    timing = profile.supplemental_timing(session.substance)
    if line.supplemental_mg and timing and line.supplemental_after_minutes is not None:
        after = line.supplemental_after_minutes
        if after < timing.min_minutes_after or (
            timing.max_minutes_after is not None and after > timing.max_minutes_after
        ):
            errors[f"{where}.supplemental_after_minutes"] = [
                _("The supplemental dose is given %(lo)d–%(hi)s minutes after the first%(source)s.")
                % {
                    "lo": timing.min_minutes_after,
                    "hi": timing.max_minutes_after or "∞",
                    "source": cited(timing.source),
                }
            ]
    return errors


def _plan_facilitators(
    session: MedicineSession, facilitator_ids: Iterable[int] | None
) -> tuple[list[int], dict[str, list[str]]]:
    """The facilitators the plan will have (those given, else those stored), and why they
    cannot be: not on the care team, or not cleared to work on the session's day."""
    team = {m.user_id for m in session.couple.loaded_care_team}
    facilitators = (
        list(dict.fromkeys(facilitator_ids))
        if facilitator_ids is not None
        else list(session.facilitators.values_list("user_id", flat=True))
    )
    if any(f not in team for f in facilitators):
        return facilitators, {"facilitator_ids": [_("Not on this couple's care team.")]}
    if facilitator_ids is not None and facilitators:
        refusals = facilitator_refusals(
            organisation=session.couple.organisation,
            user_ids=facilitators,
            on=timezone.localdate(session.starts_at),
        )
        if refusals:
            return facilitators, {"facilitator_ids": refusals}
    return facilitators, {}


def _plan_store(
    session: MedicineSession,
    lines: list[PlanLine],
    lots: dict[int, Lot],
    facilitators: list[int] | None,
) -> None:
    """Write the plan's lines (each with its lot of the ledger, if any), and the facilitators
    present when FACILITATORS is given."""
    for line in lines:
        PartnerPlan.objects.update_or_create(
            session=session,
            partner_id=line.partner_id,
            defaults={
                "organisation_id": session.organisation_id,
                "product": line.product.strip(),
                "lot": line.lot.strip(),
                "ledger_lot": lots.get(line.partner_id),
                "mg_per_unit": line.mg_per_unit,
                "planned_mg": line.planned_mg,
                "supplemental_mg": line.supplemental_mg,
                "supplemental_after_minutes": line.supplemental_after_minutes,
            },
        )
    if facilitators is None:
        return
    SessionFacilitator.objects.filter(session=session).exclude(user_id__in=facilitators).delete()
    existing = set(session.facilitators.values_list("user_id", flat=True))
    SessionFacilitator.objects.bulk_create(
        SessionFacilitator(organisation_id=session.organisation_id, session=session, user_id=f)
        for f in facilitators
        if f not in existing
    )


# Discharge ---------------------------------------------------------------------------------


def discharge_record(
    *,
    viewer: Viewer,
    session: MedicineSession,
    partner_id: int,
    criteria_confirmed: Iterable[str],
    transport_confirmed: bool,
    transport_deviation: str = "",
    left_at: dt.datetime | None = None,
    notes: str = "",
    declined_dose: bool = False,
) -> Discharge:
    """Discharge one partner, signed off by the care team member asking. Refused, each refusal
    naming its rule and source, unless: the partner's first dose was given; the profile's
    minimum duration from it has passed (or the session ended by emergency transfer); every
    severe or serious adverse event of theirs is signed off by a clinical lead with a note;
    each of the profile's discharge criteria is confirmed; the transportation plan is
    confirmed or its deviation recorded; and LEFT_AT lies between the first dose (plus the
    minimum) and now. A partner who chose not to take the medicine (DECLINED_DOSE, with a
    note saying so) leaves without a dose and without a minimum, once the criteria are met.
    The session closes when both partners have left."""
    require_session_care(viewer, session, action="discharge partners from")
    profile = get_profile(session.profile)
    now = timezone.now()
    leaving = _Leaving.of(session, profile, partner_id, declined_dose=declined_dose, notes=notes)
    errors = leaving.errors(session, profile, now)
    known = {criterion.id: criterion for criterion in profile.discharge.criteria}
    confirmed = list(dict.fromkeys(str(c) for c in criteria_confirmed))
    errors.update(_criteria_errors(profile, confirmed))
    deviation = transport_deviation.strip()
    if not transport_confirmed and not deviation:
        errors["transport_deviation"] = [
            _("Confirm the transportation plan, or record how it changed.")
        ]
    left = left_at or now
    if timezone.is_naive(left):
        left = timezone.make_aware(left)
    # A time typed in the future or before the dose is named on its field even while the
    # minimum has not passed; "before the minimum" would only repeat that refusal.
    problem = _left_at_problem(
        session, leaving.clock, left, now, transfer=leaving.transfer or "minimum_duration" in errors
    )
    if problem:
        errors["left_at"] = [problem]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        discharge = _discharge_store(
            viewer,
            session,
            partner_id,
            left=left,
            declined=leaving.declined,
            criteria=[c for c in known if c in confirmed],
            transport=(transport_confirmed, deviation),
            notes=notes.strip(),
        )
        viewer.audit(
            Action.MEDICINE_SESSION_DISCHARGE,
            session,
            partner=partner_id,
            criteria=discharge.criteria_confirmed,
            declined_dose=leaving.declined,
            transport_confirmed=transport_confirmed,
            closed=session.status in {SessionStatus.CLOSED, SessionStatus.CANCELLED},
        )
        couple_stage_sync(viewer=viewer, couple=session.couple)
    return discharge


@dataclass(frozen=True)
class _Leaving:
    """One partner about to leave: their dose clock (None before a first dose), whether they
    chose not to take the medicine, and whether the session ended by emergency transfer."""

    partner_id: int
    name: str | None  # None for someone who is not a partner of the couple
    clock: DoseClock | None
    declined_dose: bool
    declined: bool
    notes: str
    transfer: bool

    @classmethod
    def of(
        cls,
        session: MedicineSession,
        profile: Profile,
        partner_id: int,
        *,
        declined_dose: bool,
        notes: str,
    ) -> _Leaving:
        partners = {p.user_id: p for p in session.couple.loaded_partners}
        partner = partners.get(partner_id)
        clock = dose_clock(session, profile, partner_id) if partner is not None else None
        return cls(
            partner_id=partner_id,
            name=partner.user.display_name if partner is not None else None,
            clock=clock,
            declined_dose=declined_dose,
            # A partner who chose not to take the medicine leaves without a dose or a minimum
            # to wait for; it cannot be said of a partner who was dosed.
            declined=declined_dose and clock is None,
            notes=notes,
            transfer=session.end_reason == "emergency_transfer",
        )

    def errors(
        self, session: MedicineSession, profile: Profile, now: dt.datetime
    ) -> dict[str, list[str]]:
        """Why this partner cannot leave yet, by rule: the session, the partner, their dose,
        its minimum duration and their adverse events."""
        errors: dict[str, list[str]] = {}
        begun = session.status in {SessionStatus.IN_PROGRESS, SessionStatus.ENDED}
        if not begun:
            errors["session"] = [_("Discharge follows a session that has begun with a first dose.")]
        if self.name is None:
            errors["partner_id"] = [_("Not a partner of this couple.")]
        elif Discharge.objects.filter(session=session, partner_id=self.partner_id).exists():
            errors["partner_id"] = [_("This partner has already been discharged.")]
        if self.declined_dose and self.clock is not None:
            errors["declined_dose"] = [
                _("A dose is recorded for this partner: they leave after its minimum duration.")
            ]
        if self.declined and not self.notes.strip():
            errors["notes"] = [
                _("Say in a note that they chose not to take the medicine, and why.")
            ]
        if self.declined and self.name is not None:
            begun = True  # leaving without a dose needs no dose to have begun the session
            if "session" in errors and session.status == SessionStatus.SCHEDULED:
                del errors["session"]
        if begun and self.name is not None:
            errors.update(self._dose_errors(session, profile, now))
        return errors

    def _dose_errors(
        self, session: MedicineSession, profile: Profile, now: dt.datetime
    ) -> dict[str, list[str]]:
        assert self.name is not None
        errors: dict[str, list[str]] = {}
        if self.clock is None and not self.transfer and not self.declined:
            errors["first_dose"] = [_first_dose_missing(profile, session.substance, self.name)]
        if self.clock is not None and not self.transfer:
            problem = self.clock.problem(session, now)
            if problem:
                errors["minimum_duration"] = [
                    f"{problem} {_('Only an emergency transfer lets a partner leave sooner.')}"
                ]
        unsigned = _unsigned_adverse_events(session, self.partner_id, self.name)
        if unsigned:
            errors["adverse_events"] = unsigned
        return errors


def _criteria_errors(profile: Profile, confirmed: list[str]) -> dict[str, list[str]]:
    """Each of the profile's discharge criteria not confirmed, and any id that is not one."""
    known = {criterion.id for criterion in profile.discharge.criteria}
    problems: list[str] = []
    unknown = [c for c in confirmed if c not in known]
    if unknown:
        problems.append(
            _("Not a discharge criterion of %(profile)s: %(ids)s.")
            % {"profile": profile.name, "ids": ", ".join(unknown)}
        )
    for criterion in profile.discharge.criteria:
        if criterion.id not in confirmed:
            problems.append(
                _("Not confirmed: %(label)s%(source)s.")
                % {"label": criterion.label, "source": cited(criterion.source)}
            )
    return {"criteria_confirmed": problems} if problems else {}


def _discharge_store(
    viewer: Viewer,
    session: MedicineSession,
    partner_id: int,
    *,
    left: dt.datetime,
    declined: bool,
    criteria: list[str],
    transport: tuple[bool, str],
    notes: str,
) -> Discharge:
    """Write the discharge, and close the session when it was the last partner to leave
    (cancel it when nobody took the medicine: no follow-up is planned after it then)."""
    locked = MedicineSession.objects.select_for_update().get(pk=session.pk)
    discharge = Discharge.objects.create(
        organisation_id=session.organisation_id,
        session=locked,
        partner_id=partner_id,
        effects_resolved="effects_resolved" in criteria,
        oriented="oriented" in criteria,
        criteria_confirmed=criteria,
        transport_confirmed=transport[0],
        transport_deviation=transport[1],
        left_at=left,
        declined_dose=declined,
        notes=notes,
        signed_off_by=viewer.user,
    )
    if Discharge.objects.filter(session=locked).count() == len(session.couple.loaded_partners):
        held = Discharge.objects.filter(session=locked, declined_dose=False).exists()
        locked.status = SessionStatus.CLOSED if held else SessionStatus.CANCELLED
        locked.closed_at = timezone.now()
        if locked.ended_at is None:
            locked.ended_at = left
        locked.save(update_fields=["status", "closed_at", "ended_at"])
        session.status, session.closed_at = locked.status, locked.closed_at
        session.ended_at = locked.ended_at
        if held:
            follow_ups_create(session)
    return discharge


def _at(moment: dt.datetime) -> str:
    """A time in a refusal: the clock time today, with the day (and year) otherwise."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return date_format(local, "H:i")
    return date_format(local, "j M Y, H:i")


def _first_dose_missing(profile: Profile, substance: str, name: str) -> str:
    table = next((t for t in profile.minimum_duration if t.substance == substance), None)
    message = _(
        "First dose: none is recorded for %(name)s. A partner leaves after their first dose "
        "and the minimum duration that follows it"
    ) % {"name": name}
    return f"{message}{cited(table.source) if table else ''}."


def _unsigned_adverse_events(session: MedicineSession, partner_id: int, name: str) -> list[str]:
    """A refusal for each severe or serious adverse event of PARTNER_ID (those that raise an
    alert) that no clinical lead has signed off with a note: by acknowledging its alert, or,
    when someone else acknowledged it first, by recording a correction of the event (its
    outcome) whose reason is the note. A facilitator's acknowledgement does not count."""
    leads = adverse_event_signers(session)
    alerts = SafetyAlert.objects.filter(
        session_event__session=session,
        partner_id=partner_id,
        rule_id__startswith="adverse-event-",
    ).select_related("session_event", "acknowledged_by")
    reviewed = set(
        SessionEvent.objects.filter(
            session=session, kind="correction", recorded_by_id__in=leads
        ).values_list("corrects_id", flat=True)
    )
    refusals = []
    for alert in sorted(alerts, key=lambda a: (a.created_at, a.pk)):
        event = alert.session_event
        if (
            event is None
            or event.pk in reviewed
            or (alert.acknowledged_at and alert.note.strip() and alert.acknowledged_by_id in leads)
        ):
            continue
        words = {
            "severity": str(event.data.get("severity", "")).replace("_", "-"),
            "at": _at(event.occurred_at),
            "name": name,
            "source": cited(alert.source),
        }
        if alert.acknowledged_at and alert.acknowledged_by is not None:
            words["who"] = alert.acknowledged_by.display_name
            text = _(
                "Adverse event (%(severity)s) at %(at)s: acknowledged by %(who)s, who is not a "
                "clinical lead. Before %(name)s leaves, a clinical lead signs it off by recording "
                "a correction of the event with its outcome%(source)s."
            )
        else:
            text = _(
                "Adverse event (%(severity)s) at %(at)s: before %(name)s leaves, a clinical lead "
                "signs it off by acknowledging its alert with a note%(source)s."
            )
        refusals.append(text % words)
    return refusals


def _left_at_problem(
    session: MedicineSession,
    clock: DoseClock | None,
    left: dt.datetime,
    now: dt.datetime,
    *,
    transfer: bool,
) -> str | None:
    """Why LEFT cannot be when the partner left, or None: never in the future, never before
    their first dose, and never before the minimum duration from it had passed."""
    if left > now + CLOCK_SKEW:
        return _("This time is in the future.")
    if clock is not None:
        # Times of leaving are typed to the minute: the minute of the dose itself is not before it.
        first = clock.first.occurred_at.replace(second=0, microsecond=0)
        if left < first:
            return _("%(left)s is before the partner's first dose at %(first)s.") % {
                "left": _at(left),
                "first": _at(first),
            }
        if clock.minimum is not None and not transfer:
            earliest = first + dt.timedelta(minutes=clock.minimum)
            if left < earliest:
                return _(
                    "%(left)s is before the minimum duration ended at %(earliest)s%(source)s."
                ) % {"left": _at(left), "earliest": _at(earliest), "source": cited(clock.source)}
        return None
    day = timezone.localtime(session.starts_at).date()
    if timezone.localtime(left).date() < day:
        return _("%(left)s is before the session's day, %(day)s.") % {
            "left": _at(left),
            "day": date_format(day, "j M Y"),
        }
    return None


# History a practice brings with it ----------------------------------------------------------


def medicine_session_import(
    *,
    viewer: Viewer,
    couple: Couple,
    starts_at: dt.datetime,
    room: str = "",
    facilitator_ids: Iterable[int] = (),
) -> MedicineSession:
    """Record a medicine session COUPLE held before its records were kept here: the care team
    only, a start in the past, facilitators of the care team, the profile's first substance.
    It does not pass the readiness gate, which judges a session still to come against the
    records it reads; its plan, live record and discharge then go through their services."""
    require_care_team(viewer, couple, action="record medicine sessions for")
    profile = get_profile(couple.organisation.profile)
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at >= timezone.now():
        errors["starts_at"] = [_("A session held before: choose a start in the past.")]
    facilitators = list(dict.fromkeys(facilitator_ids))
    team = {m.user_id for m in couple.loaded_care_team}
    strangers = [f for f in facilitators if f not in team]
    if not facilitators:
        # A facilitator licensed by the profile is present throughout (the rule checked
        # below, with its source); a booking with nobody would hold the room for no one.
        errors["facilitator_ids"] = [
            _("Choose the facilitators who will be present: at least one.")
        ]
    elif strangers:
        errors["facilitator_ids"] = [
            _("Not on this couple's care team: %(ids)s.")
            % {"ids": ", ".join(str(f) for f in strangers)}
        ]
    if len(room) > 120:
        errors["room"] = [_("At most 120 characters.")]
        place = None
    else:
        place = _room_or_errors(couple, room, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        session = _session_create(
            Action.MEDICINE_SESSION_IMPORT,
            viewer=viewer,
            couple=couple,
            profile=profile,
            substance=profile.substances[0],
            starts_at=starts_at,
            room=place,
            facilitators=facilitators,
            held=True,
        )
    return session


def _session_create(
    action: Action,
    *,
    viewer: Viewer,
    couple: Couple,
    profile: Profile,
    substance: str,
    starts_at: dt.datetime,
    room: Room | None,
    facilitators: list[int],
    status: BookingStatus = BookingStatus.CONFIRMED,
    missing: list[str] | None = None,
    held: bool = False,
) -> MedicineSession:
    """The session's booking, its row, its facilitators and the audit event ACTION, in the
    caller's transaction: scheduling one ahead and recording one held before write the same
    (one held before is history, not checked against other bookings)."""
    booking = booking_reserve(
        viewer=viewer,
        organisation=couple.organisation,
        couple=couple,
        kind=BookingKind.MEDICINE,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=medicine_minutes(profile, substance)),
        room=room,
        facilitator_ids=facilitators,
        status=status,
        held=held,
    )
    session = MedicineSession.objects.create(
        organisation_id=couple.organisation_id,
        couple=couple,
        substance=substance,
        starts_at=starts_at,
        room=room.name if room else "",
        booking=booking,
        profile=profile.id,
        profile_version=profile.version,
        scheduled_by=viewer.user,
    )
    SessionFacilitator.objects.bulk_create(
        SessionFacilitator(organisation_id=couple.organisation_id, session=session, user_id=f)
        for f in facilitators
    )
    extra: dict[str, Any] = {}
    if status == BookingStatus.TENTATIVE:
        extra = {"tentative": True, "missing": missing or []}
    viewer.audit(
        action,
        session,
        starts_at=starts_at.isoformat(),
        substance=substance,
        facilitators=facilitators,
        profile=f"{profile.id}@{profile.version}",
        room=room.pk if room else None,
        **extra,
    )
    return session
