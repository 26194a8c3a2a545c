"""The facilitators section of the policy matrix: every person of the cast against a
facilitator's page and credentials, the evidence file, verifying a credential, and each
couple's guides and their reviews, through the web pages and the API."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from pytest_django.fixtures import Settings

from holdspace.conftest import Cast
from holdspace.couples.tests.test_policy_matrix import COUPLES_SEEN
from holdspace.facilitators.models import Credential

pytestmark = pytest.mark.django_db

EVERYONE = sorted(COUPLES_SEEN)
MANAGERS = {"lead", "admin"}
# The facilitator's page and its forms: theirs and their managers'; anyone else is refused
# (403, whether of the organisation or not: the page names no couple).
PAGE = {who: 200 if who in MANAGERS | {"facilitator"} else 403 for who in EVERYONE}
# The evidence file: the facilitator's own and their managers'; for anyone else it is not there.
EVIDENCE = {who: 200 if who in MANAGERS | {"facilitator"} else 404 for who in EVERYONE}
# Setting a credential's status through the API: the managers; others of the organisation are
# refused; another organisation's credential does not exist.
STATUS = {
    who: 200 if who in MANAGERS else 404 if who.startswith("trial") else 403 for who in EVERYONE
}
# Each couple's guides: its partners and its care team (403 for others who see the couple).
GUIDES_SEEN = {who: set() if who == "admin" else seen for who, seen in COUPLES_SEEN.items()}
# Reviewing a guide: the couple's partners alone.
PARTNERS_OF = {
    "couple": {"partner_a", "partner_b"},
    "other_couple": {"partner_c", "partner_d"},
    "trial_couple": {"trial_partner_a", "trial_partner_b"},
}


@pytest.fixture
def evidence(cast: Cast, settings: Settings, tmp_path: Path) -> Credential:
    """An unverified BLS certificate of the facilitator's, with a PDF as evidence."""
    settings.MEDIA_ROOT = tmp_path / "media"
    credential = Credential(
        organisation=cast.center,
        facilitator=cast.facilitator,
        kind="bls",
        title="BLS Provider",
        issued_on=timezone.localdate() - dt.timedelta(days=30),
        expires_on=timezone.localdate() + dt.timedelta(days=600),
        evidence_name="bls.pdf",
    )
    credential.evidence.save("bls.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    credential.save()
    return credential


@pytest.mark.parametrize("who", EVERYONE)
def test_it_keeps_a_facilitators_records_to_them_and_their_managers(
    cast: Cast, who: str, evidence: Credential
) -> None:
    web, api = cast.client(who), cast.api(who)
    page = f"/facilitators/{cast.facilitator.pk}/"
    assert web.get(page).status_code == PAGE[who]
    # Each change at its own address: refused exactly where the page is.
    profile = web.post(f"{page}profile", {"p-languages": "English"})
    assert profile.status_code == (302 if PAGE[who] == 200 else PAGE[who])
    status = web.post(f"{page}credentials/{evidence.pk}/status", {"status": "suspended"})
    assert status.status_code == (302 if who in MANAGERS else 403)  # the facilitator too
    assert web.get(f"/credentials/{evidence.pk}/evidence").status_code == EVIDENCE[who]
    verified = api.post(
        f"/api/v1/credentials/{evidence.pk}/status",
        json.dumps({"status": "verified", "public_register": "State register"}),
        content_type="application/json",
    )
    assert verified.status_code == STATUS[who]
    evidence.refresh_from_db()
    assert evidence.status == ("verified" if who in MANAGERS else "unverified")
    listing = api.get("/api/v1/facilitators")
    assert listing.status_code == (200 if who in MANAGERS else 403)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_shows_each_couples_guides_to_its_people_and_lets_its_partners_review_them(
    cast: Cast, who: str
) -> None:
    web, api = cast.client(who), cast.api(who)
    for couple_key, partners in PARTNERS_OF.items():
        couple = getattr(cast, couple_key)
        sees = couple_key in COUPLES_SEEN[who]
        want = 200 if couple_key in GUIDES_SEEN[who] else 403 if sees else 404
        assert web.get(f"/couples/{couple.pk}/guides/").status_code == want, couple_key
        assert api.get(f"/api/v1/couples/{couple.pk}/guides").status_code == want, couple_key
        guide = couple.care_team.values_list("user_id", flat=True).first()
        review = api.post(
            f"/api/v1/couples/{couple.pk}/guides/{guide}/review",
            json.dumps({"decision": "approve"}),
            content_type="application/json",
        )
        expected = 201 if who in partners else 403 if sees else 404
        assert review.status_code == expected, couple_key
        # Someone not on the couple's care team is no guide of theirs, for anyone.
        stranger = api.post(
            f"/api/v1/couples/{couple.pk}/guides/{cast.admin.pk}/review",
            json.dumps({"decision": "approve"}),
            content_type="application/json",
        )
        assert stranger.status_code == 404, couple_key
