"""The live record of a medicine session: each event recorded exactly once by its client
UUID, checked against the profile (dose limit, supplemental timing, ratio, touch consent,
minimum duration), with the alerts it raises. Corrections are new events."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingStatus
from holdspace.inventory.doses import Draw, correction_draw, dose_draw, dose_line_write
from holdspace.measures.models import SafetyAlert
from holdspace.policy.core import Viewer
from holdspace.policy.sessions import require_session_care
from holdspace.preparation.services import couple_stage_sync
from holdspace.preparation.signatures.gate import require_session_signed, touch_answers
from holdspace.screening.profiles import Profile, get_profile
from holdspace.sessions.events import DATA, EventDataError, clean_data
from holdspace.sessions.limits import (
    cited,
    limit_message,
    minimum_duration_problem,
    ratio_problem,
)
from holdspace.sessions.models import (
    DOSE_KINDS,
    JOINT_KINDS,
    NOT_AFTER_END,
    PARTNER_KINDS,
    EventKind,
    MedicineSession,
    SessionEvent,
    SessionStatus,
)

# A tablet's clock a few minutes fast does not make a time "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)

# The live record ------------------------------------------------------------------------


class EventConflict(Exception):
    """A different body under an event id the server already holds."""

    def __init__(self, stored: SessionEvent) -> None:
        super().__init__("A different event was already recorded under this id")
        self.stored = stored


@dataclass(frozen=True)
class Recorded:
    event: SessionEvent
    created: bool
    alerts: list[SafetyAlert]


def _fingerprint(partner_id: int | None, kind: str, occurred_at: dt.datetime, data: Any) -> str:
    canonical = json.dumps(
        {
            "partner_id": partner_id,
            "kind": kind,
            "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="milliseconds"),
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def given_mg(session: MedicineSession, partner_id: int) -> tuple[float, SessionEvent | None]:
    """What PARTNER_ID has been given so far (corrected doses count at their corrected
    amount), and their first dose."""
    doses = list(
        SessionEvent.objects.filter(
            session=session, partner_id=partner_id, kind__in=DOSE_KINDS
        ).order_by("occurred_at", "id")
    )
    if not doses:
        return 0.0, None
    corrections = {
        str(c.data.get("corrects")): c.data.get("data", {})
        for c in SessionEvent.objects.filter(session=session, kind=EventKind.CORRECTION).order_by(
            "occurred_at", "id"
        )
    }
    total = 0.0
    for dose in doses:
        amount = corrections.get(str(dose.uuid), {}).get("amount_mg", dose.data["amount_mg"])
        total += float(amount)
    return total, doses[0]


def _vital_alerts(profile: Profile, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    limits = profile.vital_thresholds
    if limits is None:
        return []
    found = []
    checks = (
        ("systolic", limits.systolic_max, "high", _("Systolic pressure %(v)s mmHg is above %(t)s")),
        (
            "diastolic",
            limits.diastolic_max,
            "high",
            _("Diastolic pressure %(v)s mmHg is above %(t)s"),
        ),
        ("heart_rate", limits.heart_rate_max, "high", _("Heart rate %(v)s bpm is above %(t)s")),
        ("heart_rate", limits.heart_rate_min, "low", _("Heart rate %(v)s bpm is below %(t)s")),
        (
            "temperature_c",
            limits.temperature_max_c,
            "high",
            _("Temperature %(v)s °C is above %(t)s"),
        ),
    )
    for name, threshold, side, message in checks:
        value = data.get(name)
        if value is None or threshold is None:
            continue
        if (side == "high" and value > threshold) or (side == "low" and value < threshold):
            found.append(
                (
                    f"vitals-{name.replace('_', '-')}-{side}",
                    message % {"v": f"{value:g}", "t": f"{threshold:g}"},
                )
            )
    return found


def session_event_record(
    *,
    viewer: Viewer,
    session: MedicineSession,
    event_id: uuid.UUID,
    kind: str,
    occurred_at: dt.datetime,
    data: Mapping[str, Any],
    partner_id: int | None = None,
) -> Recorded:
    """Record one event exactly once. A replay of a stored id with the same body returns the
    stored event (created False); a different body raises EventConflict; bad input raises
    ValidationError naming the field. Alerts the event raises come back with it."""
    require_session_care(viewer, session, action="record events for")
    if kind not in DATA:
        raise ValidationError({"kind": [_("Unknown kind: %(kind)s.") % {"kind": kind}]})
    kind = EventKind(kind)
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    stored = SessionEvent.objects.filter(session=session, uuid=event_id).first()
    try:
        clean = clean_data(kind, dict(data))
    except EventDataError as exc:
        if stored is not None:  # a different body under a known id
            raise EventConflict(stored) from None
        raise ValidationError(exc.problems) from None
    fingerprint = _fingerprint(partner_id, kind, occurred_at, clean)
    if stored is not None:
        return _replayed(stored, fingerprint)
    with transaction.atomic():
        # One writer per session at a time, so cumulative checks (the dose limit) hold.
        locked = MedicineSession.objects.select_for_update().get(pk=session.pk)
        locked.couple = session.couple  # with its partners and care team loaded
        stored = SessionEvent.objects.filter(session=session, uuid=event_id).first()
        if stored is not None:  # the same event arrived twice at once
            return _replayed(stored, fingerprint)
        checked = _check_event(viewer, locked, kind, occurred_at, clean, partner_id)
        event = SessionEvent.objects.create(
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
            session=locked,
            uuid=event_id,
            partner_id=partner_id,
            kind=kind,
            occurred_at=occurred_at,
            data=checked.data,
            corrects=checked.corrects,
            fingerprint=fingerprint,
            recorded_by=viewer.user,
        )
        if checked.draw is not None:
            # The dose's ledger line, in this transaction: refused, the event is not kept.
            dose_line_write(viewer=viewer, event=event, draw=checked.draw)
        alerts = _raise_alerts(locked, event)
        _advance_session(locked, event)
        session.status, session.started_at = locked.status, locked.started_at
        session.ended_at, session.end_reason = locked.ended_at, locked.end_reason
        viewer.audit(
            Action.SESSION_EVENT_RECORD,
            event,
            session=session.pk,
            uuid=str(event_id),
            kind=kind.value,
            partner=partner_id,
            alerts=[a.rule_id for a in alerts],
        )
        if kind == EventKind.END:
            couple_stage_sync(viewer=viewer, couple=session.couple)
    return Recorded(event, True, alerts)


def _replayed(stored: SessionEvent, fingerprint: str) -> Recorded:
    """A stored event sent again: the same one if its body is the same, else a conflict."""
    if stored.fingerprint != fingerprint:
        raise EventConflict(stored)
    return Recorded(stored, False, list(stored.alerts.all()))


def _advance_session(locked: MedicineSession, event: SessionEvent) -> None:
    """The session begins with its first dose: vital signs and notes before it do not start
    it, and every elapsed figure counts from that dose. An end event ends it."""
    changed: list[str] = []
    if event.kind in DOSE_KINDS:
        if locked.status == SessionStatus.SCHEDULED:
            locked.status = SessionStatus.IN_PROGRESS
            changed.append("status")
        if locked.started_at is None or event.occurred_at < locked.started_at:
            locked.started_at = event.occurred_at
            changed.append("started_at")
    if event.kind == EventKind.END:
        locked.status = SessionStatus.ENDED
        locked.ended_at = event.occurred_at
        locked.end_reason = event.data["reason"]
        changed += ["status", "ended_at", "end_reason"]
    if changed:
        locked.save(update_fields=sorted(set(changed)))


@dataclass(frozen=True)
class _Checked:
    """A new event that meets the rules: the data to store (a ledger dose's with its lot's
    number, product and units), the event a correction corrects, and what it moves in the
    product ledger."""

    data: dict[str, Any]
    corrects: SessionEvent | None = None
    draw: Draw | None = None


def _check_event(
    viewer: Viewer,
    session: MedicineSession,
    kind: str,
    occurred_at: dt.datetime,
    data: Mapping[str, Any],
    partner_id: int | None,
) -> _Checked:
    """The rules a new event must meet, and what it stores and moves."""
    profile = get_profile(session.profile)
    if session.status in {SessionStatus.CLOSED, SessionStatus.CANCELLED}:
        raise ValidationError({"session": [_("The session is closed: nothing more is recorded.")]})
    if session.status == SessionStatus.ENDED and kind in NOT_AFTER_END:
        raise ValidationError(
            {"kind": [_("The session has ended: no more %(kind)s.") % {"kind": kind}]}
        )
    errors = _placement_errors(session, kind, occurred_at, partner_id)
    if errors:
        raise ValidationError(errors)
    if kind in DOSE_KINDS and _tentative(session):
        raise ValidationError(
            {
                "kind": [
                    _(
                        "This session is tentative: confirm it once the couple is ready "
                        "before any dose is given."
                    )
                ]
            }
        )
    if kind in DOSE_KINDS:
        assert partner_id is not None
        # Where the profile asks for a form signed before each session (Colorado), a partner's
        # first dose waits for every signature on their copy for this session's booking.
        if profile.session_forms("medicine") and given_mg(session, partner_id)[1] is None:
            require_session_signed(
                couple=session.couple,
                kind="medicine",
                booking=session.booking,
                partner_ids=[partner_id],
            )
        _check_dose(session, profile, kind, occurred_at, data, partner_id)
        if profile.ledger_required:
            draw, stored = dose_draw(session, partner_id, data)
            return _Checked(stored, draw=draw)
        _check_free_text_product(data)
    if kind == EventKind.TOUCH:
        assert partner_id is not None
        _check_touch(session, data, partner_id)
    if kind == EventKind.END and data["reason"] != "emergency_transfer":
        _check_completed(session, profile, occurred_at)
    if kind == EventKind.CORRECTION:
        corrected = _corrected(session, data)
        if corrected.kind in DOSE_KINDS:
            adjustment, corrected_data = correction_draw(corrected, data)
            return _Checked(corrected_data, corrects=corrected, draw=adjustment)
        return _Checked(dict(data), corrects=corrected)
    return _Checked(dict(data))


def _check_free_text_product(data: Mapping[str, Any]) -> None:
    """Without a product ledger, a dose names its product and lot in words."""
    missing = {
        f"data.{name}": [_("Field required")] for name in ("product", "lot") if not data.get(name)
    }
    if missing:
        raise ValidationError(missing)


def _placement_errors(
    session: MedicineSession, kind: str, occurred_at: dt.datetime, partner_id: int | None
) -> dict[str, list[str]]:
    """Whether the event is placed right: on or after the session's day, not in the future,
    and about one partner of the couple or the session as a whole, as its kind is."""
    errors: dict[str, list[str]] = {}
    scheduled_day = timezone.localtime(session.starts_at).date()
    if timezone.localtime(occurred_at).date() < scheduled_day:
        errors["occurred_at"] = [
            _("Events are accepted from the session's day, %(day)s, on.")
            % {"day": scheduled_day.isoformat()}
        ]
    if occurred_at > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = [_("This time is in the future.")]
    partner_ids = {p.user_id for p in session.couple.loaded_partners}
    if partner_id is not None and partner_id not in partner_ids:
        errors["partner_id"] = [_("Not a partner of this couple.")]
    if kind in PARTNER_KINDS and partner_id is None:
        errors["partner_id"] = [_("Say which partner this is for.")]
    if kind in JOINT_KINDS and partner_id is not None:
        errors["partner_id"] = [
            _("This is an event of the session, not of one partner: leave partner_id out.")
        ]
    return errors


def _corrected(session: MedicineSession, data: Mapping[str, Any]) -> SessionEvent:
    """The event a correction corrects: an original event of this session; a corrected dose
    must still be an amount in mg."""
    corrected = SessionEvent.objects.filter(session=session, uuid=data["corrects"]).first()
    if corrected is None:
        raise ValidationError({"data.corrects": [_("No event with this id in this session.")]})
    if corrected.kind == EventKind.CORRECTION:
        raise ValidationError(
            {"data.corrects": [_("Correct the original event, not a correction.")]}
        )
    if corrected.kind in DOSE_KINDS and "amount_mg" in data["data"]:
        try:
            amount = float(data["data"]["amount_mg"])
        except (TypeError, ValueError):
            raise ValidationError({"data.data.amount_mg": [_("Give the amount in mg.")]}) from None
        if amount <= 0:
            raise ValidationError({"data.data.amount_mg": [_("Give the amount in mg.")]})
    return corrected


def _check_dose(
    session: MedicineSession,
    profile: Profile,
    kind: str,
    occurred_at: dt.datetime,
    data: Mapping[str, Any],
    partner_id: int,
) -> None:
    given, first = given_mg(session, partner_id)
    amount = float(data["amount_mg"])
    limit = profile.dose_limit(session.substance)
    if limit and limit.per_serving_max_mg and amount > limit.per_serving_max_mg:
        raise ValidationError(
            {
                "data.amount_mg": [
                    limit_message(limit, _("A serving"), amount, limit.per_serving_max_mg)
                ]
            }
        )
    if limit and limit.per_session_max_mg and given + amount > limit.per_session_max_mg:
        raise ValidationError(
            {
                "data.amount_mg": [
                    limit_message(
                        limit,
                        _("With %(given)s mg given, a total") % {"given": f"{given:g}"},
                        given + amount,
                        limit.per_session_max_mg,
                    )
                ]
            }
        )
    # A further "dose" (Colorado servings) needs no timing; the limit above still holds.
    if kind == EventKind.SUPPLEMENTAL_DOSE:
        _check_supplemental(session, profile, occurred_at, first)
    present = session.facilitators.count()
    largest = max(given + amount, _largest_other(session, partner_id))
    problem = ratio_problem(profile, session.substance, largest, present)
    if problem:
        raise ValidationError({"data.amount_mg": [problem]})


def _check_supplemental(
    session: MedicineSession,
    profile: Profile,
    occurred_at: dt.datetime,
    first: SessionEvent | None,
) -> None:
    """A supplemental dose follows a first dose, no sooner than the profile allows."""
    if first is None:
        raise ValidationError({"kind": [_("Record the first dose before a supplemental dose.")]})
    timing = profile.supplemental_timing(session.substance)
    if timing is None:
        return
    after = (occurred_at - first.occurred_at).total_seconds() / 60
    if after < timing.min_minutes_after:
        message = _(
            "A supplemental dose is given at least %(n)d minutes after the first; it has been "
            "%(m)d%(source)s."
        ) % {"n": timing.min_minutes_after, "m": int(after), "source": cited(timing.source)}
        raise ValidationError({"occurred_at": [message]})


def _largest_other(session: MedicineSession, partner_id: int) -> float:
    others = [p.user_id for p in session.couple.loaded_partners if p.user_id != partner_id]
    return max((given_mg(session, other)[0] for other in others), default=0.0)


def _check_touch(session: MedicineSession, data: Mapping[str, Any], partner_id: int) -> None:
    answers = touch_answers(session.couple, partner_id)
    if data["by"] == "facilitator":
        if answers.get("facilitator_touch") != "yes":
            raise ValidationError(
                {
                    "data.by": [
                        _("This partner has not consented to supportive touch from a facilitator.")
                    ]
                }
            )
        if data["form"] not in answers.get("facilitator_touch_forms", []):
            raise ValidationError(
                {
                    "data.form": [
                        _("This partner's consent does not cover this kind of touch (%(allowed)s).")
                        % {"allowed": ", ".join(answers.get("facilitator_touch_forms", [])) or "—"}
                    ]
                }
            )
    elif answers.get("partner_touch") != "yes":
        raise ValidationError(
            {
                "data.by": [
                    _(
                        "This partner has not consented to touch from their partner during "
                        "the session."
                    )
                ]
            }
        )


@dataclass(frozen=True)
class DoseClock:
    """One partner's first dose, what they have been given in all, and the profile's minimum
    duration from that first dose for it (None when the profile sets none)."""

    partner_id: int
    first: SessionEvent
    given_mg: float
    minimum: int | None
    source: str

    def problem(self, session: MedicineSession, at: dt.datetime) -> str | None:
        """Why AT is too soon after the first dose, or None."""
        if self.minimum is None:
            return None
        return minimum_duration_problem(
            minimum=self.minimum,
            elapsed=(at - self.first.occurred_at).total_seconds() / 60,
            mg=self.given_mg,
            substance=session.substance,
            source=self.source,
        )


def dose_clock(session: MedicineSession, profile: Profile, partner_id: int) -> DoseClock | None:
    """PARTNER_ID's dose clock, or None before their first dose."""
    given, first = given_mg(session, partner_id)
    if first is None:
        return None
    found = profile.minimum_minutes(session.substance, given)
    return DoseClock(
        partner_id=partner_id,
        first=first,
        given_mg=given,
        minimum=found[0] if found else None,
        source=found[1].source if found else "",
    )


def _check_completed(session: MedicineSession, profile: Profile, occurred_at: dt.datetime) -> None:
    """A session is completed only after a first dose and, for every partner dosed, the
    profile's minimum duration from their first dose (and the plan's from the earliest)."""
    clocks = [
        clock
        for partner in session.couple.loaded_partners
        if (clock := dose_clock(session, profile, partner.user_id)) is not None
    ]
    if not clocks:
        raise ValidationError(
            {
                "data.reason": [
                    _(
                        "A session is completed after a first dose, and none is recorded. "
                        "Record the dose first, or end it as an emergency transfer."
                    )
                ]
            }
        )
    problems = [p for clock in clocks if (p := clock.problem(session, occurred_at))]
    planned_total = max((plan.total_mg for plan in session.plans.all()), default=0.0)
    found = profile.minimum_minutes(session.substance, planned_total) if planned_total else None
    if not problems and session.minimum_minutes and found:
        earliest = min(clock.first.occurred_at for clock in clocks)
        planned = minimum_duration_problem(
            minimum=session.minimum_minutes,
            elapsed=(occurred_at - earliest).total_seconds() / 60,
            mg=planned_total,
            substance=session.substance,
            source=found[1].source,
            planned=True,
        )
        problems += [planned] if planned else []
    if problems:
        ending = _("Only an emergency transfer ends a session sooner.")
        raise ValidationError({"data.reason": [f"{problems[0]} {ending}"]})


def _raise_alerts(session: MedicineSession, event: SessionEvent) -> list[SafetyAlert]:
    profile = get_profile(session.profile)
    found: list[tuple[str, str, str]] = []
    if event.kind == EventKind.VITALS and profile.vital_thresholds is not None:
        source = profile.vital_thresholds.source + (
            " (unverified)" if profile.vital_thresholds.unverified else ""
        )
        crossed = [message for _rule, message in _vital_alerts(profile, event.data)]
        # One reading, one alert: every threshold it crossed listed in it, with one source.
        if len(crossed) == 1:
            found.append(("vitals-thresholds", crossed[0], source))
        elif crossed:
            message = _("One reading past %(n)d thresholds: %(list)s") % {
                "n": len(crossed),
                "list": "; ".join(crossed),
            }
            found.append(("vitals-thresholds", message, source))
    if event.kind == EventKind.ADVERSE_EVENT and (
        event.data["severity"] in {"severe", "life_threatening"}
        or event.data.get("emergency_services")
        or event.data.get("medical_care")
    ):
        found.append(
            (
                f"adverse-event-{event.data['severity'].replace('_', '-')}",
                _("Adverse event (%(severity)s): %(description)s")
                % {
                    "severity": event.data["severity"].replace("_", "-"),
                    "description": event.data["description"][:300],
                },
                "OAR 333-333-1010 (adverse behavioural or medical reaction); "
                "4 CCR 755-1 §1.4 (adverse health event)",
            )
        )
    # Alerts come only from events of one partner (vital signs, adverse events).
    if event.partner_id is None:
        return []
    subject = event.partner_id
    return [
        SafetyAlert.objects.create(
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
            partner_id=subject,
            session_event=event,
            rule_id=rule,
            message=message,
            source=source,
            created_at=event.received_at,
        )
        for rule, message, source in found
    ]


def _tentative(session: MedicineSession) -> bool:
    """Whether SESSION is booked tentative: the readiness gate has not yet confirmed it."""
    booking_id = session.booking_id
    if booking_id is None:
        return False
    return Booking.objects.filter(pk=booking_id, status=BookingStatus.TENTATIVE).exists()
