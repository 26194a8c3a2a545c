"""The integration page on a real day: an answer that changes, a form sent twice, a session
cancelled before it could be held, a facilitator who is not on the care team, a note too long,
and what the partners see of it all."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, joined_before, make_session
from holdspace.integration.models import MAX_NOTES, FollowUpContact, IntegrationOffer
from holdspace.integration.services import integration_session_schedule
from holdspace.policy.couples import get_couple_for
from holdspace.sessions.models import MedicineSession

pytestmark = pytest.mark.django_db


def _url(cast: Cast, tail: str = "") -> str:
    return f"/couples/{cast.couple.pk}/integration/{tail}"


def _ended(cast: Cast, days_ago: int = 2) -> MedicineSession:
    session = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=days_ago))
    MedicineSession.objects.filter(pk=session.pk).update(
        status="closed", ended_at=session.starts_at + dt.timedelta(hours=6)
    )
    session.refresh_from_db()
    return session  # type: ignore[no-any-return]


def _planned(cast: Cast, days: int = 2) -> Any:
    viewer = cast.viewer("facilitator")
    return integration_session_schedule(
        viewer=viewer,
        couple=get_couple_for(viewer, cast.couple.pk),
        at=timezone.now() + dt.timedelta(days=days),
        facilitator_id=cast.facilitator.pk,
    )


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def test_it_shows_the_latest_answer_when_the_couple_changes_their_mind(cast: Cast) -> None:
    session = _ended(cast)
    browser = cast.client("facilitator")
    for answer, note in (("undecided", "They will talk it over"), ("accepted", "Weekly, Tuesdays")):
        sent = browser.post(
            _url(cast, "offer"), {"session": session.pk, "answer": answer, "note": note}
        )
        assert sent.status_code == 302
    assert IntegrationOffer.objects.count() == 2  # both answers are kept
    html = browser.get(_url(cast)).content.decode()
    assert "Accepted" in html and "Weekly, Tuesdays" in html
    assert "They will talk it over" not in html
    assert AuditEvent.objects.filter(action="integration.offer").count() == 2


def test_it_refuses_an_offer_for_a_session_that_has_not_ended_beside_the_field(
    cast: Cast,
) -> None:
    ended = _ended(cast, days_ago=5)
    running = make_session(cast)
    refused = cast.client("facilitator").post(
        _url(cast, "offer"), {"session": running.pk, "answer": "accepted", "note": "Typed note"}
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="id_session_error"' in html
    assert 'value="Typed note"' in html  # what was typed stays
    assert not IntegrationOffer.objects.exists()
    again = cast.client("facilitator").post(
        _url(cast, "offer"), {"session": ended.pk, "answer": "declined"}
    )
    assert again.status_code == 302
    assert IntegrationOffer.objects.get().answer == "declined"


@pytest.mark.parametrize("answer", ["", "maybe", "ACCEPTED"])
def test_it_refuses_an_answer_that_is_not_one_of_the_three(cast: Cast, answer: str) -> None:
    session = _ended(cast)
    refused = cast.client("facilitator").post(
        _url(cast, "offer"), {"session": session.pk, "answer": answer}
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Select a valid choice" in html or "This field is required" in html
    assert not IntegrationOffer.objects.exists()


def test_it_refuses_a_session_led_by_someone_outside_the_care_team(cast: Cast) -> None:
    joined_before(cast.couple, timezone.now())
    typed = {
        "held_at": _local(timezone.now() - dt.timedelta(hours=1)),
        "partner": cast.partner_a.pk,
        "facilitator": cast.other_facilitator.pk,
        "carry_forward": "A walk after dinner.",
    }
    refused = cast.client("facilitator").post(_url(cast, "sessions"), typed)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="id_facilitator_error"' in html
    assert "A walk after dinner.</textarea>" in html
    # The other partner of another couple is no choice either.
    typed.update(facilitator=cast.facilitator.pk, partner=cast.partner_c.pk)
    assert cast.client("facilitator").post(_url(cast, "sessions"), typed).status_code == 422
    typed.update(partner=cast.partner_a.pk)
    assert cast.client("facilitator").post(_url(cast, "sessions"), typed).status_code == 302


def test_it_keeps_overlong_notes_beside_their_field_when_refused(cast: Cast) -> None:
    planned = _planned(cast, days=1)
    too_long = "n" * (MAX_NOTES + 1)
    with time_machine.travel(planned.held_at + dt.timedelta(hours=1)):
        refused = cast.client("facilitator").post(
            _url(cast, f"sessions/{planned.pk}/held"),
            {"notes": too_long, "carry_forward": "Short and kept"},
        )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "At most 20,000 characters." in html
    assert ">Short and kept</textarea>" in html
    planned.refresh_from_db()
    assert planned.status == "scheduled"


def test_it_refuses_to_hold_a_session_once_cancelled(cast: Cast) -> None:
    planned = _planned(cast)
    browser = cast.client("facilitator")
    assert browser.post(_url(cast, f"sessions/{planned.pk}/cancel")).status_code == 302
    again = browser.post(_url(cast, f"sessions/{planned.pk}/held"), {"notes": "Too late"})
    assert again.status_code == 422
    assert b"already cancelled" in again.content
    planned.refresh_from_db()
    assert (planned.status, planned.notes) == ("cancelled", "")
    assert AuditEvent.objects.filter(action="integration.cancel").count() == 1
    assert not AuditEvent.objects.filter(action="integration.hold").exists()


def test_it_answers_a_session_or_contact_that_does_not_exist_as_missing(cast: Cast) -> None:
    browser = cast.client("facilitator")
    for tail in ("sessions/999999/held", "sessions/999999/cancel", "follow-ups/999999/done"):
        assert browser.post(_url(cast, tail)).status_code == 404
    # Reading is not writing: an action's address opened with GET leads to the page, and the
    # page itself answers GET only.
    assert browser.get(_url(cast, "offer"))["Location"] == _url(cast)
    assert browser.post(_url(cast)).status_code == 405


def test_it_shows_partners_the_sessions_but_not_the_offers_notes_or_contacts(cast: Cast) -> None:
    session = _ended(cast)
    FollowUpContact.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        session=session,
        partner=cast.partner_a,
        due_on=timezone.localdate(),
    )
    facilitator = cast.client("facilitator")
    facilitator.post(
        _url(cast, "offer"), {"session": session.pk, "answer": "accepted", "note": "OFFER-NOTE"}
    )
    joined_before(cast.couple, timezone.now())
    facilitator.post(
        _url(cast, "sessions"),
        {
            "held_at": _local(timezone.now() - dt.timedelta(hours=1)),
            "partner": "",
            "facilitator": cast.facilitator.pk,
            "notes": "TEAM-NOTES",
            "carry_forward": "CARRIED",
        },
    )
    staff = facilitator.get(_url(cast)).content.decode()
    assert "OFFER-NOTE" in staff and "TEAM-NOTES" in staff and 'id="follow-ups"' in staff
    for who in ("partner_a", "partner_b"):
        html = cast.client(who).get(_url(cast)).content.decode()
        assert "CARRIED" in html
        assert "OFFER-NOTE" not in html and "TEAM-NOTES" not in html
        assert 'id="follow-ups"' not in html and "Record the offer" not in html


def test_it_audits_each_reading_of_the_page_once(cast: Cast) -> None:
    for who in ("facilitator", "partner_b"):
        assert cast.client(who).get(_url(cast)).status_code == 200
    reads = AuditEvent.objects.filter(action="integration.read")
    assert sorted(reads.values_list("actor_id", flat=True)) == sorted(
        [cast.facilitator.pk, cast.partner_b.pk]
    )
    assert set(reads.values_list("organisation_id", "couple_id")) == {
        (cast.center.pk, cast.couple.pk)
    }


def test_it_lets_a_clinical_lead_record_a_follow_up_once(cast: Cast) -> None:
    contact = FollowUpContact.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        session=_ended(cast),
        partner=cast.partner_b,
        due_on=timezone.localdate(),
    )
    lead = cast.client("lead")
    url = _url(cast, f"follow-ups/{contact.pk}/done")
    assert lead.post(url, {"note": "Slept well, eating"}).status_code == 302
    second = cast.client("facilitator").post(url, {"note": "Me too"})
    assert second.status_code == 422
    assert b"already recorded" in second.content
    contact.refresh_from_db()
    assert (contact.done_by, contact.note) == (cast.lead, "Slept well, eating")
