"""After a medicine session: integration offered and the answer recorded, integration
sessions with notes for the team and what the couple carries forward, and the profile's
follow-up contacts created when the session closes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, give_licence, joined_before, make_session
from holdspace.couples.models import CareTeamMember
from holdspace.integration.models import FollowUpContact, IntegrationOffer, IntegrationSession
from holdspace.integration.services import integration_offer_record
from holdspace.policy.couples import get_couple_for
from holdspace.policy.sessions import get_medicine_session_for
from holdspace.screening.profiles import get_profile
from holdspace.sessions.models import MedicineSession
from holdspace.sessions.recording import session_event_record
from holdspace.sessions.services import discharge_record

pytestmark = pytest.mark.django_db


def _close(cast: Cast, session: MedicineSession, facilitator: str) -> MedicineSession:
    viewer = cast.viewer(facilitator)
    loaded = get_medicine_session_for(viewer, session.pk)
    session_event_record(
        viewer=viewer,
        session=loaded,
        event_id=uuid.uuid4(),
        kind="end",
        occurred_at=timezone.now() - dt.timedelta(minutes=1),
        data={"reason": "emergency_transfer", "note": "Ambulance to St Vincent."},
    )
    for partner in loaded.couple.loaded_partners:
        discharge_record(
            viewer=viewer,
            session=loaded,
            partner_id=partner.user_id,
            criteria_confirmed=[c.id for c in get_profile(loaded.profile).discharge.criteria],
            transport_confirmed=True,
        )
    loaded.refresh_from_db()
    return loaded


def test_it_plans_daily_contacts_for_seven_days_under_the_mdma_protocol_when_the_session_closes(
    cast: Cast,
) -> None:
    session = make_session(cast, couple=cast.trial_couple, facilitators=[cast.trial_facilitator])
    closed = _close(cast, session, "trial_facilitator")
    assert closed.status == "closed"
    contacts = FollowUpContact.objects.filter(session=closed)
    assert contacts.count() == 14  # seven days, two partners
    end = timezone.localdate(closed.ended_at)
    assert sorted({c.due_on for c in contacts}) == [end + dt.timedelta(days=d) for d in range(1, 8)]


def test_it_asks_oregon_for_the_offer_and_no_follow_up_contacts(cast: Cast) -> None:
    closed = _close(cast, make_session(cast), "facilitator")
    assert not FollowUpContact.objects.exists()
    page = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/integration/")
    assert "not yet offered" in page.content.decode()
    recorded = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/integration/offer",
        {"session": closed.pk, "answer": "accepted", "note": "Next Tuesday"},
    )
    assert recorded.status_code == 302
    offer = IntegrationOffer.objects.get()
    assert (offer.session, offer.answer) == (closed, "accepted")
    assert AuditEvent.objects.filter(action="integration.offer").exists()


def test_it_offers_integration_only_after_the_session_has_ended(cast: Cast) -> None:

    session = make_session(cast)
    viewer = cast.viewer("facilitator")
    with pytest.raises(ValidationError) as raised:
        integration_offer_record(
            viewer=viewer,
            couple=get_couple_for(viewer, cast.couple.pk),
            session=session,
            answer="accepted",
        )
    assert "session" in raised.value.message_dict


def test_it_shows_partners_what_they_carry_forward_never_the_notes(cast: Cast) -> None:
    joined_before(cast.couple, timezone.now())
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/integration/sessions",
        {
            "held_at": (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "partner": "",
            "facilitator": cast.facilitator.pk,
            "notes": "B still guarded about the move.",
            "carry_forward": "A weekly walk, just the two of us.",
        },
    )
    assert response.status_code == 302, response.content
    assert IntegrationSession.objects.get().partner is None
    html = cast.client("partner_b").get(f"/couples/{cast.couple.pk}/integration/").content.decode()
    assert "A weekly walk, just the two of us." in html
    assert "still guarded" not in html
    assert (
        cast.client("partner_b")
        .post(f"/couples/{cast.couple.pk}/integration/offer", {})
        .status_code
        == 403
    )
    assert IntegrationOffer.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 403), ("researcher", 404), ("partner_c", 404)]
)
def test_it_keeps_the_integration_page_from_outsiders(cast: Cast, who: str, status: int) -> None:
    assert cast.client(who).get(f"/couples/{cast.couple.pk}/integration/").status_code == status


def test_it_lets_the_care_team_record_each_follow_up_contact_once(cast: Cast) -> None:
    second = cast.other_facilitator
    CareTeamMember.objects.create(organisation=cast.trial, couple=cast.trial_couple, user=second)
    give_licence(second, cast.trial)
    closed = _close(
        cast,
        make_session(cast, couple=cast.trial_couple, facilitators=[cast.trial_facilitator]),
        "trial_facilitator",
    )
    contact = FollowUpContact.objects.filter(session=closed).first()
    assert contact is not None
    client = cast.client("trial_facilitator")
    url = f"/couples/{cast.trial_couple.pk}/integration/follow-ups/{contact.pk}/done"
    assert client.post(url, {"note": "Slept well"}).status_code == 302
    contact.refresh_from_db()
    assert contact.done_by == cast.trial_facilitator and contact.note == "Slept well"
    again = client.post(url, {})
    assert again.status_code == 422
