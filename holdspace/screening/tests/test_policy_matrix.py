"""The screening section of the policy matrix: every person of the cast against partner A's
screening — the form, the findings, the clinical lead's override, the API — and the queue of
screenings awaiting a decision. A partner's answers are theirs and their care team's; the
findings are the care team's; only a clinical lead overrides; everyone else meets a 404.
Every refusal is audited in an organisation's chain."""

from __future__ import annotations

import json

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.screening.models import Screening
from holdspace.screening.tests.test_services import answer

pytestmark = pytest.mark.django_db

# who: (the form for partner A, the findings page, the override, the API for partner A, the
# queue of their first organisation)
MATRIX: dict[str, tuple[int, int, int, int, int]] = {
    "partner_a": (200, 404, 404, 201, 404),
    "partner_b": (403, 404, 404, 403, 404),
    "facilitator": (200, 200, 403, 201, 200),
    "lead": (200, 200, 302, 201, 200),
    "admin": (403, 404, 404, 403, 404),
    "researcher": (404, 404, 404, 404, 404),
    "partner_c": (404, 404, 404, 404, 404),
    "partner_d": (404, 404, 404, 404, 404),
    "other_facilitator": (404, 404, 404, 404, 200),
    "trial_facilitator": (404, 404, 404, 404, 200),
    "trial_partner_a": (404, 404, 404, 404, 404),
    "trial_partner_b": (404, 404, 404, 404, 404),
}


def _screening(cast: Cast) -> Screening:
    """Partner A's screening, needing a clinical lead's decision (an SSRI)."""
    screening = answer(cast, "partner_a", medications=["Sertraline 50 mg"])
    assert screening.decision == "review"
    return screening


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_it_gives_each_person_exactly_what_the_policy_allows_of_a_screening(
    cast: Cast, who: str
) -> None:
    screening = _screening(cast)
    web, api = cast.client(who), cast.api(who)
    couple, partner = cast.couple.pk, cast.partner_a.pk
    form, findings, override, submit, queue = MATRIX[who]
    got = (
        web.get(f"/couples/{couple}/partners/{partner}/screening/").status_code,
        web.get(f"/couples/{couple}/screenings/{screening.pk}/").status_code,
        web.post(
            f"/couples/{couple}/screenings/{screening.pk}/override",
            {"decision": "eligible", "reason": "Talked it through with their prescriber."},
        ).status_code,
        api.post(
            f"/api/v1/couples/{couple}/screenings",
            json.dumps({"substance": "psilocybin", "partner_id": partner}),
            content_type="application/json",
        ).status_code,
        web.get("/console/screenings/").status_code,
    )
    assert got == (form, findings, override, submit, queue)
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk)
    assert denied.count() == sum(1 for status in got if status in {403, 404})
    assert not denied.filter(organisation_id__isnull=True).exists()


@pytest.mark.parametrize(
    ("who", "sees"),
    [("lead", {"partner_a"}), ("facilitator", {"partner_a"}), ("other_facilitator", set())],
)
def test_it_lists_in_the_queue_only_the_couples_the_person_cares_for(
    cast: Cast, who: str, sees: set[str]
) -> None:
    _screening(cast)
    page = cast.client(who).get("/console/screenings/").content.decode()
    assert ("A &amp; B" in page) == ("partner_a" in sees)


def test_it_keeps_another_organisations_queue_from_a_clinical_lead(cast: Cast) -> None:
    response = cast.client("lead").get(f"/console/screenings/?org={cast.trial.pk}")
    assert response.status_code == 404
    denied = AuditEvent.objects.get(action="access.denied", actor_id=cast.lead.pk)
    assert denied.organisation_id == cast.center.pk  # their own chain, not none
