"""Discharge, one partner at a time, through POST /api/v1/sessions/{id}/discharge: the effects
resolved and the partner oriented, the transportation plan confirmed or its deviation recorded,
once per partner; the session closes only when both have left, and the couple moves on to
integration."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.couples.models import Couple, Stage
from holdspace.sessions.models import Discharge, MedicineSession, SessionEvent, SessionStatus

pytestmark = pytest.mark.django_db


# Helpers ------------------------------------------------------------------------------


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _discharge(client: Client, session: MedicineSession, partner_id: int, **changes: Any) -> Any:
    body: dict[str, Any] = {
        "partner_id": partner_id,
        "effects_resolved": True,
        "oriented": True,
        "transport_confirmed": True,
        **changes,
    }
    return _post(client, f"/api/v1/sessions/{session.pk}/discharge", body)


def _record(
    client: Client, session: MedicineSession, kind: str, data: dict[str, Any], minutes_ago: int
) -> Any:
    body = {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat(),
        "data": data,
    }
    response = _post(client, f"/api/v1/sessions/{session.pk}/events", body)
    assert response.status_code == 201, response.content
    return response


def _problems(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 422, response.content
    found: dict[str, list[str]] = {}
    for problem in response.json()["detail"]:
        found.setdefault(".".join(str(p) for p in problem["loc"][2:]), []).append(problem["msg"])
    return found


def _begun(cast: Cast, client: Client) -> MedicineSession:
    """A session of A & B in progress: its first event recorded."""
    session: MedicineSession = make_session(cast)
    _record(client, session, "note", {"text": "Both arrived"}, minutes_ago=50)
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
    assert SessionEvent.objects.count() == 1


# The criteria ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"effects_resolved": False}, "effects_resolved"),
        ({"oriented": False}, "oriented"),
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
    session = make_session(cast)
    response = _discharge(cast.api("facilitator"), session, cast.partner_a.pk)
    assert list(_problems(response)) == ["session"]
    assert not Discharge.objects.exists()


def test_it_lets_the_clinical_lead_sign_off_a_discharge(cast: Cast) -> None:
    session = _begun(cast, cast.api("facilitator"))
    response = _discharge(cast.api("lead"), session, cast.partner_a.pk)
    assert response.status_code == 201, response.content
    assert response.json()["signed_off_by"] == "Lead"
    assert Discharge.objects.get().signed_off_by == cast.lead
