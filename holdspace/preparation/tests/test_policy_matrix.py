"""The preparation section of the policy matrix: every person of the cast against couple A &
B's preparation — a partner's form, a preparation session, the readiness gate (web and API).
A partner's forms are theirs and their care team's, never the other partner's; preparation
sessions are recorded by the care team; readiness is for the couple's own people, each
partner seeing their own. Every refusal is audited in an organisation's chain."""

from __future__ import annotations

import json

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.preparation.models import Signature
from holdspace.preparation.tests.signing import sign

pytestmark = pytest.mark.django_db

# who: (partner A's safety plan form, an unknown form, a new preparation session, the
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


# Signatures ----------------------------------------------------------------------------------

# who: (partner A's signing page, the signature list (API), partner A's signed copy (web PDF),
# the same by the API, signing partner A's informed consent (API)). An org admin may open the
# page (they sign per-session forms for the center) but sees only those; the other partner is
# refused; a signature of another couple or organisation does not exist for them.
SIGNATURE_MATRIX: dict[str, tuple[int, int, int, int, int]] = {
    "partner_a": (200, 200, 200, 200, 201),
    "partner_b": (403, 200, 404, 404, 422),
    "facilitator": (200, 200, 200, 200, 422),
    "lead": (200, 200, 200, 200, 422),
    "admin": (200, 200, 404, 404, 422),
    "researcher": (404, 404, 404, 404, 404),
    "partner_c": (404, 404, 404, 404, 404),
    "partner_d": (404, 404, 404, 404, 404),
    "other_facilitator": (404, 404, 404, 404, 404),
    "trial_facilitator": (404, 404, 404, 404, 404),
    "trial_partner_a": (404, 404, 404, 404, 404),
    "trial_partner_b": (404, 404, 404, 404, 404),
}
# How many of partner A's signatures each person's list shows (of the two there are).
LISTED = {"partner_a": 2, "partner_b": 0, "facilitator": 2, "lead": 2, "admin": 0}


@pytest.mark.parametrize("who", sorted(SIGNATURE_MATRIX))
def test_it_gives_each_person_exactly_what_the_policy_allows_of_signatures(
    cast: Cast, who: str
) -> None:
    signature = sign(cast, "partner_a", "bill_of_rights")
    sign(cast, "partner_a", "touch_consent")
    web, api = cast.client(who), cast.api(who)
    couple, partner = cast.couple.pk, cast.partner_a.pk
    listing = api.get(f"/api/v1/couples/{couple}/signatures")
    body = {
        "partner_id": partner,
        "document": "informed_consent",
        "version": "2025.1",
        "typed_name": "Partner A",
    }
    got = (
        web.get(f"/couples/{couple}/partners/{partner}/sign/informed_consent/").status_code,
        listing.status_code,
        web.get(f"/couples/{couple}/signatures/{signature.pk}.pdf").status_code,
        api.get(f"/api/v1/couples/{couple}/signatures/{signature.pk}/pdf").status_code,
        api.post(
            f"/api/v1/couples/{couple}/signatures",
            json.dumps(body),
            content_type="application/json",
        ).status_code,
    )
    assert got == SIGNATURE_MATRIX[who]
    if who in LISTED:
        assert listing.json()["count"] == LISTED[who]
    expected = 3 if who == "partner_a" else 2
    assert Signature.objects.count() == expected
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk)
    assert denied.count() == sum(1 for status in got if status in {403, 404})
    assert not denied.filter(organisation_id__isnull=True).exists()


def test_it_answers_404_for_a_signature_of_another_couple_or_organisation(cast: Cast) -> None:
    theirs = sign(cast, "partner_c", "bill_of_rights", couple=cast.other_couple)
    trial = sign(cast, "trial_partner_a", "informed_consent", couple=cast.trial_couple)
    for other in (theirs, trial):
        # Asked for under couple A & B, or under its own couple by the facilitator of A & B.
        assert (
            cast.client("facilitator")
            .get(f"/couples/{cast.couple.pk}/signatures/{other.pk}.pdf")
            .status_code
            == 404
        )
        assert (
            cast.client("facilitator")
            .get(f"/couples/{other.couple_id}/signatures/{other.pk}.pdf")
            .status_code
            == 404
        )
    assert (
        cast.client("partner_a").get(f"/couples/{cast.couple.pk}/signatures/{trial.pk}.pdf")
    ).status_code == 404
