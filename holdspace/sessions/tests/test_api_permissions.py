"""Who may do what with a medicine session through /api/v1/sessions: the couple's care team
plans, records and discharges; the partners and the org admin may know the session exists
(without its plan) and get 403 on the rest; everyone else gets 404, as if it did not exist."""

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
from holdspace.sessions.models import Discharge, MedicineSession, PartnerPlan, SessionEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms")]

CARE_TEAM = ["facilitator", "lead"]
MAY_SEE_ONLY = ["partner_a", "partner_b", "admin"]
STRANGERS = [
    "partner_c",
    "partner_d",
    "other_facilitator",
    "researcher",
    "trial_facilitator",
    "trial_partner_a",
]


# Helpers ------------------------------------------------------------------------------


def _plan(cast: Cast) -> dict[str, Any]:
    return {
        "plans": [
            {
                "partner_id": cast.partner_a.pk,
                "product": "Golden Teacher capsules",
                "lot": "GT-2609",
                "mg_per_unit": 5,
                "planned_mg": 20,
            }
        ],
        "music": {"entries": ["Quiet strings"], "link": ""},
    }


def _note() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": "note",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "data": {"text": "Settling in"},
    }


def _dose(cast: Cast) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "partner_id": cast.partner_a.pk,
        "kind": "dose",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "data": {"amount_mg": 20, "product": "Golden Teacher capsules", "lot": "GT-2609"},
    }


def _discharge(cast: Cast) -> dict[str, Any]:
    return {
        "partner_id": cast.partner_a.pk,
        "criteria_confirmed": ["effects_resolved", "oriented", "ride_arranged"],
        "transport_confirmed": True,
    }


def _send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(url)
    send = client.post if method == "post" else client.put
    return send(url, json.dumps(body), content_type="application/json")


def _planned_and_begun(cast: Cast) -> MedicineSession:
    """A session of A & B with a plan, then begun by partner A's first dose."""
    session: MedicineSession = make_session(cast)
    client = cast.api("facilitator")
    planned = _send(client, "put", f"/api/v1/sessions/{session.pk}/plan", _plan(cast))
    assert planned.status_code == 200, planned.content
    begun = _send(client, "post", f"/api/v1/sessions/{session.pk}/events", _dose(cast))
    assert begun.status_code == 201, begun.content
    return session


def _writes(cast: Cast, session: MedicineSession) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"/api/v1/sessions/{session.pk}"
    return [
        ("post", f"{base}/events", _note()),
        ("get", f"{base}/events", None),
        ("post", f"{base}/discharge", _discharge(cast)),
    ]


def _unchanged(session: MedicineSession) -> None:
    assert SessionEvent.objects.filter(session=session).count() == 1
    assert not Discharge.objects.exists()
    assert list(PartnerPlan.objects.values_list("planned_mg", flat=True)) == [20]


# The care team -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", CARE_TEAM)
def test_it_gives_the_care_team_the_plan_and_the_live_record(cast: Cast, who: str) -> None:
    session = _planned_and_begun(cast)
    client = cast.api(who)
    detail = client.get(f"/api/v1/sessions/{session.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert [p["partner_id"] for p in body["plans"]] == [cast.partner_a.pk]
    assert body["music"]["entries"] == ["Quiet strings"]
    assert body["status"] == "in_progress"
    recorded = _send(client, "post", f"/api/v1/sessions/{session.pk}/events", _note())
    assert recorded.status_code == 201, recorded.content
    assert client.get(f"/api/v1/sessions/{session.pk}/events").json()["count"] == 2
    assert AuditEvent.objects.filter(
        action="session_event.list", actor_id=cast.people[who].pk
    ).exists()


# The partners and the org admin: they may know it exists ---------------------------------------


@pytest.mark.parametrize("who", MAY_SEE_ONLY)
def test_it_shows_the_session_without_its_plan_and_refuses_the_rest(cast: Cast, who: str) -> None:
    session = _planned_and_begun(cast)
    client = cast.api(who)
    detail = client.get(f"/api/v1/sessions/{session.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert (body["id"], body["couple_id"], body["room"]) == (
        session.pk,
        cast.couple.pk,
        "Cedar room",
    )
    assert (body["plans"], body["music"]) == ([], {})

    for method, url, payload in [
        *_writes(cast, session),
        ("put", f"/api/v1/sessions/{session.pk}/plan", _plan(cast)),
    ]:
        response = _send(client, method, url, payload)
        assert response.status_code == 403, (method, url, response.content)
    _unchanged(session)
    assert (
        AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk).count() == 4
    )


def test_it_refuses_a_partner_changing_their_own_plan(cast: Cast) -> None:
    session = _planned_and_begun(cast)
    plan = _plan(cast)
    plan["plans"][0]["planned_mg"] = 45
    response = _send(cast.api("partner_a"), "put", f"/api/v1/sessions/{session.pk}/plan", plan)
    assert response.status_code == 403
    _unchanged(session)


# Everyone else: 404 ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", STRANGERS)
def test_it_answers_404_to_people_outside_the_couple(cast: Cast, who: str) -> None:
    session = _planned_and_begun(cast)
    client = cast.api(who)
    base = f"/api/v1/sessions/{session.pk}"
    for method, url, payload in [
        ("get", base, None),
        *_writes(cast, session),
        ("put", f"{base}/plan", _plan(cast)),
    ]:
        response = _send(client, method, url, payload)
        assert response.status_code == 404, (method, url, response.content)
        assert response.json() == {"detail": "Not found"}
    _unchanged(session)
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk)
    assert denied.count() == 5
    assert all(e.object_id == str(session.pk) for e in denied)


def test_it_answers_404_for_a_session_that_does_not_exist(cast: Cast) -> None:
    session = make_session(cast)
    response = cast.api("facilitator").get(f"/api/v1/sessions/{session.pk + 1000}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}


def test_it_answers_401_without_a_token(cast: Cast) -> None:
    session = make_session(cast)
    assert Client().get(f"/api/v1/sessions/{session.pk}").status_code == 401
    response = _send(Client(), "post", f"/api/v1/sessions/{session.pk}/events", _note())
    assert response.status_code == 401
    assert not SessionEvent.objects.exists()


@pytest.mark.parametrize(("who", "plan"), [("facilitator", True), ("partner_a", False)])
def test_it_audits_each_read_of_a_session_with_whether_its_plan_was_shown(
    cast: Cast, who: str, plan: bool
) -> None:
    session = make_session(cast)
    assert cast.api(who).get(f"/api/v1/sessions/{session.pk}").status_code == 200
    read = AuditEvent.objects.get(action="medicine_session.read", actor_id=cast.people[who].pk)
    assert (read.object_id, read.couple_id, read.organisation_id) == (
        str(session.pk),
        cast.couple.pk,
        cast.center.pk,
    )
    assert read.detail == {"plan": plan}
