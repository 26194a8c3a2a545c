"""The measures section of the policy matrix: every person of the cast against each couple's
questionnaire responses (a partner's own, kept from the other partner, and one shared with
the couple), their answers item by item, answering for a partner, and the safety alerts, through
the web pages and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from holdspace.conftest import Cast
from holdspace.couples.models import Partner
from holdspace.couples.tests.test_policy_matrix import COUPLES_SEEN
from holdspace.measures.library import get_instrument
from holdspace.measures.models import MeasureResponse, SafetyAlert
from holdspace.measures.scoring import answers_from_list
from holdspace.measures.services import response_submit
from holdspace.policy.couples import get_couple_for

pytestmark = pytest.mark.django_db

# Each couple's two partners: the first keeps their scores to the team, the second shares
# theirs with the couple.
PARTNERS = {
    "couple": ("partner_a", "partner_b"),
    "other_couple": ("partner_c", "partner_d"),
    "trial_couple": ("trial_partner_a", "trial_partner_b"),
}
CARE_TEAM = {
    "couple": {"facilitator", "lead"},
    "other_couple": {"other_facilitator", "lead"},
    "trial_couple": {"trial_facilitator"},
}
# PHQ-9 with item 9 answered above zero: the score and a safety alert.
ANSWERS = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]


def _score_seen(who: str, couple_key: str, author: str) -> bool:
    """Whether WHO sees AUTHOR's score: their own, a shared one of their partner, the team's."""
    first, second = PARTNERS[couple_key]
    return (
        who == author
        or (who in (first, second) and author == second)
        or (who in CARE_TEAM[couple_key])
    )


def _answers_seen(who: str, couple_key: str, author: str) -> bool:
    """Item by item: the partner who answered and the care team; never the other partner."""
    return who == author or who in CARE_TEAM[couple_key]


def _responses(cast: Cast) -> dict[tuple[str, str], MeasureResponse]:
    made = {}
    for couple_key, (first, second) in PARTNERS.items():
        couple = getattr(cast, couple_key)
        Partner.objects.filter(couple=couple, user=cast.people[second]).update(
            measures_visibility="couple"
        )
        for author in (first, second):
            viewer = cast.viewer(author)
            made[(couple_key, author)] = response_submit(
                viewer=viewer,
                couple=get_couple_for(viewer, couple.pk),
                instrument="phq9",
                timepoint="baseline",
                answers=answers_from_list(get_instrument("phq9"), ANSWERS),
            ).response
    return made


@pytest.mark.parametrize("who", sorted(COUPLES_SEEN))
def test_it_shows_each_person_exactly_the_scores_and_answers_the_policy_allows(
    cast: Cast, who: str
) -> None:
    responses = _responses(cast)
    web, api = cast.client(who), cast.api(who)
    problems = []
    for couple_key in PARTNERS:
        couple = getattr(cast, couple_key)
        listing = api.get(f"/api/v1/couples/{couple.pk}/responses")
        sees_couple = couple_key in COUPLES_SEEN[who]
        if listing.status_code != (200 if sees_couple else 404):
            problems.append(f"api list {couple_key}: {listing.status_code}")
        items = {i["id"]: i for i in listing.json().get("items", [])}
        for author in PARTNERS[couple_key]:
            response = responses[(couple_key, author)]
            score, answers = (
                _score_seen(who, couple_key, author),
                _answers_seen(who, couple_key, author),
            )
            if (response.pk in items) != score:
                problems.append(f"api list {couple_key}/{author}: shown={response.pk in items}")
            if response.pk in items and (items[response.pk]["answers"] is not None) != answers:
                problems.append(f"api answers {couple_key}/{author}")
            want = 200 if answers else 404
            page = web.get(f"/couples/{couple.pk}/measures/responses/{response.pk}/")
            if page.status_code != want:
                problems.append(f"web response {couple_key}/{author}: {page.status_code}")
            fhir = api.get(f"/api/v1/couples/{couple.pk}/responses/{response.pk}/fhir")
            if fhir.status_code != want:
                problems.append(f"api fhir {couple_key}/{author}: {fhir.status_code}")
    assert problems == []


def _submit(cast: Cast, who: str, couple_key: str, for_whom: str) -> Any:
    couple = getattr(cast, couple_key)
    body = {
        "instrument": "gad7",
        "timepoint": "baseline",
        "answers": [0, 0, 0, 0, 0, 0, 0],
        "partner_id": cast.people[for_whom].pk,
    }
    return cast.api(who).post(
        f"/api/v1/couples/{couple.pk}/responses", json.dumps(body), content_type="application/json"
    )


@pytest.mark.parametrize("who", sorted(COUPLES_SEEN))
def test_it_lets_a_partner_answer_for_themselves_and_the_care_team_for_either(
    cast: Cast, who: str
) -> None:
    for couple_key, (first, _second) in PARTNERS.items():
        if couple_key not in COUPLES_SEEN[who]:
            expected = 404
        elif who == first or who in CARE_TEAM[couple_key]:
            expected = 201
        else:
            expected = 403  # sees the couple: the other partner, an org admin
        assert _submit(cast, who, couple_key, first).status_code == expected, couple_key
        form = f"/couples/{getattr(cast, couple_key).pk}/measures/gad7/baseline/"
        got = cast.client(who).get(f"{form}?partner={cast.people[first].pk}").status_code
        assert got == (200 if expected == 201 else expected), couple_key


@pytest.mark.parametrize("who", sorted(COUPLES_SEEN))
def test_it_lets_only_the_care_team_see_and_acknowledge_a_safety_alert(
    cast: Cast, who: str
) -> None:
    _responses(cast)
    web = cast.client(who)
    for couple_key in PARTNERS:
        alert = SafetyAlert.objects.filter(couple=getattr(cast, couple_key)).first()
        assert alert is not None
        care = who in CARE_TEAM[couple_key]
        answer = web.post(f"/alerts/{alert.pk}/acknowledge", {"note": "Called them."})
        assert answer.status_code == (302 if care else 404), couple_key
        alert.refresh_from_db()
        assert (alert.acknowledged_by_id == cast.people[who].pk) == care


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/instruments/phq9", 200),
        ("/api/v1/instruments/phq9/fhir", 200),
        ("/api/v1/instruments/nope", 404),
        ("/api/v1/instruments/nope/fhir", 404),
    ],
)
@pytest.mark.parametrize("who", ["partner_a", "researcher", "trial_facilitator"])
def test_it_shows_the_instrument_library_to_everyone_signed_in(
    cast: Cast, who: str, url: str, status: int
) -> None:
    assert cast.api(who).get(url).status_code == status


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("phq9/baseline/", 200),
        ("phq9/someday/", 404),
        ("nope/baseline/", 404),
        ("phq9/baseline/?partner=x", 404),
        ("phq9/baseline/?partner={other}", 404),
        ("phq9/baseline/?partner={partner_b}", 403),
    ],
)
def test_it_denies_a_questionnaire_that_does_not_exist_for_the_viewer(
    cast: Cast, path: str, status: int
) -> None:
    path = path.format(other=cast.partner_c.pk, partner_b=cast.partner_b.pk)
    got = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/measures/{path}")
    assert got.status_code == status
