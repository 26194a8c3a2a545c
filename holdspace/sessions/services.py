"""Scheduling a medicine session, only through the readiness gate."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.couples.models import Couple
from holdspace.measures.models import SafetyAlert
from holdspace.policy import Viewer, require_care_team, require_session_care
from holdspace.preparation.readiness import Readiness, couple_stage_sync, readiness
from holdspace.screening.profiles import SUBSTANCE_LABELS, DoseLimit, Profile, get_profile
from holdspace.sessions.events import DATA, JOINT_KINDS, PARTNER_KINDS, EventDataError, clean_data
from holdspace.sessions.models import (
    Discharge,
    MedicineSession,
    PartnerPlan,
    SessionEvent,
    SessionFacilitator,
    SessionStatus,
)


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
    """Schedule a session for COUPLE at STARTS_AT: the care team only (checked first), with
    valid input, and only when both partners meet every requirement of the profile at that
    time (otherwise NotReady lists what is missing)."""
    require_care_team(viewer, couple, action="schedule medicine sessions for")
    profile = get_profile(couple.organisation.profile)
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at < timezone.now():
        errors["starts_at"] = [_("Choose a start time in the future.")]
    if substance is not None and substance not in profile.substances:
        allowed = ", ".join(SUBSTANCE_LABELS.get(s, s) for s in profile.substances)
        errors["substance"] = [
            _("%(profile)s does not allow %(substance)s; choose %(allowed)s.")
            % {"profile": profile.name, "substance": substance, "allowed": allowed}
        ]
    facilitators = list(dict.fromkeys(facilitator_ids))
    team = {m.user_id for m in couple.loaded_care_team}
    strangers = [f for f in facilitators if f not in team]
    if strangers:
        errors["facilitator_ids"] = [
            _("Not on this couple's care team: %(ids)s.")
            % {"ids": ", ".join(str(f) for f in strangers)}
        ]
    if len(room) > 120:
        errors["room"] = [_("At most 120 characters.")]
    if errors:
        raise ValidationError(errors)
    result = readiness(couple, at=starts_at, substance=substance)
    if not result.ready:
        viewer.audit(
            action="medicine_session.refused",
            organisation_id=couple.organisation_id,
            object_type="couple",
            object_id=couple.pk,
            couple_id=couple.pk,
            detail={
                "starts_at": starts_at.isoformat(),
                "missing": [m["code"] for m in result.missing()],
            },
        )
        raise NotReady(result)
    with transaction.atomic():
        session = MedicineSession.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            substance=result.substance,
            starts_at=starts_at,
            room=room.strip(),
            profile=profile.id,
            profile_version=profile.version,
            scheduled_by=viewer.user,
        )
        SessionFacilitator.objects.bulk_create(
            SessionFacilitator(organisation_id=couple.organisation_id, session=session, user_id=f)
            for f in facilitators
        )
        viewer.audit(
            action="medicine_session.schedule",
            organisation_id=couple.organisation_id,
            object_type="medicine_session",
            object_id=session.pk,
            couple_id=couple.pk,
            detail={
                "starts_at": starts_at.isoformat(),
                "substance": result.substance,
                "facilitators": facilitators,
                "profile": f"{profile.id}@{profile.version}",
            },
        )
        couple_stage_sync(couple)
    return session


# The plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    partner_id: int
    product: str
    lot: str
    mg_per_unit: float
    planned_mg: float
    supplemental_mg: float | None = None
    supplemental_after_minutes: int | None = None


def _limit_message(limit: DoseLimit, what: str, mg: float, ceiling: float) -> str:
    return _("%(what)s of %(mg)s mg is over the limit of %(limit)s %(unit)s (%(source)s).") % {
        "what": what,
        "mg": f"{mg:g}",
        "limit": f"{ceiling:g}",
        "unit": limit.unit,
        "source": limit.source,
    }


def _ratio_problem(profile: Profile, substance: str, largest_mg: float, present: int) -> str | None:
    needed = profile.facilitators_needed(substance, largest_mg)
    if needed is None or present >= needed[0]:
        return None
    count, table = needed
    return _(
        "A largest individual dose of %(mg)s mg needs at least %(n)d facilitator(s) present "
        "for two partners; %(present)d planned (%(source)s)."
    ) % {"mg": f"{largest_mg:g}", "n": count, "present": present, "source": table.source}


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
    partner_ids = {p.user_id for p in session.couple.loaded_partners}
    team = {m.user_id for m in session.couple.loaded_care_team}
    lines = list(lines)
    errors: dict[str, list[str]] = {}
    limit = profile.dose_limit(session.substance)
    for index, line in enumerate(lines):
        where = f"plans.{index}"
        if line.partner_id not in partner_ids:
            errors[f"{where}.partner_id"] = [_("Not a partner of this couple.")]
            continue
        if (
            limit
            and limit.per_session_max_mg
            and line.planned_mg + (line.supplemental_mg or 0) > limit.per_session_max_mg
        ):
            errors[f"{where}.planned_mg"] = [
                _limit_message(
                    limit,
                    _("A planned total"),
                    line.planned_mg + (line.supplemental_mg or 0),
                    limit.per_session_max_mg,
                )
            ]
        if limit and limit.per_serving_max_mg:
            for name, mg in (
                ("planned_mg", line.planned_mg),
                ("supplemental_mg", line.supplemental_mg),
            ):
                if mg is not None and mg > limit.per_serving_max_mg:
                    errors[f"{where}.{name}"] = [
                        _limit_message(limit, _("A serving"), mg, limit.per_serving_max_mg)
                    ]
        timing = profile.supplemental_timing(session.substance)
        if line.supplemental_mg and timing and line.supplemental_after_minutes is not None:
            after = line.supplemental_after_minutes
            if after < timing.min_minutes_after or (
                timing.max_minutes_after is not None and after > timing.max_minutes_after
            ):
                errors[f"{where}.supplemental_after_minutes"] = [
                    _(
                        "The supplemental dose is given %(lo)d–%(hi)s minutes after the first "
                        "(%(source)s)."
                    )
                    % {
                        "lo": timing.min_minutes_after,
                        "hi": timing.max_minutes_after or "∞",
                        "source": timing.source,
                    }
                ]
    if len({line.partner_id for line in lines}) != len(lines):
        errors["plans"] = [_("One plan per partner.")]
    facilitators = (
        list(dict.fromkeys(facilitator_ids))
        if facilitator_ids is not None
        else list(session.facilitators.values_list("user_id", flat=True))
    )
    strangers = [f for f in facilitators if f not in team]
    if strangers:
        errors["facilitator_ids"] = [_("Not on this couple's care team.")]
    if lines and not errors:
        largest = max(line.planned_mg + (line.supplemental_mg or 0) for line in lines)
        problem = _ratio_problem(profile, session.substance, largest, len(facilitators))
        if problem:
            errors["facilitator_ids"] = [problem]
    if room is not None and len(room) > 120:
        errors["room"] = [_("At most 120 characters.")]
    if errors:
        raise ValidationError(errors)
    minimum = None
    for line in lines:
        found = profile.minimum_minutes(
            session.substance, line.planned_mg + (line.supplemental_mg or 0)
        )
        if found is not None:
            minimum = max(minimum or 0, found[0])
    with transaction.atomic():
        for line in lines:
            PartnerPlan.objects.update_or_create(
                session=session,
                partner_id=line.partner_id,
                defaults={
                    "organisation_id": session.organisation_id,
                    "product": line.product.strip(),
                    "lot": line.lot.strip(),
                    "mg_per_unit": line.mg_per_unit,
                    "planned_mg": line.planned_mg,
                    "supplemental_mg": line.supplemental_mg,
                    "supplemental_after_minutes": line.supplemental_after_minutes,
                },
            )
        if facilitator_ids is not None:
            SessionFacilitator.objects.filter(session=session).exclude(
                user_id__in=facilitators
            ).delete()
            existing = set(session.facilitators.values_list("user_id", flat=True))
            SessionFacilitator.objects.bulk_create(
                SessionFacilitator(
                    organisation_id=session.organisation_id, session=session, user_id=f
                )
                for f in facilitators
                if f not in existing
            )
        if lines:
            session.minimum_minutes = minimum
        if room is not None:
            session.room = room.strip()
        if music_plan is not None:
            session.music_plan = dict(music_plan)
        session.save(update_fields=["minimum_minutes", "room", "music_plan"])
        viewer.audit(
            action="medicine_session.plan",
            organisation_id=session.organisation_id,
            object_type="medicine_session",
            object_id=session.pk,
            couple_id=session.couple_id,
            detail={
                "plans": [
                    {
                        "partner": line.partner_id,
                        "mg": line.planned_mg,
                        "supplemental": line.supplemental_mg,
                        "lot": line.lot,
                    }
                    for line in lines
                ],
                "facilitators": facilitators,
                "minimum_minutes": minimum,
            },
        )
    return session


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


def _given_mg(session: MedicineSession, partner_id: int) -> tuple[float, SessionEvent | None]:
    """What PARTNER_ID has been given so far (corrected doses count at their corrected
    amount), and their first dose."""
    doses = list(
        SessionEvent.objects.filter(
            session=session, partner_id=partner_id, kind__in=["dose", "supplemental_dose"]
        ).order_by("occurred_at", "id")
    )
    if not doses:
        return 0.0, None
    corrections = {
        str(c.data.get("corrects")): c.data.get("data", {})
        for c in SessionEvent.objects.filter(session=session, kind="correction").order_by(
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
        if stored.fingerprint != fingerprint:
            raise EventConflict(stored)
        return Recorded(stored, False, list(stored.alerts.all()))
    with transaction.atomic():
        # One writer per session at a time, so cumulative checks (the dose limit) hold.
        locked = MedicineSession.objects.select_for_update().get(pk=session.pk)
        locked.couple = session.couple  # with its partners and care team loaded
        stored = SessionEvent.objects.filter(session=session, uuid=event_id).first()
        if stored is not None:  # the same event arrived twice at once
            if stored.fingerprint != fingerprint:
                raise EventConflict(stored)
            return Recorded(stored, False, list(stored.alerts.all()))
        corrects = _check_event(viewer, locked, kind, occurred_at, clean, partner_id)
        event = SessionEvent.objects.create(
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
            session=locked,
            uuid=event_id,
            partner_id=partner_id,
            kind=kind,
            occurred_at=occurred_at,
            data=clean,
            corrects=corrects,
            fingerprint=fingerprint,
            recorded_by=viewer.user,
        )
        alerts = _raise_alerts(locked, event)
        changed: list[str] = []
        if locked.status == SessionStatus.SCHEDULED:
            locked.status = SessionStatus.IN_PROGRESS
            changed.append("status")
        if locked.started_at is None or occurred_at < locked.started_at:
            locked.started_at = occurred_at
            changed.append("started_at")
        if kind == "end":
            locked.status = SessionStatus.ENDED
            locked.ended_at = occurred_at
            locked.end_reason = clean["reason"]
            changed += ["status", "ended_at", "end_reason"]
        if changed:
            locked.save(update_fields=sorted(set(changed)))
        session.status, session.started_at = locked.status, locked.started_at
        session.ended_at, session.end_reason = locked.ended_at, locked.end_reason
        viewer.audit(
            action="session_event.record",
            organisation_id=session.organisation_id,
            object_type="session_event",
            object_id=event.pk,
            couple_id=session.couple_id,
            detail={
                "session": session.pk,
                "uuid": str(event_id),
                "kind": kind,
                "partner": partner_id,
                "alerts": [a.rule_id for a in alerts],
            },
        )
        if kind == "end":
            couple_stage_sync(session.couple)
    return Recorded(event, True, alerts)


def _check_event(
    viewer: Viewer,
    session: MedicineSession,
    kind: str,
    occurred_at: dt.datetime,
    data: Mapping[str, Any],
    partner_id: int | None,
) -> SessionEvent | None:
    """The rules a new event must meet; returns the event a correction corrects."""
    profile = get_profile(session.profile)
    partner_ids = {p.user_id for p in session.couple.loaded_partners}
    errors: dict[str, list[str]] = {}
    if session.status in {SessionStatus.CLOSED, SessionStatus.CANCELLED}:
        raise ValidationError({"session": [_("The session is closed: nothing more is recorded.")]})
    if session.status == SessionStatus.ENDED and kind in {
        "dose",
        "supplemental_dose",
        "touch",
        "end",
    }:
        raise ValidationError(
            {"kind": [_("The session has ended: no more %(kind)s.") % {"kind": kind}]}
        )
    scheduled_day = timezone.localtime(session.starts_at).date()
    if timezone.localtime(occurred_at).date() < scheduled_day:
        errors["occurred_at"] = [
            _("Events are accepted from the session's day, %(day)s, on.")
            % {"day": scheduled_day.isoformat()}
        ]
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        errors["occurred_at"] = [_("This time is in the future.")]
    if partner_id is not None and partner_id not in partner_ids:
        errors["partner_id"] = [_("Not a partner of this couple.")]
    if kind in PARTNER_KINDS and partner_id is None:
        errors["partner_id"] = [_("Say which partner this is for.")]
    if kind in JOINT_KINDS and partner_id is not None:
        errors["partner_id"] = [
            _("This is an event of the session, not of one partner: leave partner_id out.")
        ]
    if errors:
        raise ValidationError(errors)
    if kind in {"dose", "supplemental_dose"}:
        assert partner_id is not None
        _check_dose(session, profile, kind, occurred_at, data, partner_id)
    if kind == "touch":
        assert partner_id is not None
        _check_touch(session, data, partner_id)
    if kind == "end" and data["reason"] != "emergency_transfer":
        _check_duration(session, profile, occurred_at)
    if kind == "correction":
        corrected = SessionEvent.objects.filter(session=session, uuid=data["corrects"]).first()
        if corrected is None:
            raise ValidationError({"data.corrects": [_("No event with this id in this session.")]})
        if corrected.kind == "correction":
            raise ValidationError(
                {"data.corrects": [_("Correct the original event, not a correction.")]}
            )
        if corrected.kind in {"dose", "supplemental_dose"} and "amount_mg" in data["data"]:
            try:
                amount = float(data["data"]["amount_mg"])
            except (TypeError, ValueError):
                raise ValidationError(
                    {"data.data.amount_mg": [_("Give the amount in mg.")]}
                ) from None
            if amount <= 0:
                raise ValidationError({"data.data.amount_mg": [_("Give the amount in mg.")]})
        return corrected
    return None


def _check_dose(
    session: MedicineSession,
    profile: Profile,
    kind: str,
    occurred_at: dt.datetime,
    data: Mapping[str, Any],
    partner_id: int,
) -> None:
    given, first = _given_mg(session, partner_id)
    amount = float(data["amount_mg"])
    limit = profile.dose_limit(session.substance)
    if limit and limit.per_serving_max_mg and amount > limit.per_serving_max_mg:
        raise ValidationError(
            {
                "data.amount_mg": [
                    _limit_message(limit, _("A serving"), amount, limit.per_serving_max_mg)
                ]
            }
        )
    if limit and limit.per_session_max_mg and given + amount > limit.per_session_max_mg:
        raise ValidationError(
            {
                "data.amount_mg": [
                    _limit_message(
                        limit,
                        _("With %(given)s mg given, a total") % {"given": f"{given:g}"},
                        given + amount,
                        limit.per_session_max_mg,
                    )
                ]
            }
        )
    if kind == "supplemental_dose":
        if first is None:
            raise ValidationError(
                {"kind": [_("Record the first dose before a supplemental dose.")]}
            )
        timing = profile.supplemental_timing(session.substance)
        if timing is not None:
            after = (occurred_at - first.occurred_at).total_seconds() / 60
            if after < timing.min_minutes_after:
                raise ValidationError(
                    {
                        "occurred_at": [
                            _(
                                "A supplemental dose is given at least %(n)d minutes after the "
                                "first; it has been %(m)d (%(source)s)."
                            )
                            % {
                                "n": timing.min_minutes_after,
                                "m": int(after),
                                "source": timing.source,
                            }
                        ]
                    }
                )
    elif first is not None and kind == "dose":
        pass  # a second "dose" is allowed (Colorado servings); the limit above still holds
    present = session.facilitators.count()
    largest = max(given + amount, _largest_other(session, partner_id))
    problem = _ratio_problem(profile, session.substance, largest, present)
    if problem:
        raise ValidationError({"data.amount_mg": [problem]})


def _largest_other(session: MedicineSession, partner_id: int) -> float:
    others = [p.user_id for p in session.couple.loaded_partners if p.user_id != partner_id]
    return max((_given_mg(session, other)[0] for other in others), default=0.0)


def _check_touch(session: MedicineSession, data: Mapping[str, Any], partner_id: int) -> None:
    from holdspace.preparation.models import PartnerForm

    consent = (
        PartnerForm.objects.filter(
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
            partner_id=partner_id,
            kind="touch_consent",
        )
        .order_by("-created_at", "-id")
        .first()
    )
    answers = consent.data if consent else {}
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


def _check_duration(session: MedicineSession, profile: Profile, occurred_at: dt.datetime) -> None:
    minimum = session.minimum_minutes or 0
    first_doses = []
    for partner in session.couple.loaded_partners:
        given, first = _given_mg(session, partner.user_id)
        if first is not None:
            first_doses.append(first.occurred_at)
            found = profile.minimum_minutes(session.substance, given)
            if found is not None:
                minimum = max(minimum, found[0])
    start = min(first_doses) if first_doses else session.started_at
    if start is None or not minimum:
        return
    elapsed = (occurred_at - start).total_seconds() / 60
    if elapsed < minimum:
        raise ValidationError(
            {
                "data.reason": [
                    _(
                        "The session may end %(minimum)d minutes after the first dose; it has "
                        "been %(elapsed)d. Only an emergency transfer ends it sooner."
                    )
                    % {"minimum": minimum, "elapsed": int(elapsed)}
                ]
            }
        )


def _raise_alerts(session: MedicineSession, event: SessionEvent) -> list[SafetyAlert]:
    profile = get_profile(session.profile)
    found: list[tuple[str, str, str]] = []
    if event.kind == "vitals" and profile.vital_thresholds is not None:
        source = profile.vital_thresholds.source + (
            " (unverified)" if profile.vital_thresholds.unverified else ""
        )
        found += [(rule, message, source) for rule, message in _vital_alerts(profile, event.data)]
    if event.kind == "adverse_event" and (
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


# Discharge ---------------------------------------------------------------------------------


def discharge_record(
    *,
    viewer: Viewer,
    session: MedicineSession,
    partner_id: int,
    effects_resolved: bool,
    oriented: bool,
    transport_confirmed: bool,
    transport_deviation: str = "",
    left_at: dt.datetime | None = None,
    notes: str = "",
) -> Discharge:
    """Discharge one partner: the criteria met and signed off by the facilitator, the transport
    plan confirmed or the deviation recorded. The session closes when both have left."""
    require_session_care(viewer, session, action="discharge partners from")
    partner_ids = {p.user_id for p in session.couple.loaded_partners}
    errors: dict[str, list[str]] = {}
    if session.status not in {SessionStatus.IN_PROGRESS, SessionStatus.ENDED}:
        errors["session"] = [_("Discharge follows a session that has begun.")]
    if partner_id not in partner_ids:
        errors["partner_id"] = [_("Not a partner of this couple.")]
    elif Discharge.objects.filter(session=session, partner_id=partner_id).exists():
        errors["partner_id"] = [_("This partner has already been discharged.")]
    if not effects_resolved:
        errors["effects_resolved"] = [_("A partner leaves only once the effects have resolved.")]
    if not oriented:
        errors["oriented"] = [_("A partner leaves only when oriented.")]
    deviation = transport_deviation.strip()
    if not transport_confirmed and not deviation:
        errors["transport_deviation"] = [
            _("Confirm the transportation plan, or record how it changed.")
        ]
    left = left_at or timezone.now()
    if timezone.is_naive(left):
        left = timezone.make_aware(left)
    if left > timezone.now() + dt.timedelta(minutes=5):
        errors["left_at"] = [_("This time is in the future.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = MedicineSession.objects.select_for_update().get(pk=session.pk)
        discharge = Discharge.objects.create(
            organisation_id=session.organisation_id,
            session=locked,
            partner_id=partner_id,
            effects_resolved=effects_resolved,
            oriented=oriented,
            transport_confirmed=transport_confirmed,
            transport_deviation=deviation,
            left_at=left,
            notes=notes.strip(),
            signed_off_by=viewer.user,
        )
        if Discharge.objects.filter(session=locked).count() == len(partner_ids):
            locked.status = SessionStatus.CLOSED
            locked.closed_at = timezone.now()
            if locked.ended_at is None:
                locked.ended_at = left
            locked.save(update_fields=["status", "closed_at", "ended_at"])
            session.status, session.closed_at = locked.status, locked.closed_at
        viewer.audit(
            action="medicine_session.discharge",
            organisation_id=session.organisation_id,
            object_type="medicine_session",
            object_id=session.pk,
            couple_id=session.couple_id,
            detail={
                "partner": partner_id,
                "transport_confirmed": transport_confirmed,
                "closed": locked.status == SessionStatus.CLOSED,
            },
        )
        couple_stage_sync(session.couple)
    return discharge
