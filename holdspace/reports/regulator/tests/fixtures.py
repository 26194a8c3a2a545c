"""Couples, sessions, forms, screenings and adverse events for the regulator report tests,
written straight into the database (the services that write them are tested in their apps)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from holdspace.accounts.models import Organisation, Role, User
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.conftest import Cast
from holdspace.couples.models import CareTeamMember, Couple, Partner, Stage
from holdspace.preparation.models import FormKind, PartnerForm
from holdspace.screening.models import Screening, ScreeningOverride
from holdspace.sessions.models import Discharge, MedicineSession, SessionEvent

LA = ZoneInfo("America/Los_Angeles")
VERSION = "2024-11-22"


def local(*parts: int) -> dt.datetime:
    """A moment on the Los Angeles clock."""
    return dt.datetime(*parts, tzinfo=LA)  # type: ignore[misc]


@dataclass
class Pair:
    couple: Couple
    a: User
    b: User
    sessions: list[MedicineSession] = field(default_factory=list)


def center_in_los_angeles(cast: Cast) -> Organisation:
    Organisation.objects.filter(pk=cast.center.pk).update(time_zone="America/Los_Angeles")
    cast.center.refresh_from_db()
    return cast.center


def pair(cast: Cast, key: str, *, name: str | None = None) -> Pair:
    """A new couple of the center, its partners KEY-a and KEY-b, the facilitator on its team."""
    org = cast.center
    people = []
    for slot in ("a", "b"):
        user = user_create(
            email=f"{key}-{slot}@example.org",
            display_name=name or f"{key} {slot}".title(),
            password=None,
        )
        membership_ensure(organisation=org, user=user, role=Role.PARTNER)
        people.append(user)
    couple = Couple.objects.create(organisation=org, name=f"{key} couple", stage=Stage.PREPARATION)
    for slot, user in zip(("a", "b"), people, strict=True):
        Partner.objects.create(organisation=org, couple=couple, user=user, slot=slot)
    CareTeamMember.objects.create(organisation=org, couple=couple, user=cast.facilitator)
    return Pair(couple, people[0], people[1])


def session(cast: Cast, p: Pair, at: dt.datetime, *, food: str = "") -> MedicineSession:
    made = MedicineSession.objects.create(
        organisation=cast.center,
        couple=p.couple,
        substance="psilocybin",
        starts_at=at,
        profile="oregon-psilocybin",
        profile_version="1",
        scheduled_by=cast.facilitator,
        food_and_drink=food,
    )
    p.sessions.append(made)
    return made


def event(
    cast: Cast,
    s: MedicineSession,
    kind: str,
    at: dt.datetime,
    partner: User | None,
    data: dict[str, Any],
    *,
    corrects: SessionEvent | None = None,
) -> SessionEvent:
    return SessionEvent.objects.create(
        organisation=cast.center,
        couple=s.couple,
        session=s,
        uuid=uuid.uuid4(),
        partner=partner,
        kind=kind,
        occurred_at=at,
        data=data,
        corrects=corrects,
        fingerprint=uuid.uuid4().hex,
        recorded_by=cast.facilitator,
    )


def dose(cast: Cast, s: MedicineSession, partner: User, at: dt.datetime) -> SessionEvent:
    return event(cast, s, "dose", at, partner, {"amount_mg": 25.0, "product": "Caps", "lot": "L-1"})


def adverse(
    cast: Cast,
    s: MedicineSession,
    partner: User,
    at: dt.datetime,
    severity: str,
    *,
    emergency: bool = False,
    medical: bool = False,
    description: str = "Felt faint",
) -> SessionEvent:
    return event(
        cast,
        s,
        "adverse_event",
        at,
        partner,
        {
            "description": description,
            "severity": severity,
            "emergency_services": emergency,
            "medical_care": medical,
            "action_taken": description,
            "outcome": description,
        },
    )


def correct(
    cast: Cast, original: SessionEvent, at: dt.datetime, changes: dict[str, Any], reason: str = "x"
) -> SessionEvent:
    return event(
        cast,
        original.session,
        "correction",
        at,
        None,
        {"corrects": str(original.uuid), "reason": reason, "data": changes},
        corrects=original,
    )


def declined(
    cast: Cast, s: MedicineSession, partner: User, at: dt.datetime, notes: str = ""
) -> Discharge:
    return Discharge.objects.create(
        organisation=cast.center,
        session=s,
        partner=partner,
        effects_resolved=True,
        oriented=True,
        transport_confirmed=True,
        transport_deviation=notes,
        left_at=at,
        declined_dose=True,
        notes=notes,
        signed_off_by=cast.facilitator,
    )


def form(
    cast: Cast,
    p: Pair,
    partner: User,
    answers: dict[str, Any],
    *,
    withheld: bool = False,
    other: dict[str, str] | None = None,
    at: dt.datetime | None = None,
    version: str | None = VERSION,
) -> PartnerForm:
    data: dict[str, Any] = {
        "answers": answers,
        "other": other or {},
        "withheld": withheld,
        "opt_out_offered": True,
    }
    if version is not None:
        data["version"] = version
    made = PartnerForm.objects.create(
        organisation=cast.center,
        couple=p.couple,
        partner=partner,
        kind=FormKind.DEMOGRAPHIC_FORM,
        data=data,
        recorded_by=partner,
    )
    if at is not None:
        PartnerForm.objects.filter(pk=made.pk).update(created_at=at)
    return made


def screening(
    cast: Cast,
    p: Pair,
    partner: User,
    at: dt.datetime,
    *,
    decision: str = "eligible",
    born: dt.date | None = None,
    rules: tuple[str, ...] = (),
    notes: str = "",
) -> Screening:
    return Screening.objects.create(
        organisation=cast.center,
        couple=p.couple,
        partner=partner,
        substance="psilocybin",
        answers={},
        support_notes=notes,
        substances_used=notes,
        date_of_birth=born,
        decision=decision,
        findings=[
            {"rule_id": rule, "outcome": "exclude", "message": notes or f"Rule {rule}."}
            for rule in rules
        ],
        rule_set_version="1",
        dictionary_version="1",
        entered_by=partner,
        created_at=at,
    )


def override(
    cast: Cast, s: Screening, at: dt.datetime, decision: str, reason: str = "Because."
) -> ScreeningOverride:
    return ScreeningOverride.objects.create(
        organisation=cast.center,
        couple=s.couple,
        screening=s,
        decision=decision,
        reason=reason,
        rule_set_version="1",
        decided_by=cast.lead,
        created_at=at,
    )


def dyad(cast: Cast, key: str, at: dt.datetime, *, born: dt.date | None = None) -> Pair:
    """A couple dosed together at AT (one group session), each with an eligible screening."""
    p = pair(cast, key)
    s = session(cast, p, at)
    for partner in (p.a, p.b):
        screening(cast, p, partner, at - dt.timedelta(days=30), born=born)
        dose(cast, s, partner, at)
    return p
