"""The readings section of the policy matrix: every person of the cast against each
organisation's library, each couple's assignments (one for both partners, one for the first
partner alone) and their reads, through the web pages and the API."""

from __future__ import annotations

import pytest

from holdspace.conftest import Cast
from holdspace.couples.tests.test_policy_matrix import COUPLES_SEEN
from holdspace.policy.couples import get_couple_for
from holdspace.readings.models import ReadingAssignment, ReadingRead
from holdspace.readings.services import assignment_create
from holdspace.readings.tests.conftest import make_reading

pytestmark = pytest.mark.django_db

EVERYONE = sorted(COUPLES_SEEN)
STAFF = {"facilitator", "other_facilitator", "lead", "admin"}
# The library of an organisation: its staff write it; its other people are refused (403 on
# the list); to anyone of another organisation it does not exist (404).
LIBRARY = {
    "center": {
        who: 200 if who in STAFF else 404 if who.startswith("trial") else 403 for who in EVERYONE
    },
    "trial": {
        who: 200 if who == "trial_facilitator" else 403 if who.startswith("trial") else 404
        for who in EVERYONE
    },
}
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


def _assignments(cast: Cast) -> dict[tuple[str, str], ReadingAssignment]:
    """For each couple, a reading for both partners ("both") and one for the first ("first")."""
    made = {}
    for couple_key, (first, _second) in PARTNERS.items():
        couple = getattr(cast, couple_key)
        organisation = couple.organisation
        author = "trial_facilitator" if couple_key == "trial_couple" else "lead"
        viewer = cast.viewer(author)
        seen = get_couple_for(viewer, couple.pk)
        for to, partner in (("both", None), ("first", cast.people[first].pk)):
            reading = make_reading(cast, f"{couple_key} {to}", organisation)
            made[(couple_key, to)] = assignment_create(
                viewer=viewer, couple=seen, reading_id=reading.pk, partner_id=partner
            )
    return made


def _sees(who: str, couple_key: str, to: str) -> bool:
    first, second = PARTNERS[couple_key]
    return who in CARE_TEAM[couple_key] or who == first or (who == second and to == "both")


@pytest.mark.parametrize("who", EVERYONE)
def test_it_shows_each_organisations_library_to_its_staff_alone(cast: Cast, who: str) -> None:
    for key in ("center", "trial"):
        organisation = getattr(cast, key)
        reading = make_reading(cast, f"{key} reading", organisation)
        web = cast.client(who)
        assert web.get(f"/readings/?org={organisation.pk}").status_code == LIBRARY[key][who]
        edit = 200 if LIBRARY[key][who] == 200 else 404
        assert web.get(f"/readings/{reading.pk}/edit/").status_code == edit, key
        preview = web.post(f"/readings/{reading.pk}/edit/preview", {"body_markdown": "x"})
        assert preview.status_code == edit, key


@pytest.mark.parametrize("who", EVERYONE)
def test_it_shows_each_person_exactly_the_assignments_and_reads_the_policy_allows(
    cast: Cast, who: str
) -> None:
    assignments = _assignments(cast)
    web, api = cast.client(who), cast.api(who)
    problems = []
    for couple_key, (first, second) in PARTNERS.items():
        couple = getattr(cast, couple_key)
        sees_couple = couple_key in COUPLES_SEEN[who]
        people = who in CARE_TEAM[couple_key] or who in (first, second)
        want = 200 if people else 403 if sees_couple else 404
        page = web.get(f"/couples/{couple.pk}/readings/")
        listing = api.get(f"/api/v1/couples/{couple.pk}/readings")
        if (page.status_code, listing.status_code) != (want, want):
            problems.append(f"{couple_key} lists: {page.status_code} {listing.status_code}")
        listed = {item["id"] for item in listing.json()["items"]} if want == 200 else set()
        for to in ("both", "first"):
            assignment = assignments[(couple_key, to)]
            sees = _sees(who, couple_key, to)
            if (assignment.pk in listed) != sees:
                problems.append(f"api list {couple_key}/{to}: {not sees}")
            opened = web.get(f"/couples/{couple.pk}/readings/{assignment.pk}/").status_code
            if opened != (200 if sees else want if want != 200 else 404):
                problems.append(f"web open {couple_key}/{to}: {opened}")
            marked = api.post(f"/api/v1/readings/assignments/{assignment.pk}/read").status_code
            partner = sees and who in (first, second)
            # Only a partner marks read (the care team is refused); unseen, it is not there.
            expected = (200 if partner else 403) if sees else want if want != 200 else 404
            if marked != expected:
                problems.append(f"api read {couple_key}/{to}: {marked}, want {expected}")
            read = ReadingRead.objects.filter(assignment=assignment, partner=cast.people[who])
            if read.exists() != partner:
                problems.append(f"read recorded {couple_key}/{to}: {read.exists()}")
    assert problems == []


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_each_couples_care_team_assign(cast: Cast, who: str) -> None:
    for couple_key in PARTNERS:
        couple = getattr(cast, couple_key)
        reading = make_reading(cast, f"For {couple_key}", couple.organisation)
        sees_couple = couple_key in COUPLES_SEEN[who]
        care = who in CARE_TEAM[couple_key]
        answer = cast.client(who).post(
            f"/couples/{couple.pk}/readings/assign", {"reading_id": reading.pk}
        )
        assert answer.status_code == (302 if care else 403 if sees_couple else 404), couple_key
        assert ReadingAssignment.objects.filter(couple=couple).exists() == care
