"""The medicine-session section of the policy matrix: every person of the cast against one
session of couple A & B — its plan, console, events, discharge, summary — and the
organisation's dose log, through the web pages and the API. The care team runs the session;
its partners and the org admin may know it exists (403 on the rest); everyone else meets a
404, as if it did not exist. Every refusal is audited in an organisation's chain."""

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
from holdspace.sessions.models import MedicineSession

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms")]

# How each person of the cast stands to the session of couple A & B.
STANDING = {
    "facilitator": "care team",
    "lead": "care team",
    "partner_a": "knows of it",
    "partner_b": "knows of it",
    "admin": "knows of it",
    "partner_c": "stranger",
    "partner_d": "stranger",
    "other_facilitator": "stranger",
    "researcher": "stranger",
    "trial_facilitator": "stranger",
    "trial_partner_a": "stranger",
    "trial_partner_b": "stranger",
}

REFUSED = {"knows of it": 403, "stranger": 404}

# (what, how, method, address, the care team's answer); anyone else gets REFUSED's, except
# where the row says otherwise.
ROWS: list[tuple[str, str, str, str, int, dict[str, int]]] = [
    ("session", "api", "get", "/api/v1/sessions/{s}", 200, {"knows of it": 200}),
    ("booking", "web", "get", "/sessions/{s}/booking/", 200, {}),
    ("confirm", "web", "post", "/sessions/{s}/booking/confirm", 302, {}),
    ("confirm", "api", "patch", "/api/v1/sessions/{s}", 200, {}),
    ("plan", "web", "get", "/sessions/{s}/plan/", 200, {}),
    ("plan", "api", "put", "/api/v1/sessions/{s}/plan", 200, {}),
    ("console", "web", "get", "/sessions/{s}/", 200, {}),
    ("events", "api", "get", "/api/v1/sessions/{s}/events", 200, {}),
    ("event", "api", "post", "/api/v1/sessions/{s}/events", 201, {}),
    ("event", "web", "post", "/sessions/{s}/events/form", 302, {}),
    ("discharge", "web", "get", "/sessions/{s}/discharge/{a}/", 200, {}),
    # Refused for the care team too, but only because no dose began the session.
    ("discharge", "api", "post", "/api/v1/sessions/{s}/discharge", 422, {}),
    ("summary", "web", "get", "/sessions/{s}/summary/", 200, {}),
    # Last, as they move the session ahead and then cancel it.
    ("move", "web", "post", "/sessions/{s}/booking/move", 302, {}),
    ("cancel", "api", "post", "/api/v1/sessions/{s}/cancel", 200, {}),
]


def _body(cast: Cast, what: str, how: str) -> Any:
    note = {
        "id": str(uuid.uuid4()),
        "kind": "note",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "data": {"text": "Settling in"},
    }
    if what == "event" and how == "web":
        return {"id": note["id"], "kind": "note", "data.text": "Settling in"}
    if what == "event":
        return note
    if what == "plan":
        return {"room": "Willow room"}
    if what == "discharge":
        return {"partner_id": cast.partner_a.pk, "transport_confirmed": True}
    if what == "confirm":
        return {"status": "confirmed"}
    if what == "move":
        later = timezone.localtime(timezone.now() + dt.timedelta(days=3))
        return {"starts_at": later.strftime("%Y-%m-%dT%H:%M"), "room": "Garden room"}
    if what == "cancel":
        return {"reason": "The couple asked to wait."}
    return None


def _send(client: Client, how: str, method: str, url: str, body: Any) -> int:
    if method == "get":
        return int(client.get(url).status_code)
    if how == "web":
        return int(client.post(url, body).status_code)
    send = {"post": client.post, "put": client.put, "patch": client.patch}[method]
    return int(send(url, json.dumps(body), content_type="application/json").status_code)


@pytest.mark.parametrize("who", sorted(STANDING))
def test_it_gives_each_person_exactly_what_the_policy_allows_of_a_session(
    cast: Cast, who: str
) -> None:
    session: MedicineSession = make_session(cast)
    standing = STANDING[who]
    clients = {"web": cast.client(who), "api": cast.api(who)}
    problems = []
    for what, how, method, address, allowed, others in ROWS:
        url = address.format(s=session.pk, a=cast.partner_a.pk)
        want = allowed if standing == "care team" else others.get(standing, REFUSED[standing])
        got = _send(clients[how], how, method, url, _body(cast, what, how))
        if got != want:
            problems.append(f"{how} {method} {what}: {got}, want {want}")
    assert problems == []
    # Every refusal is in the trail, and in an organisation's chain.
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk)
    refused_rows = sum(1 for *_, others in ROWS if standing not in others)
    assert denied.count() == (0 if standing == "care team" else refused_rows)
    assert not denied.filter(organisation_id__isnull=True).exists()


@pytest.mark.parametrize(
    ("who", "want"),
    [
        ("lead", 200),
        ("facilitator", 403),
        ("admin", 403),
        ("researcher", 403),
        ("partner_a", 403),
        ("trial_facilitator", 403),
    ],
)
def test_it_gives_the_dose_log_to_clinical_leads_alone(cast: Cast, who: str, want: int) -> None:
    web = cast.client(who)
    assert web.get("/doses/").status_code == want
    assert web.get("/doses.csv").status_code == want
    # A clinical lead of the center asking for another organisation's log is refused too.
    assert web.get(f"/doses/?org={cast.trial.pk}").status_code == 403
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk)
    assert denied.exists()
    assert not denied.filter(organisation_id__isnull=True).exists()


@pytest.mark.parametrize("who", ["facilitator", "lead"])
def test_it_answers_404_for_a_partner_who_is_not_of_the_session(cast: Cast, who: str) -> None:
    session = make_session(cast)
    response = cast.client(who).get(f"/sessions/{session.pk}/discharge/{cast.partner_c.pk}/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied",
        object_type="partner",
        object_id=str(cast.partner_c.pk),
        organisation_id=cast.center.pk,
    ).exists()
