"""The console without JavaScript: each form posts to /sessions/{id}/events/form, which saves
the event once by the form's id and comes back to the console saying what happened."""

from __future__ import annotations

import uuid

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.sessions.models import SessionEvent

pytestmark = pytest.mark.django_db


def _post(cast: Cast, session_id: int, form: dict[str, str], who: str = "facilitator") -> str:
    response = cast.client(who).post(f"/sessions/{session_id}/events/form", form, follow=True)
    assert response.redirect_chain[-1] == (f"/sessions/{session_id}/", 302)
    return str(response.content.decode())


def test_it_saves_a_form_once_however_often_it_is_posted(cast: Cast) -> None:
    session = make_session(cast)
    form = {
        "id": str(uuid.uuid4()),
        "kind": "vitals",
        "partner_id": str(cast.partner_a.pk),
        "data.systolic": "124",
        "data.diastolic": "80",
    }
    assert "Saved: Vital signs." in _post(cast, session.pk, form)
    # Posted again a moment later (a double tap, a reload): its time differs, the id does not.
    assert "That form was already saved." in _post(cast, session.pk, form)
    stored = SessionEvent.objects.get(session=session)
    assert stored.data == {"systolic": 124, "diastolic": 80}
    assert AuditEvent.objects.filter(action="session_event.record").count() == 1


def test_it_says_why_a_form_was_not_saved_and_saves_nothing(cast: Cast) -> None:
    session = make_session(cast)
    page = _post(
        cast,
        session.pk,
        {
            "id": str(uuid.uuid4()),
            "kind": "vitals",
            "partner_id": str(cast.partner_a.pk),
            "data.systolic": "400",
        },
    )
    assert "data.systolic" in page and "check the reading" in page
    assert not SessionEvent.objects.exists()


def test_it_refuses_a_kind_that_is_not_an_event_kind(cast: Cast) -> None:
    session = make_session(cast)
    page = _post(cast, session.pk, {"id": str(uuid.uuid4()), "kind": "dance", "data.text": "Twirl"})
    assert "kind:" in page
    assert not SessionEvent.objects.exists()


def test_it_says_a_different_form_under_a_saved_id_was_already_saved(cast: Cast) -> None:
    session = make_session(cast)
    form = {"id": str(uuid.uuid4()), "kind": "note", "data.text": "Both settled."}
    _post(cast, session.pk, form)
    page = _post(cast, session.pk, {**form, "data.text": "Something else"})
    assert "That form was already saved." in page
    assert SessionEvent.objects.get().data == {"text": "Both settled."}


@pytest.mark.parametrize(
    ("who", "status"), [("partner_a", 403), ("admin", 403), ("trial_facilitator", 404)]
)
def test_it_refuses_the_form_to_anyone_but_the_care_team(cast: Cast, who: str, status: int) -> None:
    session = make_session(cast)
    response = cast.client(who).post(
        f"/sessions/{session.pk}/events/form",
        {"id": str(uuid.uuid4()), "kind": "note", "data.text": "Hello"},
    )
    assert response.status_code == status
    assert not SessionEvent.objects.exists()


def test_it_no_longer_answers_at_the_former_twin_of_the_api(cast: Cast) -> None:
    session = make_session(cast)
    response = cast.client("facilitator").post(
        f"/sessions/{session.pk}/events",
        {"id": str(uuid.uuid4()), "kind": "note", "data.text": "Hello"},
    )
    assert response.status_code == 404
