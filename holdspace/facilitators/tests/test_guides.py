"""Your guides: what partners see of their care team's facilitators (verified credentials only,
never evidence, licence numbers, registers, incidents or concerns), and partners' reviews of
them — an approval, or a concern the clinical lead reads — which the Oregon profile's
readiness item guide_approval waits for."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import Role, User
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import PASSWORD, Cast, give_licence, make_session
from holdspace.couples.models import CareTeamMember
from holdspace.facilitators.models import Credential, FacilitatorProfile, GuideReview
from holdspace.policy.couples import get_couple_for
from holdspace.policy.sessions import get_medicine_session_for
from holdspace.preparation.tests.test_gate import make_ready
from holdspace.sessions.models import MedicineSession
from holdspace.sessions.recording import session_event_record

pytestmark = pytest.mark.django_db

CONCERN_NOTE = "They talked over my partner and dismissed a question about touch."


# Helpers ------------------------------------------------------------------------------


def _post(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _guides_url(cast: Cast) -> str:
    return f"/couples/{cast.couple.pk}/guides/"


def _api_guides_url(cast: Cast) -> str:
    return f"/api/v1/couples/{cast.couple.pk}/guides"


def _review_api(
    cast: Cast, who: str, facilitator: User, decision: str = "approve", note: str = ""
) -> Any:
    return _post(
        cast.api(who),
        f"/api/v1/couples/{cast.couple.pk}/guides/{facilitator.pk}/review",
        {"decision": decision, "note": note},
    )


def _review_web(
    cast: Cast, who: str, facilitator: User, decision: str = "approve", note: str = ""
) -> Any:
    return cast.client(who).post(
        f"/couples/{cast.couple.pk}/guides/{facilitator.pk}/review",
        {"decision": decision, "note": note},
    )


def _guide_credentials(cast: Cast) -> dict[str, Credential]:
    """Beside the verified licence: a verified training with evidence, an unverified one, and
    a suspended insurance policy."""
    common = {"organisation": cast.center, "facilitator": cast.facilitator}
    return {
        "training": Credential.objects.create(
            **common,
            kind="training",
            title="MAPS therapist training",
            hours=160,
            status="verified",
            number="TRN-SECRET-77",
            register="Registry of trainings",
            evidence="evidence/1/1/certificate.pdf",
            evidence_name="training-certificate.pdf",
            verified_at=timezone.now(),
        ),
        "unverified": Credential.objects.create(
            **common, kind="training", title="Weekend breathwork course", hours=16
        ),
        "suspended": Credential.objects.create(
            **common,
            kind="insurance",
            title="Acme Liability Mutual",
            expires_on=timezone.localdate() + dt.timedelta(days=200),
            status="suspended",
        ),
    }


def _profile(cast: Cast, user: User, **values: Any) -> FacilitatorProfile:
    profile: FacilitatorProfile = FacilitatorProfile.objects.create(
        organisation=cast.center, facilitator=user, **values
    )
    return profile


def _adverse_event(cast: Cast) -> None:
    """An adverse event in a session the couple's facilitator was present at."""
    viewer = cast.viewer("facilitator")
    session: MedicineSession = make_session(cast)
    session_event_record(
        viewer=viewer,
        session=get_medicine_session_for(viewer, session.pk),
        event_id=uuid.uuid4(),
        kind="adverse_event",
        occurred_at=timezone.now() - dt.timedelta(minutes=20),
        data={"description": "Fainted briefly after standing", "severity": "mild"},
        partner_id=cast.partner_a.pk,
    )


def _approval(cast: Cast) -> dict[int, tuple[bool, str]]:
    """Each partner's readiness item guide_approval: done, and its detail."""
    body = cast.api("lead").get(f"/api/v1/couples/{cast.couple.pk}/readiness").json()
    return {
        p["partner_id"]: next(
            (i["done"], i["detail"]) for i in p["items"] if i["code"] == "guide_approval"
        )
        for p in body["partners"]
    }


def _second_facilitator(cast: Cast) -> User:
    user = user_create(
        email="second_facilitator@example.org", display_name="Sam Second", password=PASSWORD
    )
    membership_ensure(organisation=cast.center, user=user, role=Role.FACILITATOR)
    CareTeamMember.objects.create(organisation=cast.center, couple=cast.couple, user=user)
    give_licence(user, cast.center)
    return user


# What partners see ------------------------------------------------------------------------


def test_it_shows_partners_their_care_teams_verified_credentials_and_profile(cast: Cast) -> None:
    _guide_credentials(cast)
    _profile(
        cast,
        cast.facilitator,
        languages=["English", "Spanish"],
        substances=["psilocybin"],
        modalities=["IFS"],
        supervision="Monthly consultation with Dr. Ruiz",
        conflicts_of_interest="Co-owns the retreat venue",
        ethics_acknowledged_at=timezone.now(),
    )
    _profile(cast, cast.other_facilitator, languages=["Tagalog"])
    for who in ("partner_a", "partner_b"):
        page = cast.client(who).get(_guides_url(cast))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Your guides" in html
        assert f'id="guide-{cast.facilitator.pk}"' in html
        assert "Oregon psilocybin facilitator licence" in html
        assert "MAPS therapist training" in html
        assert "160 hours" in html
        assert "English, Spanish" in html
        assert "Co-owns the retreat venue" in html
        assert "Monthly consultation with Dr. Ruiz" in html
        assert "Signed the code of ethics" in html
        assert f'action="/couples/{cast.couple.pk}/guides/{cast.facilitator.pk}/review"' in html
        # Never what is unverified, never another couple's facilitator.
        assert "Weekend breathwork course" not in html
        assert "Acme Liability Mutual" not in html
        assert "Other Facilitator" not in html
        assert "Tagalog" not in html
        assert f'id="guide-{cast.other_facilitator.pk}"' not in html


def test_it_never_shows_partners_evidence_numbers_registers_or_incidents(cast: Cast) -> None:
    _guide_credentials(cast)
    _adverse_event(cast)
    GuideReview.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        partner=cast.partner_b,
        facilitator=cast.facilitator,
        decision=GuideReview.CONCERN,
        note=CONCERN_NOTE,
    )
    licence = Credential.objects.get(facilitator=cast.facilitator, kind="licence")
    for who in ("partner_a", "partner_b"):
        html = cast.client(who).get(_guides_url(cast)).content.decode()
        for secret in (
            "/evidence",
            "training-certificate.pdf",
            "certificate.pdf",
            licence.number,
            "TRN-SECRET-77",
            "Test register",
            "Registry of trainings",
            CONCERN_NOTE,
            "Fainted briefly",
            "Adverse",
            "adverse event",
            "Incidents",
        ):
            assert secret not in html, (who, secret)


def test_it_gives_partners_verified_credentials_without_staff_fields_through_the_api(
    cast: Cast,
) -> None:
    credentials = _guide_credentials(cast)
    _adverse_event(cast)
    _profile(cast, cast.facilitator, languages=["English"], conflicts_of_interest="None")
    response = cast.api("partner_a").get(_api_guides_url(cast))
    assert response.status_code == 200, response.content
    body = response.json()
    # Issue 12 item 7: the guides in the list envelope; the questions a list of their own.
    assert (body["count"], body["next"]) == (1, None)
    questions = cast.api("partner_a").get(_api_guides_url(cast) + "/questions").json()
    assert questions["items"] and questions["count"] == len(questions["items"])
    (guide,) = body["items"]
    assert set(guide) == {
        "user_id",
        "display_name",
        "credentials",
        "languages",
        "substances",
        "modalities",
        "supervision",
        "conflicts_of_interest",
        "my_review",
    }
    assert (guide["user_id"], guide["display_name"]) == (cast.facilitator.pk, "Facilitator")
    assert guide["languages"] == ["English"]
    assert guide["my_review"] is None
    licence = Credential.objects.get(facilitator=cast.facilitator, kind="licence")
    assert {c["id"] for c in guide["credentials"]} == {licence.pk, credentials["training"].pk}
    for credential in guide["credentials"]:
        assert credential["status"] == "verified"
        assert credential["number"] == ""
        assert credential["public_register"] == ""
        assert not any("evidence" in key for key in credential)
    text = response.content.decode()
    for secret in (licence.number, "TRN-SECRET-77", "Test register", "certificate.pdf"):
        assert secret not in text
    assert "evidence" not in text
    assert "concern" not in text
    assert "adverse" not in text.lower()


def test_it_shows_the_care_team_the_guides_as_the_couple_sees_them(cast: Cast) -> None:
    page = cast.client("facilitator").get(_guides_url(cast))
    assert page.status_code == 200
    html = page.content.decode()
    assert "guides, as they see them" in html
    assert "/review" not in html
    body = cast.api("lead").get(_api_guides_url(cast)).json()
    assert [g["user_id"] for g in body["items"]] == [cast.facilitator.pk]
    assert body["items"][0]["credentials"][0]["number"] == ""


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("partner_c", 404),
        ("partner_d", 404),
        ("other_facilitator", 404),
        ("trial_partner_a", 404),
        ("trial_facilitator", 404),
        ("researcher", 404),
        ("admin", 403),
    ],
)
def test_it_shows_a_couples_guides_to_nobody_else(cast: Cast, who: str, status: int) -> None:
    web = cast.client(who).get(_guides_url(cast))
    assert web.status_code == status
    assert "Oregon psilocybin facilitator licence" not in web.content.decode()
    for url in (_api_guides_url(cast), _api_guides_url(cast) + "/questions"):
        api = cast.api(who).get(url)
        assert api.status_code == status
        assert "items" not in api.json()


def test_it_shows_other_couples_only_their_own_facilitator(cast: Cast) -> None:
    body = cast.api("partner_c").get(f"/api/v1/couples/{cast.other_couple.pk}/guides").json()
    assert [g["user_id"] for g in body["items"]] == [cast.other_facilitator.pk]


# Reviews ----------------------------------------------------------------------------------


def test_it_lets_a_partner_approve_a_guide_on_the_web(cast: Cast) -> None:
    response = _review_web(cast, "partner_a", cast.facilitator)
    assert response.status_code == 302
    assert response["Location"] == _guides_url(cast)
    review = GuideReview.objects.get()
    assert (review.couple, review.partner, review.facilitator, review.decision) == (
        cast.couple,
        cast.partner_a,
        cast.facilitator,
        "approve",
    )
    event = AuditEvent.objects.get(action="guide.review")
    assert (event.actor_id, event.couple_id, event.object_id) == (
        cast.partner_a.pk,
        cast.couple.pk,
        str(review.pk),
    )
    assert event.detail == {"facilitator": cast.facilitator.pk, "decision": "approve"}
    html = cast.client("partner_a").get(_guides_url(cast)).content.decode()
    assert "You approved this guide" in html
    # The other partner's page is their own.
    assert "You approved this guide" not in (
        cast.client("partner_b").get(_guides_url(cast)).content.decode()
    )


def test_it_lets_a_partner_approve_a_guide_through_the_api(cast: Cast) -> None:
    response = _review_api(cast, "partner_b", cast.facilitator)
    assert response.status_code == 201, response.content
    body = response.json()
    review = GuideReview.objects.get()
    assert (body["id"], body["facilitator_id"], body["decision"]) == (
        review.pk,
        cast.facilitator.pk,
        "approve",
    )
    mine = cast.api("partner_b").get(_api_guides_url(cast)).json()["items"][0]
    assert mine["my_review"] == "approve"
    theirs = cast.api("partner_a").get(_api_guides_url(cast)).json()["items"][0]
    assert theirs["my_review"] is None
    assert AuditEvent.objects.filter(action="guide.review").count() == 1


@pytest.mark.parametrize("note", ["", "   "])
def test_it_needs_a_note_for_a_concern(cast: Cast, note: str) -> None:
    response = _review_api(cast, "partner_a", cast.facilitator, "concern", note)
    assert response.status_code == 422
    assert [p["loc"][-1] for p in response.json()["detail"]] == ["note"]
    web = _review_web(cast, "partner_a", cast.facilitator, "concern", note)
    assert web.status_code == 302
    assert not GuideReview.objects.exists()
    assert not AuditEvent.objects.filter(action="guide.review").exists()
    follow = cast.client("partner_a").get(_guides_url(cast))
    assert "You raised a concern" not in follow.content.decode()


def test_it_shows_a_concern_to_the_clinical_lead_and_nobody_else_on_staff(cast: Cast) -> None:
    response = _review_api(cast, "partner_a", cast.facilitator, "concern", CONCERN_NOTE)
    assert response.status_code == 201, response.content
    assert response.json()["decision"] == "concern"
    page = f"/facilitators/{cast.facilitator.pk}/"
    lead = cast.client("lead").get(page).content.decode()
    assert CONCERN_NOTE in lead
    assert "1 concern raised by a partner" in lead
    assert "Partner A" in lead
    for who in ("admin", "facilitator"):
        html = cast.client(who).get(page).content.decode()
        assert CONCERN_NOTE not in html, who
    own = cast.client("partner_a").get(_guides_url(cast)).content.decode()
    assert "You raised a concern" in own
    assert CONCERN_NOTE not in cast.client("partner_b").get(_guides_url(cast)).content.decode()


@pytest.mark.parametrize("who", ["facilitator", "lead", "admin"])
def test_it_refuses_staff_reviewing_a_guide(cast: Cast, who: str) -> None:
    assert _review_web(cast, who, cast.facilitator).status_code == 403
    assert _review_api(cast, who, cast.facilitator).status_code == 403
    assert not GuideReview.objects.exists()
    assert not AuditEvent.objects.filter(action="guide.review").exists()


def test_it_lets_a_partner_review_only_their_own_care_team(cast: Cast) -> None:
    assert _review_api(cast, "partner_a", cast.other_facilitator).status_code == 404
    assert _review_api(cast, "partner_a", cast.lead).status_code == 404
    web = _review_web(cast, "partner_a", cast.other_facilitator)
    assert web.status_code == 302
    assert _review_api(cast, "partner_c", cast.facilitator).status_code == 404
    assert _review_web(cast, "partner_c", cast.facilitator).status_code == 404
    assert _review_api(cast, "trial_partner_a", cast.facilitator).status_code == 404
    assert not GuideReview.objects.exists()


def test_it_counts_the_newest_review(cast: Cast) -> None:
    assert _review_api(cast, "partner_a", cast.facilitator).status_code == 201
    assert _review_api(cast, "partner_a", cast.facilitator, "concern", "Late").status_code == 201
    body = cast.api("partner_a").get(_api_guides_url(cast)).json()
    assert body["items"][0]["my_review"] == "concern"
    assert GuideReview.objects.count() == 2  # never edited: both are kept


# The Oregon readiness item ----------------------------------------------------------------


def test_it_holds_readiness_until_each_partner_approves_each_facilitator(cast: Cast) -> None:
    make_ready(cast, skip=[("partner_a", "guide_approval"), ("partner_b", "guide_approval")])
    a, b = cast.partner_a.pk, cast.partner_b.pk
    assert _approval(cast) == {
        a: (False, "Waiting for: Facilitator."),
        b: (False, "Waiting for: Facilitator."),
    }
    assert _review_api(cast, "partner_a", cast.facilitator).status_code == 201
    assert {k: done for k, (done, _) in _approval(cast).items()} == {a: True, b: False}
    assert _review_web(cast, "partner_b", cast.facilitator).status_code == 302
    assert {k: done for k, (done, _) in _approval(cast).items()} == {a: True, b: True}
    readiness = cast.api("lead").get(f"/api/v1/couples/{cast.couple.pk}/readiness").json()
    assert readiness["ready"] is True

    # A second facilitator joins the care team: each partner must meet and approve them too.
    _second_facilitator(cast)
    assert _approval(cast) == {
        a: (False, "Waiting for: Sam Second."),
        b: (False, "Waiting for: Sam Second."),
    }


def test_it_makes_guide_approval_missing_again_after_a_later_concern(cast: Cast) -> None:
    make_ready(cast)
    assert all(done for done, _ in _approval(cast).values())
    starts_at = (timezone.now() + dt.timedelta(days=2)).isoformat()
    concern = _review_api(cast, "partner_b", cast.facilitator, "concern", CONCERN_NOTE)
    assert concern.status_code == 201
    assert _approval(cast)[cast.partner_b.pk] == (False, "Waiting for: Facilitator.")
    assert _approval(cast)[cast.partner_a.pk][0] is True
    booked = _post(
        cast.api("facilitator"),
        f"/api/v1/couples/{cast.couple.pk}/sessions",
        {"starts_at": starts_at, "facilitator_ids": [cast.facilitator.pk]},
    )
    assert (booked.status_code, booked.json()["booking_status"]) == (201, "tentative")
    response = cast.api("facilitator").patch(
        f"/api/v1/sessions/{booked.json()['id']}",
        {"status": "confirmed"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert [(m["partner_id"], m["code"]) for m in response.json()["missing"]] == [
        (cast.partner_b.pk, "guide_approval")
    ]
    # Approving again, after talking it through, clears it.
    assert _review_api(cast, "partner_b", cast.facilitator).status_code == 201
    assert all(done for done, _ in _approval(cast).values())


def test_it_does_not_ask_for_guide_approval_in_the_mdma_trial(cast: Cast) -> None:
    couple = get_couple_for(cast.viewer("trial_facilitator"), cast.trial_couple.pk)
    body = cast.api("trial_facilitator").get(f"/api/v1/couples/{couple.pk}/readiness").json()
    codes = {i["code"] for p in body["partners"] for i in p["items"]}
    assert "guide_approval" not in codes
