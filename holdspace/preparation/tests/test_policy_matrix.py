"""The preparation section of the policy matrix: every person of the cast against couple A &
B's preparation — a partner's form, a preparation session, the readiness gate (web and API).
A partner's forms are theirs and their care team's, never the other partner's; preparation
sessions are recorded by the care team; readiness is for the couple's own people, each
partner seeing their own. Every refusal is audited in an organisation's chain."""

from __future__ import annotations

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast

pytestmark = pytest.mark.django_db

# who: (partner A's touch consent form, an unknown form, a new preparation session, the
# readiness page, the readiness API)
MATRIX: dict[str, tuple[int, int, int, int, int]] = {
    "partner_a": (200, 404, 403, 200, 200),
    "partner_b": (403, 404, 403, 200, 200),
    "facilitator": (200, 404, 200, 200, 200),
    "lead": (200, 404, 200, 200, 200),
    "admin": (403, 404, 403, 403, 403),
    "researcher": (404, 404, 404, 404, 404),
    "partner_c": (404, 404, 404, 404, 404),
    "partner_d": (404, 404, 404, 404, 404),
    "other_facilitator": (404, 404, 404, 404, 404),
    "trial_facilitator": (404, 404, 404, 404, 404),
    "trial_partner_a": (404, 404, 404, 404, 404),
    "trial_partner_b": (404, 404, 404, 404, 404),
}

# Whose readiness each person is shown by the API (those who see it at all).
READINESS_OF = {
    "partner_a": {"partner_a"},
    "partner_b": {"partner_b"},
    "facilitator": {"partner_a", "partner_b"},
    "lead": {"partner_a", "partner_b"},
}


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_it_gives_each_person_exactly_what_the_policy_allows_of_preparation(
    cast: Cast, who: str
) -> None:
    web, api = cast.client(who), cast.api(who)
    couple, partner = cast.couple.pk, cast.partner_a.pk
    readiness = api.get(f"/api/v1/couples/{couple}/readiness")
    got = (
        web.get(f"/couples/{couple}/partners/{partner}/forms/safety_plan/").status_code,
        web.get(f"/couples/{couple}/partners/{partner}/forms/horoscope/").status_code,
        web.get(f"/couples/{couple}/preparation/new/").status_code,
        web.get(f"/couples/{couple}/readiness/").status_code,
        readiness.status_code,
    )
    assert got == MATRIX[who]
    if who in READINESS_OF:
        shown = {p["partner_id"] for p in readiness.json()["partners"]}
        assert shown == {cast.people[p].pk for p in READINESS_OF[who]}
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk)
    assert denied.count() == sum(1 for status in got if status in {403, 404})
    assert not denied.filter(organisation_id__isnull=True).exists()
    # Reads are audited once each, whoever reads: the page and the API.
    reads = AuditEvent.objects.filter(action="readiness.read", actor_id=cast.people[who].pk)
    assert reads.count() == sum(1 for status in got[3:] if status == 200)
