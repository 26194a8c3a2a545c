"""The live record of a medicine session through POST/GET /api/v1/sessions/{id}/events: each
event recorded exactly once, the dose limit and supplemental timing, touch only within consent,
safety alerts from vital signs and adverse events, corrections, the day and clock, and the end.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdspace.accounts.models import Role, User
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import PASSWORD, Cast, make_session
from holdspace.couples.models import CareTeamMember
from holdspace.measures.models import SafetyAlert
from holdspace.preparation.tests.signing import sign
from holdspace.sessions.models import MedicineSession, SessionEvent, SessionStatus

pytestmark = pytest.mark.django_db

OREGON_LIMIT_SOURCE = "OAR 333-333-5250"
MDMA_TIMING_SOURCE = "MAPS MAPP2"
MDMA_RATIO_SOURCE = "NCT02876172"
VITALS_SOURCE = "Kolbrich et al. 2008"


# Helpers ------------------------------------------------------------------------------


def _ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def _event(
    kind: str,
    data: dict[str, Any],
    *,
    partner: User | None = None,
    at: dt.datetime | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event_id or str(uuid.uuid4()),
        "kind": kind,
        "occurred_at": (at or _ago(1)).isoformat(),
        "data": data,
    }
    if partner is not None:
        body["partner_id"] = partner.pk
    return body


def _dose(mg: float) -> dict[str, Any]:
    return {"amount_mg": mg, "product": "Golden Teacher capsules", "lot": "GT-2609"}


def _post(client: Client, session: MedicineSession, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/sessions/{session.pk}/events", json.dumps(body), content_type="application/json"
    )


def _accepted(client: Client, session: MedicineSession, body: dict[str, Any]) -> dict[str, Any]:
    """Post BODY, which must be recorded (201); the stored event."""
    response = _post(client, session, body)
    assert response.status_code == 201, response.content
    stored: dict[str, Any] = response.json()
    return stored


def _timeline(client: Client, session: MedicineSession) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/sessions/{session.pk}/events")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    items: list[dict[str, Any]] = body["items"]
    return items


def _problems(response: Any) -> dict[str, list[str]]:
    """A 422's messages by field (data.amount_mg, occurred_at, kind …)."""
    assert response.status_code == 422, response.content
    found: dict[str, list[str]] = {}
    for problem in response.json()["detail"]:
        field = ".".join(str(part) for part in problem["loc"][2:])
        found.setdefault(field, []).append(problem["msg"])
    return found


def _early_session(cast: Cast, **kwargs: Any) -> MedicineSession:
    """A session scheduled two days ago, so events hours ago are always on or after its day."""
    session: MedicineSession = make_session(
        cast, starts_at=timezone.now() - dt.timedelta(days=2), **kwargs
    )
    return session


def _trial_session(cast: Cast, *, cofacilitated: bool = True) -> MedicineSession:
    """A trial session of E & F; with two facilitators present when COFACILITATED (the MDMA
    profile needs two)."""
    facilitators = [cast.trial_facilitator]
    if cofacilitated:
        user = user_create(
            email="trial_cofacilitator@example.org",
            display_name="Trial Cofacilitator",
            password=PASSWORD,
        )
        membership_ensure(organisation=cast.trial, user=user, role=Role.FACILITATOR)
        CareTeamMember.objects.create(organisation=cast.trial, couple=cast.trial_couple, user=user)
        facilitators.append(user)
    return _early_session(cast, couple=cast.trial_couple, facilitators=facilitators)


def _consent(cast: Cast, who: str, data: dict[str, Any]) -> None:
    sign(cast, who, "touch_consent", answers=data)


# The first event, replays and conflicts ---------------------------------------------------


def test_it_records_the_first_event_and_starts_the_session_at_the_first_dose(
    cast: Cast,
) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    assert session.status == SessionStatus.SCHEDULED
    at = _ago(10)
    body = _event("note", {"text": "Arrived, settling in"}, at=at)
    response = _post(client, session, body)
    assert response.status_code == 201, response.content
    stored = response.json()
    assert stored["id"] == body["id"]
    assert (stored["kind"], stored["partner_id"], stored["data"]) == (
        "note",
        None,
        {"text": "Arrived, settling in"},
    )
    assert abs(dt.datetime.fromisoformat(stored["occurred_at"]) - at) < dt.timedelta(seconds=1)
    assert (stored["corrects"], stored["corrected_by"], stored["alerts"]) == (None, [], [])
    assert stored["recorded_by"] == "Facilitator"
    assert AuditEvent.objects.filter(
        action="session_event.record", detail__uuid=body["id"], actor_id=cast.facilitator.pk
    ).exists()
    # A note and pre-dose vital signs do not begin the session; the first dose does.
    _accepted(client, session, _event("vitals", {"heart_rate": 72}, partner=cast.partner_a))
    session.refresh_from_db()
    assert (session.status, session.started_at) == (SessionStatus.SCHEDULED, None)
    assert client.get(f"/api/v1/sessions/{session.pk}").json()["started_at"] is None
    dosed_at = _ago(4)
    _accepted(client, session, _event("dose", _dose(20), partner=cast.partner_b, at=dosed_at))
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    assert session.started_at is not None
    assert abs(session.started_at - dosed_at) < dt.timedelta(seconds=1)
    # A later dose does not move the start; the other partner's earlier one does.
    _accepted(client, session, _event("dose", _dose(20), partner=cast.partner_a, at=_ago(6)))
    session.refresh_from_db()
    assert session.started_at is not None
    assert abs(session.started_at - _ago(6)) < dt.timedelta(seconds=2)


def test_it_answers_an_identical_replay_with_the_stored_event(cast: Cast) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    body = _event("vitals", {"systolic": 128, "diastolic": 82}, partner=cast.partner_a)
    first = _post(client, session, body)
    assert first.status_code == 201, first.content
    replay = _post(client, session, body)
    assert replay.status_code == 200, replay.content
    assert replay.json() == first.json()
    # The same instant written in another offset is the same body.
    at = dt.datetime.fromisoformat(body["occurred_at"])
    pacific = at.astimezone(dt.timezone(dt.timedelta(hours=-7))).isoformat()
    elsewhere = {**body, "occurred_at": pacific}
    assert _post(client, session, elsewhere).status_code == 200
    assert SessionEvent.objects.filter(uuid=body["id"]).count() == 1
    assert SessionEvent.objects.count() == 1


@pytest.mark.parametrize(
    "changed",
    ["data", "occurred_at", "partner_id", "kind", "invalid data"],
)
def test_it_answers_a_different_body_under_a_known_id_with_409_and_the_stored_event(
    cast: Cast, changed: str
) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    body = _event("vitals", {"systolic": 128, "diastolic": 82}, partner=cast.partner_a)
    first = _accepted(client, session, body)
    other = {
        "data": {**body, "data": {"systolic": 138, "diastolic": 82}},
        "occurred_at": {**body, "occurred_at": _ago(20).isoformat()},
        "partner_id": {**body, "partner_id": cast.partner_b.pk},
        "kind": {**body, "kind": "observation", "data": {"text": "A different event"}},
        # Not even valid: still a conflict with what is stored, not a 422.
        "invalid data": {**body, "data": {"systolic": 900}},
    }[changed]
    response = _post(client, session, other)
    assert response.status_code == 409, response.content
    answer = response.json()
    assert answer["detail"]
    assert answer["stored"] == first
    assert SessionEvent.objects.count() == 1
    assert SessionEvent.objects.get().data == {"systolic": 128, "diastolic": 82}


def test_it_refuses_an_unknown_kind(cast: Cast) -> None:
    session = make_session(cast)
    response = _post(cast.api("facilitator"), session, _event("dance", {"text": "x"}))
    assert "kind" in _problems(response)
    assert not SessionEvent.objects.exists()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


@pytest.mark.parametrize(
    ("kind", "data", "partner", "field"),
    [
        ("dose", _dose(10), None, "partner_id"),
        ("vitals", {"heart_rate": 80}, None, "partner_id"),
        ("touch", {"by": "facilitator", "form": "hands"}, None, "partner_id"),
        ("music", {"text": "Quiet playlist"}, "partner_a", "partner_id"),
        ("end", {"reason": "completed"}, "partner_a", "partner_id"),
        ("note", {"text": "Someone else's partner"}, "partner_c", "partner_id"),
        # Oregon keeps a product ledger: a dose names its lot (or the plan does).
        ("dose", {"amount_mg": 10}, "partner_a", "data.lot"),
        ("vitals", {"heart_rate": "fast"}, "partner_a", "data.heart_rate"),
        ("vitals", {"pulse": 80}, "partner_a", "data.pulse"),
        ("note", {"text": ""}, None, "data.text"),
    ],
)
def test_it_refuses_a_bad_event_naming_the_field(
    cast: Cast, kind: str, data: dict[str, Any], partner: str | None, field: str
) -> None:
    session = make_session(cast)
    body = _event(kind, data, partner=cast.people[partner] if partner else None)
    problems = _problems(_post(cast.api("facilitator"), session, body))
    assert field in problems, problems
    assert not SessionEvent.objects.exists()


# The day and the clock ---------------------------------------------------------------------


def test_it_accepts_events_from_the_scheduled_day_on_and_never_from_the_future(
    cast: Cast,
) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    midnight = timezone.localtime(session.starts_at).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    day_before = _event("note", {"text": "Too early"}, at=midnight - dt.timedelta(minutes=1))
    problems = _problems(_post(client, session, day_before))
    assert list(problems) == ["occurred_at"]
    assert midnight.date().isoformat() in problems["occurred_at"][0]

    future = _event("note", {"text": "Not yet"}, at=timezone.now() + dt.timedelta(minutes=10))
    assert list(_problems(_post(client, session, future))) == ["occurred_at"]
    assert not SessionEvent.objects.exists()

    # Early on the day itself, before the scheduled time, is accepted; so is a clock a little
    # ahead.
    _accepted(client, session, _event("note", {"text": "Room ready"}, at=midnight))
    _accepted(client, session, _event("note", {"text": "A tablet a little ahead"}, at=_ago(-3)))
    session.refresh_from_db()
    assert session.started_at is None  # notes do not begin it; its first dose does
    _accepted(client, session, _event("dose", _dose(10), partner=cast.partner_a, at=midnight))
    session.refresh_from_db()
    assert session.started_at == midnight


# Doses: the limit, corrections, supplemental timing, the ratio ----------------------------------


def test_it_refuses_a_dose_over_the_limit_cumulatively(cast: Cast) -> None:
    session = _early_session(cast)
    client = cast.api("facilitator")
    first = _post(client, session, _event("dose", _dose(25), partner=cast.partner_a, at=_ago(90)))
    assert first.status_code == 201, first.content
    response = _post(client, session, _event("dose", _dose(30), partner=cast.partner_a))
    problems = _problems(response)
    assert list(problems) == ["data.amount_mg"]
    message = problems["data.amount_mg"][0]
    assert "25 mg given" in message and "55 mg" in message
    assert "limit of 50 mg psilocybin analyte" in message and OREGON_LIMIT_SOURCE in message
    assert SessionEvent.objects.filter(kind="dose").count() == 1
    # The other partner has their own 50 mg; and 25 more brings A exactly to the limit.
    _accepted(client, session, _event("dose", _dose(30), partner=cast.partner_b))
    _accepted(client, session, _event("dose", _dose(25), partner=cast.partner_a))


def test_it_refuses_a_single_supplemental_dose_past_the_limit(cast: Cast) -> None:
    session = _early_session(cast)
    client = cast.api("facilitator")
    _accepted(client, session, _event("dose", _dose(40), partner=cast.partner_a, at=_ago(90)))
    response = _post(
        client, session, _event("supplemental_dose", _dose(15), partner=cast.partner_a)
    )
    assert "50 mg" in _problems(response)["data.amount_mg"][0]


def test_it_records_a_correction_beside_the_event_and_counts_the_corrected_dose(
    cast: Cast,
) -> None:
    session = _early_session(cast)
    client = cast.api("facilitator")
    dose = _event("dose", _dose(25), partner=cast.partner_a, at=_ago(120))
    assert _post(client, session, dose).status_code == 201
    correction = _event(
        "correction",
        {
            "corrects": dose["id"],
            "reason": "Four capsules of 5 mg, not five",
            "data": {"amount_mg": 20},
        },
        partner=cast.partner_a,
        at=_ago(100),
    )
    response = _post(client, session, correction)
    assert response.status_code == 201, response.content
    assert response.json()["corrects"] == dose["id"]

    timeline = _timeline(client, session)
    assert [e["id"] for e in timeline] == [dose["id"], correction["id"]]
    original, fix = timeline
    assert original["data"]["amount_mg"] == 25  # the original stays as it was taken down
    assert original["corrected_by"] == [correction["id"]]
    assert (fix["kind"], fix["corrects"], fix["corrected_by"]) == ("correction", dose["id"], [])
    # The corrected amount in units of the dose's lot (GT-2609, 5 mg a capsule).
    assert fix["data"]["data"] == {"amount_mg": 20, "units": 4}

    # 20 given, not 25: 30 more is exactly the limit; anything more is over it.
    more = _post(client, session, _event("dose", _dose(30), partner=cast.partner_a))
    assert more.status_code == 201, more.content
    over = _post(client, session, _event("dose", _dose(1), partner=cast.partner_a))
    message = _problems(over)["data.amount_mg"][0]
    assert "50 mg given" in message and "51 mg" in message


@pytest.mark.parametrize("target", ["unknown", "correction"])
def test_it_refuses_a_correction_of_an_unknown_event_or_of_a_correction(
    cast: Cast, target: str
) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    note = _event("note", {"text": "Asked for water"}, at=_ago(20))
    assert _post(client, session, note).status_code == 201
    first = _event("correction", {"corrects": note["id"], "reason": "Asked for tea"}, at=_ago(15))
    assert _post(client, session, first).status_code == 201
    corrects = str(uuid.uuid4()) if target == "unknown" else first["id"]
    response = _post(
        client, session, _event("correction", {"corrects": corrects, "reason": "Again"})
    )
    assert list(_problems(response)) == ["data.corrects"]
    assert SessionEvent.objects.count() == 2


def test_it_refuses_an_mdma_supplemental_dose_earlier_than_90_minutes(cast: Cast) -> None:
    session = _trial_session(cast)
    client = cast.api("trial_facilitator")
    a, b = cast.trial_partner_a, cast.trial_partner_b
    _accepted(client, session, _event("dose", _dose(120), partner=a, at=_ago(60)))
    early = _post(client, session, _event("supplemental_dose", _dose(60), partner=a))
    problems = _problems(early)
    assert list(problems) == ["occurred_at"]
    message = problems["occurred_at"][0]
    assert "at least 90 minutes" in message and MDMA_TIMING_SOURCE in message
    assert not SessionEvent.objects.filter(kind="supplemental_dose").exists()

    _accepted(client, session, _event("dose", _dose(120), partner=b, at=_ago(100)))
    on_time = _post(client, session, _event("supplemental_dose", _dose(60), partner=b))
    assert on_time.status_code == 201, on_time.content


def test_it_refuses_a_supplemental_dose_before_any_first_dose(cast: Cast) -> None:
    session = _early_session(cast)
    response = _post(
        cast.api("facilitator"),
        session,
        _event("supplemental_dose", _dose(5), partner=cast.partner_a),
    )
    assert list(_problems(response)) == ["kind"]


def test_it_refuses_an_mdma_dose_with_one_facilitator_present(cast: Cast) -> None:
    session = _trial_session(cast, cofacilitated=False)
    response = _post(
        cast.api("trial_facilitator"),
        session,
        _event("dose", _dose(120), partner=cast.trial_partner_a),
    )
    message = _problems(response)["data.amount_mg"][0]
    assert "at least 2 facilitator" in message and MDMA_RATIO_SOURCE in message
    assert not SessionEvent.objects.exists()


# Supportive touch, within each partner's consent ----------------------------------------------

CONSENT_HANDS_ONLY = {
    "facilitator_touch": "yes",
    "facilitator_touch_forms": ["hands"],
    "partner_touch": "no",
}
CONSENT_NONE = {"facilitator_touch": "no", "partner_touch": "no"}
CONSENT_PARTNER_ONLY = {"facilitator_touch": "no", "partner_touch": "yes"}


@pytest.mark.parametrize(
    ("consent", "touch", "refused_field"),
    [
        (CONSENT_HANDS_ONLY, {"by": "facilitator", "form": "hands"}, None),
        (CONSENT_HANDS_ONLY, {"by": "facilitator", "form": "hug"}, "data.form"),
        (CONSENT_HANDS_ONLY, {"by": "facilitator", "form": "shoulders"}, "data.form"),
        (CONSENT_HANDS_ONLY, {"by": "partner", "form": "hands"}, "data.by"),
        (CONSENT_PARTNER_ONLY, {"by": "partner", "form": "hug"}, None),
        (CONSENT_PARTNER_ONLY, {"by": "facilitator", "form": "hands"}, "data.by"),
        (CONSENT_NONE, {"by": "facilitator", "form": "hands"}, "data.by"),
        (None, {"by": "facilitator", "form": "hands"}, "data.by"),
        (None, {"by": "partner", "form": "hands"}, "data.by"),
    ],
)
def test_it_records_touch_only_within_the_partners_consent(
    cast: Cast,
    consent: dict[str, Any] | None,
    touch: dict[str, str],
    refused_field: str | None,
) -> None:
    if consent is not None:
        _consent(cast, "partner_a", consent)
    _consent(cast, "partner_b", {**CONSENT_HANDS_ONLY, "facilitator_touch_forms": ["hug"]})
    session = make_session(cast)
    response = _post(
        cast.api("facilitator"), session, _event("touch", touch, partner=cast.partner_a)
    )
    if refused_field is None:
        assert response.status_code == 201, response.content
        assert response.json()["data"]["form"] == touch["form"]
        return
    problems = _problems(response)
    assert list(problems) == [refused_field]
    assert "consent" in problems[refused_field][0]
    assert not SessionEvent.objects.exists()


def test_it_follows_a_revoked_touch_consent(cast: Cast) -> None:
    _consent(cast, "partner_a", CONSENT_HANDS_ONLY)
    session = make_session(cast)
    client = cast.api("facilitator")
    touch = {"by": "facilitator", "form": "hands"}
    assert _post(client, session, _event("touch", touch, partner=cast.partner_a)).status_code == 201
    _consent(cast, "partner_a", CONSENT_NONE)
    response = _post(client, session, _event("touch", touch, partner=cast.partner_a))
    assert list(_problems(response)) == ["data.by"]


# Safety alerts: vital signs past the profile's thresholds, serious adverse events --------------


@pytest.mark.parametrize(
    ("reading", "crossed"),
    [
        ({"systolic": 161, "diastolic": 90}, ["Systolic pressure 161 mmHg is above 160"]),
        ({"systolic": 160, "diastolic": 110, "heart_rate": 110}, []),
        ({"systolic": 150, "diastolic": 111}, ["Diastolic pressure 111 mmHg is above 110"]),
        ({"heart_rate": 111}, ["Heart rate 111 bpm is above 110"]),
        ({"heart_rate": 44}, ["Heart rate 44 bpm is below 45"]),
        ({"heart_rate": 45, "temperature_c": 38.5}, []),
        ({"temperature_c": 38.6}, ["Temperature 38.6 °C is above 38.5"]),
        (
            {"systolic": 172, "diastolic": 114, "heart_rate": 126, "temperature_c": 38.9},
            [
                "Systolic pressure 172 mmHg is above 160",
                "Diastolic pressure 114 mmHg is above 110",
                "Heart rate 126 bpm is above 110",
                "Temperature 38.9 °C is above 38.5",
            ],
        ),
    ],
)
def test_it_raises_one_alert_per_reading_listing_each_threshold_crossed(
    cast: Cast, reading: dict[str, float], crossed: list[str]
) -> None:
    session = make_session(cast)
    response = _post(
        cast.api("facilitator"), session, _event("vitals", reading, partner=cast.partner_b)
    )
    assert response.status_code == 201, response.content
    alerts = response.json()["alerts"]
    assert len(alerts) == (1 if crossed else 0)
    stored = list(SafetyAlert.objects.filter(session_event__session=session))
    assert len(stored) == len(alerts)
    if crossed:
        [alert] = alerts
        assert alert["rule_id"] == "vitals-thresholds"
        assert alert["source"].count(VITALS_SOURCE) == 1
        if len(crossed) == 1:
            assert alert["message"] == crossed[0]
        else:
            assert alert["message"] == (
                f"One reading past {len(crossed)} thresholds: " + "; ".join(crossed)
            )
        assert (stored[0].partner_id, stored[0].message) == (cast.partner_b.pk, alert["message"])


def test_it_shows_a_vitals_alert_on_the_staff_console_once(cast: Cast) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    body = _event("vitals", {"systolic": 172, "diastolic": 96}, partner=cast.partner_a)
    first = _post(client, session, body)
    assert first.status_code == 201
    replay = _post(client, session, body)
    assert replay.status_code == 200
    assert replay.json()["alerts"] == first.json()["alerts"]
    assert SafetyAlert.objects.count() == 1

    message = "Systolic pressure 172 mmHg is above 160"
    assert first.json()["alerts"][0]["message"] == message
    page = cast.client("lead").get("/console/").content.decode()
    assert "1 safety alert to acknowledge" in page
    assert message in page
    assert message in cast.client("facilitator").get("/console/").content.decode()
    assert message not in cast.client("other_facilitator").get("/console/").content.decode()


@pytest.mark.parametrize(
    ("adverse", "rule"),
    [
        ({"severity": "mild"}, None),
        ({"severity": "moderate"}, None),
        ({"severity": "severe"}, "adverse-event-severe"),
        ({"severity": "life_threatening"}, "adverse-event-life-threatening"),
        ({"severity": "moderate", "emergency_services": True}, "adverse-event-moderate"),
        ({"severity": "mild", "medical_care": True}, "adverse-event-mild"),
    ],
)
def test_it_raises_an_alert_for_a_serious_adverse_event(
    cast: Cast, adverse: dict[str, Any], rule: str | None
) -> None:
    session = make_session(cast)
    data = {"description": "Chest tightness and panic", **adverse}
    response = _post(
        cast.api("facilitator"), session, _event("adverse_event", data, partner=cast.partner_a)
    )
    assert response.status_code == 201, response.content
    alerts = response.json()["alerts"]
    assert [a["rule_id"] for a in alerts] == ([rule] if rule else [])
    if rule:
        assert "Chest tightness and panic" in alerts[0]["message"]
        assert alerts[0]["source"]
        assert "Chest tightness and panic" in (
            cast.client("lead").get("/console/").content.decode()
        )
    assert SafetyAlert.objects.count() == (1 if rule else 0)


@pytest.mark.parametrize(
    ("reading", "words"),
    [
        ({"systolic": 300}, "systolic 300 is outside 50–260 mmHg"),
        ({"diastolic": 15}, "diastolic 15 is outside 20–180 mmHg"),
        ({"heart_rate": 260}, "heart_rate 260 is outside 20–250 bpm"),
        ({"temperature_c": 45}, "temperature_c 45 is outside 30–44 °C"),
        ({"systolic": 120, "diastolic": 130}, "diastolic must be lower than systolic"),
    ],
)
def test_it_refuses_implausible_vital_signs_with_the_range(
    cast: Cast, reading: dict[str, float], words: str
) -> None:
    session = make_session(cast)
    response = _post(
        cast.api("facilitator"), session, _event("vitals", reading, partner=cast.partner_a)
    )
    problems = _problems(response)
    assert any(words in message for messages in problems.values() for message in messages)
    assert not SessionEvent.objects.exists()
    assert not SafetyAlert.objects.exists()


@pytest.mark.parametrize("field", ["systolic", "heart_rate"])
def test_it_names_the_implausible_vital_sign_as_its_field(cast: Cast, field: str) -> None:
    session = make_session(cast)
    response = _post(
        cast.api("facilitator"), session, _event("vitals", {field: 300}, partner=cast.partner_a)
    )
    assert list(_problems(response)) == [f"data.{field}"]


# The end ------------------------------------------------------------------------------------


def test_it_refuses_to_end_before_the_minimum_duration_except_for_an_emergency_transfer(
    cast: Cast,
) -> None:
    session = _early_session(cast)
    client = cast.api("facilitator")
    _accepted(client, session, _event("dose", _dose(20), partner=cast.partner_a, at=_ago(61)))
    too_soon = _post(client, session, _event("end", {"reason": "completed"}))
    problems = _problems(too_soon)
    assert list(problems) == ["data.reason"]
    assert problems["data.reason"] == [
        "Minimum duration: 4 h 00 min from the first dose, for 20 mg psilocybin given, has not "
        "passed; 1 h 00 min so far (OAR 333-333-5250). Only an emergency transfer ends a "
        "session sooner."
    ]

    without_note = _post(client, session, _event("end", {"reason": "emergency_transfer"}))
    assert list(_problems(without_note)) == ["data"]
    assert not SessionEvent.objects.filter(kind="end").exists()

    note = "Partner A to St Vincent by ambulance with Dana"
    transfer = _post(client, session, _event("end", {"reason": "emergency_transfer", "note": note}))
    assert transfer.status_code == 201, transfer.content
    session.refresh_from_db()
    assert (session.status, session.end_reason) == (SessionStatus.ENDED, "emergency_transfer")
    assert session.ended_at is not None
    detail = cast.api("facilitator").get(f"/api/v1/sessions/{session.pk}").json()
    assert (detail["status"], detail["end_reason"]) == ("ended", "emergency_transfer")


def test_it_refuses_to_complete_a_session_in_which_no_dose_was_given(cast: Cast) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    _accepted(client, session, _event("vitals", {"heart_rate": 70}, partner=cast.partner_a))
    refused = _post(client, session, _event("end", {"reason": "completed"}))
    assert _problems(refused) == {
        "data.reason": [
            "A session is completed after a first dose, and none is recorded. Record the dose "
            "first, or end it as an emergency transfer."
        ]
    }
    session.refresh_from_db()
    assert (session.status, session.ended_at, session.end_reason) == (
        SessionStatus.SCHEDULED,
        None,
        "",
    )
    assert not SessionEvent.objects.filter(kind="end").exists()


def test_it_holds_the_end_for_each_partners_minimum_from_their_own_first_dose(
    cast: Cast,
) -> None:
    session = _early_session(cast)
    client = cast.api("facilitator")
    _accepted(client, session, _event("dose", _dose(20), partner=cast.partner_a, at=_ago(300)))
    # B took theirs later: 100 minutes ago, of the 240 their 20 mg needs.
    _accepted(client, session, _event("dose", _dose(20), partner=cast.partner_b, at=_ago(101)))
    refused = _post(client, session, _event("end", {"reason": "completed"}, at=_ago(1)))
    [message] = _problems(refused)["data.reason"]
    assert message.startswith(
        "Minimum duration: 4 h 00 min from the first dose, for 20 mg psilocybin given, has not "
        "passed; 1 h 40 min so far"
    )
    assert not SessionEvent.objects.filter(kind="end").exists()


def test_it_holds_the_session_for_the_planned_minimum_from_the_first_dose(cast: Cast) -> None:
    session = _early_session(cast)
    client = cast.api("facilitator")
    plan = client.put(
        f"/api/v1/sessions/{session.pk}/plan",
        json.dumps(
            {
                "plans": [
                    {
                        "partner_id": cast.partner_a.pk,
                        "product": "Golden Teacher capsules",
                        "lot": "GT-2609",
                        "mg_per_unit": 5,
                        "planned_mg": 30,
                    }
                ]
            }
        ),
        content_type="application/json",
    )
    assert plan.json()["minimum_minutes"] == 300
    # 20 mg given would allow 240 minutes, but the plan says 300.
    dose = _event("dose", _dose(20), partner=cast.partner_a, at=_ago(310))
    assert _post(client, session, dose).status_code == 201
    at_250 = _post(client, session, _event("end", {"reason": "completed"}, at=_ago(60)))
    assert (
        "Minimum duration: 5 h 00 min from the first dose, for the 30 mg psilocybin planned"
        in _problems(at_250)["data.reason"][0]
    )
    at_310 = _post(client, session, _event("end", {"reason": "completed"}, at=_ago(0)))
    assert at_310.status_code == 201, at_310.content
    session.refresh_from_db()
    assert (session.status, session.end_reason) == (SessionStatus.ENDED, "completed")


def test_it_refuses_doses_and_touch_after_the_end_but_takes_notes(cast: Cast) -> None:
    _consent(cast, "partner_a", CONSENT_HANDS_ONLY)
    session = make_session(cast)
    client = cast.api("facilitator")
    transfer = {"reason": "emergency_transfer", "note": "Partner B to St Vincent by ambulance"}
    _accepted(client, session, _event("end", transfer, at=_ago(5)))
    for kind, data in (
        ("dose", _dose(5)),
        ("supplemental_dose", _dose(5)),
        ("touch", {"by": "facilitator", "form": "hands"}),
    ):
        refused = _post(client, session, _event(kind, data, partner=cast.partner_a))
        assert list(_problems(refused)) == ["kind"], kind
    again = _post(client, session, _event("end", transfer))
    assert list(_problems(again)) == ["kind"]
    note = _post(client, session, _event("note", {"text": "Resting, talking quietly"}))
    assert note.status_code == 201, note.content
    vitals = _post(client, session, _event("vitals", {"heart_rate": 72}, partner=cast.partner_a))
    assert vitals.status_code == 201, vitals.content
    assert [e["kind"] for e in _timeline(client, session)] == ["end", "note", "vitals"]


# Any order, any replays: each event once, in the order taken -----------------------------------

_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=20)
_NOTE = st.fixed_dictionaries({"text": _TEXT.filter(str.strip)})
_VITALS = st.fixed_dictionaries(
    {},
    optional={
        "systolic": st.integers(min_value=100, max_value=200),
        "diastolic": st.integers(min_value=50, max_value=99),
        "heart_rate": st.integers(min_value=40, max_value=130),
        "temperature_c": st.sampled_from([36.4, 37.0, 38.7]),
    },
).filter(bool)
_EVENTS = st.lists(
    st.tuples(
        st.one_of(st.tuples(st.just("note"), _NOTE), st.tuples(st.just("vitals"), _VITALS)),
        st.integers(min_value=0, max_value=3000),  # seconds before now; equal times allowed
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=_EVENTS, data=st.data())
def test_it_lists_each_event_once_in_the_order_taken_whatever_the_order_sent(
    cast: Cast, events: list[tuple[tuple[str, dict[str, Any]], int]], data: st.DataObject
) -> None:
    sid = transaction.savepoint()
    try:
        session = make_session(cast)
        client = cast.api("facilitator")
        now = timezone.now()
        bodies = [
            _event(
                kind,
                payload,
                partner=cast.partner_a if kind == "vitals" else None,
                at=now - dt.timedelta(seconds=seconds),
            )
            for (kind, payload), seconds in events
        ]
        replays = data.draw(st.lists(st.integers(0, len(bodies) - 1), max_size=4))
        sends = data.draw(st.permutations(list(range(len(bodies))) + replays))
        seen: set[str] = set()
        for index in sends:
            body = bodies[index]
            response = _post(client, session, body)
            assert response.status_code == (200 if body["id"] in seen else 201), response.content
            seen.add(body["id"])

        timeline = _timeline(client, session)
        ids = [item["id"] for item in timeline]
        assert Counter(ids) == Counter(body["id"] for body in bodies)
        times = [dt.datetime.fromisoformat(item["occurred_at"]) for item in timeline]
        assert times == sorted(times)
        assert SessionEvent.objects.filter(session=session).count() == len(bodies)
    finally:
        transaction.savepoint_rollback(sid)
