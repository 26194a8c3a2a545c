"""Answering the screening again: a new screening never undoes a clinical decision by itself.

A re-answer that would lower the partner's decision in force (an earlier screening's, or a
clinical lead's) is recorded as `review`, its finding naming the earlier screening, until a
clinical lead decides; readiness and the couple's stage count only the decision in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping

import pytest
import time_machine
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.models import Couple, Stage
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.readiness import readiness, stage_for
from holdspace.screening.models import Decision, Screening
from holdspace.screening.rules import rule_set
from holdspace.screening.selectors import latest_screenings
from holdspace.screening.services import screening_override, screening_submit

pytestmark = pytest.mark.django_db

ALL_NO = {
    code: False
    for code, question in rule_set().questions.items()
    if question.group == "client_information"
}
LITHIUM = {"medications": ["Lithium carbonate 300 mg"], "answers": {"lithium_last_30_days": True}}
LOWERS = "lowers-decision-in-force"


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    """A clock that moves only when told, so "later" is never a tie of microseconds."""
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        yield t


def _couple(cast: Cast, who: str, partner: str = "partner_a") -> Couple:
    """The couple of PARTNER (A and B's, or C and D's), as WHO sees it."""
    couple = cast.other_couple if partner in {"partner_c", "partner_d"} else cast.couple
    return get_couple_for(cast.viewer(who), couple.pk)


def answer(
    cast: Cast,
    who: str,
    *,
    by: str | None = None,
    medications: Iterable[str] = (),
    conditions: Iterable[str] = (),
    answers: Mapping[str, bool] | None = None,
) -> Screening:
    """WHO's screening for psilocybin, entered by BY (themselves unless said): every question
    answered no except ANSWERS."""
    return screening_submit(
        viewer=cast.viewer(by or who),
        couple=_couple(cast, by or who, who),
        partner_id=cast.people[who].pk,
        substance="psilocybin",
        conditions=conditions,
        medications=medications,
        answers={**ALL_NO, **(answers or {})},
    )


def decide(cast: Cast, screening: Screening, decision: str) -> None:
    screening_override(
        viewer=cast.viewer("lead"),
        screening=screening,
        decision=decision,
        reason="Talked it through with the partner and their prescriber.",
    )


def lowering(screening: Screening) -> list[dict[str, object]]:
    return [f for f in screening.findings if f["rule_id"] == LOWERS]


def in_force(cast: Cast, who: str) -> str:
    return latest_screenings(_couple(cast, "lead"), "psilocybin")[
        cast.people[who].pk
    ].effective_decision


def screening_item_done(cast: Cast, who: str) -> bool:
    result = readiness(_couple(cast, "lead"))
    [partner] = [p for p in result.partners if p.partner.user_id == cast.people[who].pk]
    [item] = [i for i in partner.items if i.code == "screening"]
    return item.done


def test_it_records_a_blank_reanswer_after_lithium_as_review_naming_the_earlier_screening(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first = answer(cast, "partner_a", **LITHIUM)
    assert first.decision == Decision.EXCLUDED
    clock.shift(dt.timedelta(hours=1))

    again = answer(cast, "partner_a")  # every question no, no medicine: "eligible" alone

    assert again.decision == Decision.REVIEW
    [finding] = lowering(again)
    assert finding["outcome"] == "review"
    assert finding["earlier_screening_id"] == first.pk
    assert finding["because"] == [
        f"Screening #{first.pk} of 1 Dec 2026, 09:00: Not eligible (lithium-psilocybin)"
    ]
    assert "Holdspace safety policy" in str(finding["source"])
    assert again.lowered_from == first.pk
    assert in_force(cast, "partner_a") == Decision.REVIEW
    assert screening_item_done(cast, "partner_a") is False
    event = AuditEvent.objects.filter(action="screening.submit").order_by("-id").first()
    assert event is not None
    assert event.detail["decision"] == "review"
    assert event.detail["in_force_before"] == {"screening": first.pk, "decision": "excluded"}


def test_it_holds_a_reanswer_entered_by_the_facilitator_to_the_same_rule(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first = answer(cast, "partner_a", **LITHIUM)
    clock.shift(dt.timedelta(minutes=5))
    again = answer(cast, "partner_a", by="facilitator")
    assert again.decision == Decision.REVIEW
    assert again.lowered_from == first.pk


def test_it_records_a_reanswer_lowering_review_to_eligible_as_review(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first = answer(cast, "partner_a", medications=["Sertraline 50 mg"])
    assert first.decision == Decision.REVIEW
    clock.shift(dt.timedelta(days=1))
    again = answer(cast, "partner_a")
    assert (again.decision, again.lowered_from) == (Decision.REVIEW, first.pk)


@pytest.mark.parametrize(
    ("before", "now", "decision"),
    [
        ({}, LITHIUM, Decision.EXCLUDED),  # stricter now: new knowledge counts at once
        ({"medications": ["Sertraline 50 mg"]}, {"medications": ["Zoloft"]}, Decision.REVIEW),
        (LITHIUM, LITHIUM, Decision.EXCLUDED),
        ({}, {}, Decision.ELIGIBLE),
    ],
)
def test_it_lets_a_reanswer_that_lowers_nothing_stand_as_decided(
    cast: Cast,
    clock: time_machine.Coordinates,
    before: dict[str, object],
    now: dict[str, object],
    decision: str,
) -> None:
    answer(cast, "partner_a", **before)  # type: ignore[arg-type]
    clock.shift(dt.timedelta(hours=2))
    again = answer(cast, "partner_a", **now)  # type: ignore[arg-type]
    assert again.decision == decision
    assert lowering(again) == []
    assert in_force(cast, "partner_a") == decision


def test_it_keeps_answering_again_at_review_and_names_the_screening_before(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first = answer(cast, "partner_a", **LITHIUM)
    clock.shift(dt.timedelta(minutes=10))
    second = answer(cast, "partner_a")
    clock.shift(dt.timedelta(minutes=10))
    third = answer(cast, "partner_a")  # a second try changes nothing
    assert (second.lowered_from, third.lowered_from) == (first.pk, second.pk)
    assert third.decision == Decision.REVIEW


def test_it_counts_the_clinical_leads_decision_on_the_reanswer(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    answer(cast, "partner_a", **LITHIUM)
    clock.shift(dt.timedelta(hours=1))
    again = answer(cast, "partner_a")
    clock.shift(dt.timedelta(hours=1))
    decide(cast, again, Decision.ELIGIBLE)
    assert in_force(cast, "partner_a") == Decision.ELIGIBLE
    assert screening_item_done(cast, "partner_a") is True


def test_it_keeps_a_clinical_leads_exclusion_over_a_later_blank_reanswer(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first = answer(cast, "partner_a")
    assert first.decision == Decision.ELIGIBLE
    clock.shift(dt.timedelta(hours=1))
    decide(cast, first, Decision.EXCLUDED)
    clock.shift(dt.timedelta(hours=1))

    again = answer(cast, "partner_a")

    assert again.decision == Decision.REVIEW
    [finding] = lowering(again)
    assert finding["earlier_screening_id"] == first.pk
    assert finding["because"] == [
        f"A clinical lead's decision (Lead, 1 Dec 2026, 10:00) on screening #{first.pk}: "
        "Not eligible"
    ]


def test_it_lets_a_reanswer_outrank_an_earlier_clinical_lead_decision(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first = answer(cast, "partner_a", medications=["Sertraline 50 mg"])
    clock.shift(dt.timedelta(hours=1))
    decide(cast, first, Decision.ELIGIBLE)
    clock.shift(dt.timedelta(days=3))
    again = answer(cast, "partner_a", **LITHIUM)  # lithium started since
    assert again.decision == Decision.EXCLUDED
    assert in_force(cast, "partner_a") == Decision.EXCLUDED
    assert screening_item_done(cast, "partner_a") is False


def test_it_counts_a_clinical_leads_decision_made_after_the_reanswer(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first = answer(cast, "partner_a", **LITHIUM)
    clock.shift(dt.timedelta(hours=1))
    answer(cast, "partner_a")
    clock.shift(dt.timedelta(hours=1))
    # The lead decides on the first screening, after the re-answer: that decision is in force.
    decide(cast, first, Decision.ELIGIBLE)
    assert in_force(cast, "partner_a") == Decision.ELIGIBLE
    assert stage_for(_couple(cast, "lead")) != Stage.PREPARATION  # partner B not screened
    answer(cast, "partner_b")
    assert stage_for(_couple(cast, "lead")) == Stage.PREPARATION


def test_it_decides_each_partner_against_their_own_decision_only(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    answer(cast, "partner_b", **LITHIUM)
    clock.shift(dt.timedelta(hours=1))
    mine = answer(cast, "partner_a")
    assert (mine.decision, lowering(mine)) == (Decision.ELIGIBLE, [])


def test_it_records_lithium_listed_but_answered_no_as_a_contradiction(cast: Cast) -> None:
    screening = answer(cast, "partner_a", medications=["Lithium carbonate 300 mg"])
    assert screening.decision == Decision.EXCLUDED
    found = {f["rule_id"]: f for f in screening.findings}
    assert set(found) == {"lithium-psilocybin", "contradiction-lithium"}
    assert found["contradiction-lithium"]["outcome"] == "review"


def test_it_answers_a_lowering_reanswer_through_the_api_as_review(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first = answer(cast, "partner_a", **LITHIUM)
    clock.shift(dt.timedelta(hours=1))
    response = cast.api("partner_a").post(
        f"/api/v1/couples/{cast.couple.pk}/screenings",
        {"substance": "psilocybin", "answers": ALL_NO},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decision"] == "review"
    [finding] = [f for f in body["findings"] if f["rule_id"] == LOWERS]
    assert f"Screening #{first.pk}" in finding["because"][0]
    readiness_body = cast.api("partner_a").get(f"/api/v1/couples/{cast.couple.pk}/readiness")
    [item] = [i for i in readiness_body.json()["partners"][0]["items"] if i["code"] == "screening"]
    assert (item["done"], item["with_care_team"]) == (False, True)  # answered, not ready
    assert readiness_body.json()["ready"] is False
    assert item["detail"] == (
        "Answered. Some of your answers mean we need to talk before going further. Your "
        "facilitator will talk it through with you."
    )
    staff = cast.api("facilitator").get(f"/api/v1/couples/{cast.couple.pk}/readiness").json()
    [mine] = [p for p in staff["partners"] if p["partner_id"] == cast.partner_a.pk]
    [staff_item] = [i for i in mine["items"] if i["code"] == "screening"]
    assert staff_item["detail"] == (
        "Answered, awaiting a clinical lead's decision before a session."
    )
    assert staff_item["with_care_team"] is True
    [todo] = [i for i in mine["items"] if i["code"] == "preparation_private"]
    assert todo["with_care_team"] is False  # what is not answered yet stays to do


def test_it_reads_back_each_medicine_line_as_written(cast: Cast) -> None:
    lines = ["Zoloft and lithium", "Zyxcorp 10 mg", "sertraline with Zyxcorp", "Tylenol"]
    screening = answer(cast, "partner_a", medications=lines)
    assert screening.medication_lines == lines
    assert timezone.is_aware(screening.created_at)
