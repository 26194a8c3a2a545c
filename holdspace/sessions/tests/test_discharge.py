"""Discharge, one partner at a time, through POST /api/v1/sessions/{id}/discharge and the web
form: only after the partner's first dose and the profile's minimum duration from it (or an
emergency transfer), every severe adverse event signed off by a clinical lead, the profile's
criteria confirmed, the transportation plan confirmed or its deviation recorded, and a time of
leaving between the dose and now; the session closes only when both have left, and the couple
moves on to integration."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.couples.models import Couple, Stage
from holdspace.integration.models import FollowUpContact
from holdspace.measures.models import SafetyAlert
from holdspace.measures.services import alert_acknowledge
from holdspace.sessions.models import Discharge, MedicineSession, SessionEvent, SessionStatus

pytestmark = pytest.mark.django_db


# Helpers ------------------------------------------------------------------------------

OREGON = ["effects_resolved", "oriented", "ride_arranged"]
DURATION_SOURCE = "OAR 333-333-5250"  # the rule's reference, without our note on it


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _discharge(client: Client, session: MedicineSession, partner_id: int, **changes: Any) -> Any:
    body: dict[str, Any] = {
        "partner_id": partner_id,
        "criteria_confirmed": OREGON,
        "transport_confirmed": True,
        **changes,
    }
    return _post(client, f"/api/v1/sessions/{session.pk}/discharge", body)


def _record(
    client: Client,
    session: MedicineSession,
    kind: str,
    data: dict[str, Any],
    minutes_ago: float,
    partner: User | None = None,
) -> Any:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat(),
        "data": data,
    }
    if partner is not None:
        body["partner_id"] = partner.pk
    response = _post(client, f"/api/v1/sessions/{session.pk}/events", body)
    assert response.status_code == 201, response.content
    return response


def _dose(mg: float = 20) -> dict[str, Any]:
    return {"amount_mg": mg, "product": "Golden Teacher capsules", "lot": "GT-2609"}


def _problems(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 422, response.content
    found: dict[str, list[str]] = {}
    for problem in response.json()["detail"]:
        found.setdefault(".".join(str(p) for p in problem["loc"][2:]), []).append(problem["msg"])
    return found


def _session(cast: Cast) -> MedicineSession:
    """A session of A & B scheduled two days ago, so doses hours ago fall on or after its day."""
    session: MedicineSession = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=2))
    return session


def _begun(cast: Cast, client: Client, minutes_ago: float = 250) -> MedicineSession:
    """A session of A & B in progress: both given 20 mg (4 h minimum) MINUTES_AGO."""
    session = _session(cast)
    _record(client, session, "note", {"text": "Both arrived"}, minutes_ago=minutes_ago + 20)
    for partner in (cast.partner_a, cast.partner_b):
        _record(client, session, "dose", _dose(), minutes_ago=minutes_ago, partner=partner)
    return session


def _stage(cast: Cast) -> str:
    return Couple.objects.get(pk=cast.couple.pk).stage


# The session closes when both partners have left -------------------------------------------


def test_it_closes_the_session_only_when_both_partners_have_left(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client)

    first = _discharge(client, session, cast.partner_a.pk, notes="Walked out with her sister")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["partner_id"], body["session_status"]) == (cast.partner_a.pk, "in_progress")
    assert (body["effects_resolved"], body["oriented"], body["transport_confirmed"]) == (
        True,
        True,
        True,
    )
    assert body["criteria_confirmed"] == OREGON
    assert body["signed_off_by"] == "Facilitator"
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    assert session.closed_at is None
    assert _stage(cast) == Stage.MEDICINE_SESSION

    second = _discharge(client, session, cast.partner_b.pk)
    assert second.status_code == 201, second.content
    assert second.json()["session_status"] == "closed"
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert session.closed_at is not None
    assert session.ended_at is not None  # the last partner leaving ends it
    assert _stage(cast) == Stage.INTEGRATION
    assert cast.api("lead").get(f"/api/v1/sessions/{session.pk}").json()["status"] == "closed"

    stored = Discharge.objects.get(partner=cast.partner_a)
    assert (stored.signed_off_by, stored.notes) == (cast.facilitator, "Walked out with her sister")
    assert stored.criteria_confirmed == OREGON
    audited = AuditEvent.objects.filter(action="medicine_session.discharge").order_by("seq")
    assert [e.detail["closed"] for e in audited] == [False, True]


def test_it_closes_an_ended_session_and_keeps_its_end(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client)
    _record(client, session, "end", {"reason": "completed"}, minutes_ago=10)
    session.refresh_from_db()
    ended_at = session.ended_at
    assert session.status == SessionStatus.ENDED
    for partner in (cast.partner_a, cast.partner_b):
        assert _discharge(client, session, partner.pk).status_code == 201
    session.refresh_from_db()
    assert (session.status, session.ended_at, session.end_reason) == (
        SessionStatus.CLOSED,
        ended_at,
        "completed",
    )
    assert _stage(cast) == Stage.INTEGRATION


def test_it_records_nothing_more_once_the_session_is_closed(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client)
    for partner in (cast.partner_a, cast.partner_b):
        assert _discharge(client, session, partner.pk).status_code == 201
    late = _post(
        client,
        f"/api/v1/sessions/{session.pk}/events",
        {
            "id": str(uuid.uuid4()),
            "kind": "note",
            "occurred_at": timezone.now().isoformat(),
            "data": {"text": "Forgot to say"},
        },
    )
    assert list(_problems(late)) == ["session"]
    assert SessionEvent.objects.count() == 3


# The criteria ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"criteria_confirmed": ["oriented", "ride_arranged"]}, "criteria_confirmed"),
        ({"criteria_confirmed": []}, "criteria_confirmed"),
        ({"criteria_confirmed": [*OREGON, "sober"]}, "criteria_confirmed"),
        ({"transport_confirmed": False}, "transport_deviation"),
        ({"transport_confirmed": False, "transport_deviation": "   "}, "transport_deviation"),
        ({"left_at": (timezone.now() + dt.timedelta(days=1)).isoformat()}, "left_at"),
    ],
)
def test_it_refuses_a_discharge_that_does_not_meet_the_criteria(
    cast: Cast, changes: dict[str, Any], field: str
) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client)
    response = _discharge(client, session, cast.partner_a.pk, **changes)
    assert list(_problems(response)) == [field]
    assert not Discharge.objects.exists()
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS


def test_it_records_how_the_transportation_plan_changed(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client)
    deviation = "Her sister could not come; a taxi we booked took her home"
    response = _discharge(
        client, session, cast.partner_b.pk, transport_confirmed=False, transport_deviation=deviation
    )
    assert response.status_code == 201, response.content
    assert (response.json()["transport_confirmed"], response.json()["transport_deviation"]) == (
        False,
        deviation,
    )
    stored = Discharge.objects.get()
    assert (stored.partner, stored.transport_confirmed, stored.transport_deviation) == (
        cast.partner_b,
        False,
        deviation,
    )


def test_it_refuses_to_discharge_a_partner_twice(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client)
    assert _discharge(client, session, cast.partner_a.pk).status_code == 201
    again = _discharge(client, session, cast.partner_a.pk)
    assert list(_problems(again)) == ["partner_id"]
    assert Discharge.objects.count() == 1
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS  # one partner twice is not both


def test_it_refuses_to_discharge_someone_outside_the_couple(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client)
    response = _discharge(client, session, cast.partner_c.pk)
    assert list(_problems(response)) == ["partner_id"]
    assert not Discharge.objects.exists()


def test_it_refuses_a_discharge_before_the_session_has_begun(cast: Cast) -> None:
    session = _session(cast)
    client = cast.api("facilitator")
    # Vital signs before the dose do not begin the session.
    _record(client, session, "vitals", {"heart_rate": 70}, minutes_ago=5, partner=cast.partner_a)
    response = _discharge(client, session, cast.partner_a.pk)
    assert _problems(response) == {
        "session": ["Discharge follows a session that has begun with a first dose."]
    }
    assert not Discharge.objects.exists()


def test_it_lets_the_clinical_lead_sign_off_a_discharge(cast: Cast) -> None:
    session = _begun(cast, cast.api("facilitator"))
    response = _discharge(cast.api("lead"), session, cast.partner_a.pk)
    assert response.status_code == 201, response.content
    assert response.json()["signed_off_by"] == "Lead"
    assert Discharge.objects.get().signed_off_by == cast.lead


# The gate: the first dose, the minimum duration, adverse events, the time of leaving -----------


def test_it_refuses_a_discharge_six_minutes_after_the_dose_naming_the_rule_and_its_source(
    cast: Cast,
) -> None:
    client = cast.api("facilitator")
    session = _session(cast)
    _record(client, session, "dose", _dose(25), minutes_ago=6.5, partner=cast.partner_a)
    expected = (
        "Minimum duration: 5 h 00 min from the first dose, for 25 mg psilocybin given, has not "
        f"passed; 6 min so far ({DURATION_SOURCE}). Only an emergency transfer lets a partner "
        "leave sooner."
    )
    refused = _discharge(client, session, cast.partner_a.pk)
    assert _problems(refused) == {"minimum_duration": [expected]}

    # The web form refuses it with the same words, above the form, and keeps what was ticked.
    web = cast.client("facilitator").post(
        f"/sessions/{session.pk}/discharge/{cast.partner_a.pk}/",
        {"criteria_confirmed": OREGON, "transport_confirmed": "on"},
    )
    assert web.status_code == 422
    page = web.content.decode()
    assert expected in page
    assert page.count("checked") == len(OREGON) + 1
    assert not Discharge.objects.exists()
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS


def test_it_refuses_a_partner_who_has_had_no_dose_yet(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _session(cast)
    _record(client, session, "dose", _dose(), minutes_ago=250, partner=cast.partner_a)
    refused = _discharge(client, session, cast.partner_b.pk)
    assert _problems(refused) == {
        "first_dose": [
            "First dose: none is recorded for Partner B. A partner leaves after their first dose "
            f"and the minimum duration that follows it ({DURATION_SOURCE})."
        ]
    }
    assert _discharge(client, session, cast.partner_a.pk).status_code == 201


def test_it_lets_a_partner_leave_sooner_after_an_emergency_transfer(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _session(cast)
    _record(client, session, "dose", _dose(), minutes_ago=6, partner=cast.partner_a)
    transfer = {"reason": "emergency_transfer", "note": "A to St Vincent by ambulance"}
    _record(client, session, "end", transfer, minutes_ago=2)
    # Not before the dose, even so.
    early = _discharge(
        client,
        session,
        cast.partner_a.pk,
        left_at=(timezone.now() - dt.timedelta(minutes=10)).isoformat(),
    )
    assert list(_problems(early)) == ["left_at"]
    assert "before the partner's first dose" in _problems(early)["left_at"][0]
    # The form types the time to the minute: the dose's own minute is not before the dose.
    dosed = SessionEvent.objects.get(kind="dose").occurred_at
    left = _discharge(
        client,
        session,
        cast.partner_a.pk,
        transport_confirmed=False,
        transport_deviation="By ambulance",
        left_at=dosed.replace(second=0, microsecond=0).isoformat(),
    )
    assert left.status_code == 201, left.content
    # B had no dose at all: after a transfer, B may leave too.
    assert _discharge(client, session, cast.partner_b.pk).status_code == 201
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED


@pytest.mark.parametrize(
    ("left_at", "words"),
    [
        (
            dt.datetime(1999, 1, 1, 10, 0, tzinfo=dt.UTC),
            "1 Jan 1999, 10:00 is before the partner's first dose",
        ),
        (None, "is before the minimum duration ended at"),  # 3 h 40 min after the dose
    ],
)
def test_it_refuses_a_time_of_leaving_before_the_dose_or_its_minimum(
    cast: Cast, left_at: dt.datetime | None, words: str
) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client, minutes_ago=300)
    when = left_at or timezone.now() - dt.timedelta(minutes=80)
    refused = _discharge(client, session, cast.partner_a.pk, left_at=when.isoformat())
    problems = _problems(refused)
    assert list(problems) == ["left_at"]
    assert words in problems["left_at"][0]
    if left_at is None:
        assert DURATION_SOURCE in problems["left_at"][0]
    assert not Discharge.objects.exists()


@pytest.mark.parametrize(
    ("left_at", "words"),
    [
        (dt.datetime(1999, 1, 1, 10, 0, tzinfo=dt.UTC), "1 Jan 1999, 10:00 is before"),
        (None, "This time is in the future."),
    ],
)
def test_it_names_a_bad_time_of_leaving_beside_a_minimum_not_yet_passed(
    cast: Cast, left_at: dt.datetime | None, words: str
) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client, minutes_ago=6)
    when = left_at or timezone.now() + dt.timedelta(hours=2)
    problems = _problems(_discharge(client, session, cast.partner_a.pk, left_at=when.isoformat()))
    assert sorted(problems) == ["left_at", "minimum_duration"]
    assert words in problems["left_at"][0]
    assert "6 min so far" in problems["minimum_duration"][0]
    assert not Discharge.objects.exists()


def test_it_does_not_say_twice_that_a_time_of_leaving_is_before_the_minimum(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client, minutes_ago=6)
    when = timezone.now() - dt.timedelta(minutes=1)
    problems = _problems(_discharge(client, session, cast.partner_a.pk, left_at=when.isoformat()))
    assert list(problems) == ["minimum_duration"]


def _severe(client: Client, session: MedicineSession, partner: User, what: str) -> SafetyAlert:
    _record(
        client,
        session,
        "adverse_event",
        {"description": what, "severity": "severe", "action_taken": "Stayed with them"},
        minutes_ago=100,
        partner=partner,
    )
    return SafetyAlert.objects.get(session_event__data__description=what)


def test_it_waits_for_a_clinical_leads_sign_off_of_each_severe_adverse_event(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client)
    panic = _severe(client, session, cast.partner_a, "Panic, chest tightness")
    fall = _severe(client, session, cast.partner_a, "Fainted on the way to the bathroom")
    _record(
        client,
        session,
        "adverse_event",
        {"description": "Nausea", "severity": "mild"},
        minutes_ago=90,
        partner=cast.partner_a,
    )
    refused = _problems(_discharge(client, session, cast.partner_a.pk))
    assert list(refused) == ["adverse_events"]
    assert len(refused["adverse_events"]) == 2  # the mild one needs no sign-off
    assert all(
        "Adverse event (severe)" in m
        and "a clinical lead signs it off by acknowledging its alert with a note" in m
        and "OAR 333-333-1010" in m
        for m in refused["adverse_events"]
    )

    # The facilitator's acknowledgement does not count; the clinical lead's does.
    alert_acknowledge(viewer=cast.viewer("facilitator"), alert=panic, note="Breathing with her")
    alert_acknowledge(viewer=cast.viewer("lead"), alert=fall, note="Checked: no injury, BP fine")
    [still] = _problems(_discharge(client, session, cast.partner_a.pk))["adverse_events"]
    assert "acknowledged by Facilitator, who is not a clinical lead" in still
    assert "recording a correction of the event with its outcome" in still
    # Partner B's discharge does not wait for A's adverse events.
    assert _discharge(client, session, cast.partner_b.pk).status_code == 201
    assert not Discharge.objects.filter(partner=cast.partner_a).exists()

    # The alert is acknowledged already: the lead signs off with a correction giving the
    # outcome. The facilitator's own correction would not have counted.
    event = SessionEvent.objects.get(data__description="Panic, chest tightness")
    for who, reason in (("facilitator", "Calmer now"), ("lead", "Reviewed with A: resolved")):
        correction = {"corrects": str(event.uuid), "reason": reason, "data": {"outcome": reason}}
        _record(cast.api(who), session, "correction", correction, minutes_ago=1, partner=None)
        response = _discharge(client, session, cast.partner_a.pk)
        assert response.status_code == (201 if who == "lead" else 422), response.content


def test_it_discharges_once_the_clinical_lead_has_signed_off(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client)
    panic = _severe(client, session, cast.partner_a, "Panic, chest tightness")
    alert_acknowledge(viewer=cast.viewer("lead"), alert=panic, note="Settled; reviewed with A")
    assert _discharge(client, session, cast.partner_a.pk).status_code == 201


def test_it_asks_for_the_trial_protocols_own_criteria(cast: Cast) -> None:
    session = make_session(
        cast,
        couple=cast.trial_couple,
        facilitators=[cast.trial_facilitator],
        starts_at=timezone.now() - dt.timedelta(days=2),
    )
    client = cast.api("trial_facilitator")
    detail = client.get(f"/api/v1/sessions/{session.pk}").json()
    assert [c["id"] for c in detail["discharge_criteria"]] == [
        "effects_resolved",
        "suds_baseline",
        "oriented",
        "overnight_attendant",
    ]
    refused = _discharge(client, session, cast.trial_partner_a.pk, criteria_confirmed=OREGON)
    problems = _problems(refused)["criteria_confirmed"]
    assert (
        problems[0]
        == "Not a discharge criterion of MDMA clinical trial (MAPS-style protocol): ride_arranged."
    )
    assert any(
        "Not confirmed: SUDS at or below their baseline (MAPS MDMA-assisted therapy treatment "
        "manual, 2005)." in p
        for p in problems
    )
    assert any(p.startswith("Not confirmed: Staying overnight") for p in problems)


def test_it_shows_the_profiles_criteria_as_checkboxes(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _begun(cast, client, minutes_ago=6)
    page = cast.client("facilitator").get(f"/sessions/{session.pk}/discharge/{cast.partner_a.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for criterion in OREGON:
        assert f'value="{criterion}"' in html
    assert "Not driving: the ride in their transportation plan" in html
    assert "they may leave from" in html


@pytest.mark.parametrize("who", ["other_facilitator", "partner_c", "trial_facilitator"])
def test_it_answers_404_to_people_outside_the_couple(cast: Cast, who: str) -> None:
    session = _begun(cast, cast.api("facilitator"))
    url = f"/sessions/{session.pk}/discharge/{cast.partner_a.pk}/"
    assert cast.client(who).get(url).status_code == 404
    body = {"criteria_confirmed": OREGON, "transport_confirmed": "on"}
    assert cast.client(who).post(url, body).status_code == 404
    assert _discharge(cast.api(who), session, cast.partner_a.pk).status_code == 404
    assert not Discharge.objects.exists()


def test_it_lets_a_partner_who_chose_not_to_take_the_medicine_leave_without_a_minimum(
    cast: Cast,
) -> None:
    client = cast.api("facilitator")
    session = _session(cast)
    _record(client, session, "dose", _dose(), minutes_ago=6, partner=cast.partner_a)
    # Without saying so, B has no dose and cannot leave; saying so needs a note.
    assert "first_dose" in _problems(_discharge(client, session, cast.partner_b.pk))
    problems = _problems(_discharge(client, session, cast.partner_b.pk, declined_dose=True))
    assert list(problems) == ["notes"]
    left = _discharge(
        client,
        session,
        cast.partner_b.pk,
        declined_dose=True,
        notes="B decided this morning not to take the medicine and stayed to support A.",
    )
    assert left.status_code == 201, left.content
    record = Discharge.objects.get(partner=cast.partner_b)
    assert record.declined_dose
    # A, who was dosed six minutes ago, cannot leave this way.
    problems = _problems(
        _discharge(client, session, cast.partner_a.pk, declined_dose=True, notes="Changed mind")
    )
    assert "declined_dose" in problems and "minimum_duration" in problems
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS  # A is still there
    summary = cast.client("facilitator").get(f"/sessions/{session.pk}/summary/").content.decode()
    assert "chose not to take the medicine" in summary


def test_it_cancels_a_session_in_which_neither_partner_took_the_medicine(cast: Cast) -> None:
    client = cast.api("facilitator")
    session = _session(cast)
    for partner in (cast.partner_a, cast.partner_b):
        left = _discharge(
            client, session, partner.pk, declined_dose=True, notes="Decided not to go ahead today."
        )
        assert left.status_code == 201, left.content
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED  # it did not take place
    assert not FollowUpContact.objects.filter(session=session).exists()


def test_it_offers_not_taking_the_medicine_only_to_a_partner_without_a_dose(
    cast: Cast,
) -> None:
    client = cast.api("facilitator")
    session = _session(cast)
    _record(client, session, "dose", _dose(), minutes_ago=6, partner=cast.partner_a)
    web = cast.client("facilitator")
    dosed = web.get(f"/sessions/{session.pk}/discharge/{cast.partner_a.pk}/").content.decode()
    undosed = web.get(f"/sessions/{session.pk}/discharge/{cast.partner_b.pk}/").content.decode()
    assert 'name="declined_dose"' not in dosed
    assert 'name="declined_dose"' in undosed
    left = web.post(
        f"/sessions/{session.pk}/discharge/{cast.partner_b.pk}/",
        {
            "criteria_confirmed": OREGON,
            "transport_confirmed": "on",
            "declined_dose": "on",
            "notes": "B chose not to take the medicine today.",
        },
    )
    assert left.status_code == 302, left.content.decode()
    assert Discharge.objects.get(partner=cast.partner_b).declined_dose
