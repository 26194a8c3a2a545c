"""Each kind of session event is defined once (EventKind) and answered the same whichever way
it comes: the live console's script posting with the signed-in session and its CSRF token,
or another client with a bearer token, both to POST /api/v1/sessions/{id}/events."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from holdspace.accounts.services import api_token_create
from holdspace.conftest import Cast, make_session
from holdspace.policy.core import viewer_for
from holdspace.policy.sessions import get_medicine_session_for
from holdspace.sessions.events import DATA
from holdspace.sessions.models import EventKind, MedicineSession, SessionEvent
from holdspace.sessions.recording import session_event_record

pytestmark = pytest.mark.django_db

DOSE = {"amount_mg": 20, "product": "Golden Teacher capsules", "lot": "GT-2609"}

# kind: (for partner A?, its data, the answer expected). `{earlier}` is a note recorded before.
KINDS: dict[EventKind, tuple[bool, dict[str, Any], int]] = {
    EventKind.DOSE: (True, DOSE, 201),
    # Refused: a supplemental dose follows a first dose, and none is recorded.
    EventKind.SUPPLEMENTAL_DOSE: (True, DOSE, 422),
    EventKind.VITALS: (True, {"systolic": 122, "diastolic": 80, "heart_rate": 72}, 201),
    EventKind.NOTE: (False, {"text": "Both settled, eyeshades on."}, 201),
    EventKind.OBSERVATION: (True, {"text": "Quiet, slow breathing."}, 201),
    EventKind.MUSIC: (False, {"text": "Second playlist"}, 201),
    # Refused: partner A has not consented to touch.
    EventKind.TOUCH: (True, {"by": "facilitator", "form": "hands"}, 422),
    EventKind.MONITORING_BREAK: (False, {"minutes": 5, "covered_by": "Sam Reyes"}, 201),
    EventKind.ADVERSE_EVENT: (True, {"description": "Nausea", "severity": "mild"}, 201),
    EventKind.CORRECTION: (False, {"corrects": "{earlier}", "reason": "Wrong note"}, 201),
    EventKind.END: (False, {"reason": "emergency_transfer", "note": "Ambulance, St Vincent"}, 201),
}


def test_it_has_a_row_and_a_data_schema_for_every_kind() -> None:
    assert set(KINDS) == set(EventKind)
    assert set(DATA) == set(EventKind)


def _session_with_a_note(cast: Cast) -> tuple[MedicineSession, uuid.UUID]:
    viewer = viewer_for(cast.facilitator)
    session = get_medicine_session_for(viewer, make_session(cast).pk)
    note = uuid.uuid4()
    session_event_record(
        viewer=viewer,
        session=session,
        event_id=note,
        kind=EventKind.NOTE,
        occurred_at=timezone.now() - dt.timedelta(minutes=10),
        data={"text": "Arrived"},
    )
    return session, note


def _event(cast: Cast, kind: EventKind, earlier: uuid.UUID) -> dict[str, Any]:
    for_partner, data, _status = KINDS[kind]
    data = {k: str(earlier) if v == "{earlier}" else v for k, v in data.items()}
    return {
        "id": str(uuid.uuid4()),
        "partner_id": cast.partner_a.pk if for_partner else None,
        "kind": kind.value,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=2)).isoformat(),
        "data": data,
    }


def _console(cast: Cast, session: MedicineSession) -> tuple[Client, str]:
    """The facilitator's browser, CSRF enforced, with the token the console page gave it."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.facilitator, backend="django.contrib.auth.backends.ModelBackend")
    page = browser.get(f"/sessions/{session.pk}/")
    assert page.status_code == 200
    return browser, browser.cookies["csrftoken"].value


def _outcome(response: Any) -> tuple[int, Any]:
    """The answer without what differs between two sessions (ids, times, the recorder)."""
    body = response.json()
    if response.status_code in {200, 201}:
        return response.status_code, (body["kind"], body["partner_id"], body["data"].keys())
    return response.status_code, [(p["loc"], p["msg"]) for p in body["detail"]]


@pytest.mark.parametrize("kind", list(EventKind), ids=str)
def test_it_answers_every_kind_the_same_from_the_console_and_a_bearer_token(
    cast: Cast, kind: EventKind
) -> None:
    in_console, console_note = _session_with_a_note(cast)
    by_token, token_note = _session_with_a_note(cast)
    browser, csrf = _console(cast, in_console)
    from_console = browser.post(
        f"/api/v1/sessions/{in_console.pk}/events",
        json.dumps(_event(cast, kind, console_note)),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    from_token = cast.api("facilitator").post(
        f"/api/v1/sessions/{by_token.pk}/events",
        json.dumps(_event(cast, kind, token_note)),
        content_type="application/json",
    )
    assert from_console.status_code == KINDS[kind][2], from_console.content
    assert _outcome(from_console) == _outcome(from_token)
    stored = SessionEvent.objects.filter(kind=kind)
    assert stored.filter(session=in_console).count() == stored.filter(session=by_token).count()


def test_it_refuses_a_signed_in_post_without_the_csrf_token(cast: Cast) -> None:
    session, note = _session_with_a_note(cast)
    browser, _csrf = _console(cast, session)
    response = browser.post(
        f"/api/v1/sessions/{session.pk}/events",
        json.dumps(_event(cast, EventKind.NOTE, note)),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert SessionEvent.objects.filter(session=session).count() == 1


def test_it_takes_a_bearer_token_post_without_a_csrf_token(cast: Cast) -> None:
    session, note = _session_with_a_note(cast)
    token = api_token_create(user=cast.facilitator)
    # A client of its own, CSRF enforced: no session, no CSRF cookie, only the token.
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    response = client.post(
        f"/api/v1/sessions/{session.pk}/events",
        json.dumps(_event(cast, EventKind.NOTE, note)),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_it_answers_401_to_a_post_with_neither_a_session_nor_a_token(cast: Cast) -> None:
    session, note = _session_with_a_note(cast)
    response = Client(enforce_csrf_checks=True).post(
        f"/api/v1/sessions/{session.pk}/events",
        json.dumps(_event(cast, EventKind.NOTE, note)),
        content_type="application/json",
    )
    assert response.status_code == 401


def test_it_names_every_kind_to_the_console_script(cast: Cast) -> None:
    session = make_session(cast)
    page = cast.client("facilitator").get(f"/sessions/{session.pk}/").content.decode()
    start = page.index('id="session-event-kinds"')
    names = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert names == [[kind.value, str(kind.label)] for kind in EventKind]
    assert f'data-endpoint="/api/v1/sessions/{session.pk}/events"' in page
