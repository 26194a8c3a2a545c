"""Who sees a response's answers item by item: the partner who gave them and the couple's care
team (its facilitator, the clinical lead); never the other partner — not even when the score
is shared with them — nor a facilitator of another couple, an org admin, a researcher or
anyone of another organisation. Through the response's page and the responses API alike."""

from __future__ import annotations

import json

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.models import Partner
from holdspace.measures.models import MeasureResponse

pytestmark = pytest.mark.django_db

# partner A answers items 1–8 and skips item 9.
ANSWERS = [1, 2, 0, 0, 1, 0, 0, 3, None, 1]

# who: (the response's page, what GET /responses gives: "answers", "score" or None for
# "the response is not in the list", or the status code when the couple itself is a 404)
MATRIX: dict[str, tuple[int, str | int | None]] = {
    "partner_a": (200, "answers"),  # their own thank-you page; their own answers in the API
    "partner_b": (404, None),
    "facilitator": (200, "answers"),
    "other_facilitator": (404, 404),
    "lead": (200, "answers"),
    "admin": (404, None),
    "researcher": (404, 404),
    "trial_facilitator": (404, 404),
    "trial_partner_a": (404, 404),
}


def _respond(cast: Cast) -> MeasureResponse:
    sent = cast.api("partner_a").post(
        f"/api/v1/couples/{cast.couple.pk}/responses",
        json.dumps({"instrument": "phq9", "timepoint": "baseline", "answers": ANSWERS}),
        content_type="application/json",
    )
    assert sent.status_code == 201
    return MeasureResponse.objects.get(pk=sent.json()["id"])


def _page(cast: Cast, response: MeasureResponse) -> str:
    return f"/couples/{cast.couple.pk}/measures/responses/{response.pk}/"


def _listed(cast: Cast, who: str) -> str | int | None:
    got = cast.api(who).get(f"/api/v1/couples/{cast.couple.pk}/responses")
    if got.status_code != 200:
        return got.status_code
    items = got.json()["items"]
    if not items:
        return None
    (item,) = items
    return "score" if item["answers"] is None else "answers"


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_it_shows_item_answers_to_the_care_team_and_the_partner_who_gave_them(
    cast: Cast, who: str
) -> None:
    response = _respond(cast)
    page_status, listed = MATRIX[who]
    page = cast.client(who).get(_page(cast, response))
    assert page.status_code == page_status
    html = page.content.decode()
    assert ("Not answered" in html) == (page_status == 200 and who != "partner_a")
    if who == "partner_a":
        assert "your answers are saved" in html
    assert _listed(cast, who) == listed
    fhir = cast.api(who).get(f"/api/v1/couples/{cast.couple.pk}/responses/{response.pk}/fhir")
    assert fhir.status_code == page_status


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_it_keeps_item_answers_from_the_other_partner_when_the_score_is_shared(
    cast: Cast, who: str
) -> None:
    response = _respond(cast)
    Partner.objects.filter(couple=cast.couple, user=cast.partner_a).update(
        measures_visibility="couple"
    )
    page_status, listed = MATRIX[who]
    # Partner B now sees the score in the list, never the answers, never the page.
    expected = "score" if who == "partner_b" else listed
    assert cast.client(who).get(_page(cast, response)).status_code == page_status
    assert _listed(cast, who) == expected
    fhir = cast.api(who).get(f"/api/v1/couples/{cast.couple.pk}/responses/{response.pk}/fhir")
    assert fhir.status_code == page_status  # the FHIR resource carries the answers too


def test_it_gives_the_care_team_every_item_with_the_skipped_one_empty(cast: Cast) -> None:
    _respond(cast)
    body = cast.api("facilitator").get(f"/api/v1/couples/{cast.couple.pk}/responses").json()
    answers = body["items"][0]["answers"]
    assert [a["item"] for a in answers] == [f"phq9_{n}" for n in range(1, 11)]
    assert [a["value"] for a in answers] == ANSWERS
    assert [a["item"] for a in answers if a["safety"]] == ["phq9_9"]


def test_it_audits_a_refused_look_at_the_answers_without_a_read(cast: Cast) -> None:
    response = _respond(cast)
    Partner.objects.filter(couple=cast.couple, user=cast.partner_a).update(
        measures_visibility="couple"
    )
    assert cast.client("partner_b").get(_page(cast, response)).status_code == 404
    mine = AuditEvent.objects.filter(actor_id=cast.partner_b.pk, object_id=str(response.pk))
    assert list(mine.values_list("action", flat=True)) == ["access.denied"]
    cast.client("lead").get(_page(cast, response))
    assert AuditEvent.objects.filter(
        actor_id=cast.lead.pk, action="measure.read", object_id=str(response.pk)
    ).exists()


def test_it_answers_404_for_a_response_of_another_couple(cast: Cast) -> None:
    response = _respond(cast)
    other = f"/couples/{cast.other_couple.pk}/measures/responses/{response.pk}/"
    assert cast.client("other_facilitator").get(other).status_code == 404
    assert cast.client("lead").get(other).status_code == 404
