"""The readiness checklist as a partner and their care team read it: a screening answered and
waiting on the care team reads as answered, never as missing, while the couple stays not ready
— on the web page and through the API."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine

from holdspace.conftest import Cast
from holdspace.couples.models import Couple
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.readiness import readiness
from holdspace.screening.tests.test_services import LITHIUM, answer

pytestmark = pytest.mark.django_db

TALKED_THROUGH = (
    "Answered. Some of your answers mean we need to talk before going further. Your "
    "facilitator will talk it through with you."
)


def _loaded(cast: Cast) -> Couple:
    return get_couple_for(cast.viewer("facilitator"), cast.couple.pk)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        yield t


def _page(cast: Cast, who: str) -> str:
    response = cast.client(who).get(f"/couples/{cast.couple.pk}/readiness/")
    assert response.status_code == 200
    return response.content.decode()


def _screening_item(html: str, partner_name: str) -> str:
    section = html.split(f">{partner_name} <span", 1)[1].split("</section>", 1)[0]
    found = re.search(r'<li class="[^"]*" data-code="screening">(.*?)</li>', section, re.S)
    assert found, section
    return found.group(0)


def test_it_reads_a_screening_answered_again_as_with_the_care_team_not_missing(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    answer(cast, "partner_a", **LITHIUM)
    clock.shift(dt.timedelta(hours=1))
    answer(cast, "partner_a")  # less restrictively: awaits a clinical lead
    name = cast.partner_a.display_name

    own = _screening_item(_page(cast, "partner_a"), name)
    assert TALKED_THROUGH in own
    assert "answered, with your care team" in own
    assert "missing" not in own
    assert "Answer again" in own
    assert "Answer the health questions" not in own

    staff = _screening_item(_page(cast, "facilitator"), name)
    assert "Answered, awaiting a clinical lead&#x27;s decision before a session." in staff
    assert "answered, with the care team" in staff
    assert "missing" not in staff

    result = readiness(_loaded(cast))  # readiness itself does not change
    assert result.ready is False
    [mine] = [p for p in result.partners if p.partner.user_id == cast.partner_a.pk]
    assert "screening" in [item.code for item in mine.missing]
    assert "screening" not in [item.code for item in mine.to_do]


def test_it_counts_for_the_partner_only_what_they_can_do(cast: Cast) -> None:
    answer(cast, "partner_a", medications=["Sertraline 50 mg"])  # needs clinical review
    result = readiness(_loaded(cast))
    [mine] = [p for p in result.partners if p.partner.user_id == cast.partner_a.pk]
    name = cast.partner_a.display_name
    own = _page(cast, "partner_a").split(f">{name} <span", 1)[1].split("</span>", 1)[0]
    assert f"{len(mine.missing) - 1} to do" in own
    staff = _page(cast, "facilitator").split(f">{name} <span", 1)[1].split("</span>", 1)[0]
    assert f"{len(mine.missing)} to do" in staff


def test_it_still_reads_a_screening_never_answered_as_missing(cast: Cast) -> None:
    item = _screening_item(_page(cast, "partner_a"), cast.partner_a.display_name)
    assert "— missing" in item
    assert "Answer the health questions" in item
    assert "with your care team" not in item


def test_it_tells_a_partner_not_eligible_they_answered_without_the_decision(cast: Cast) -> None:
    answer(cast, "partner_a", **LITHIUM)  # not eligible
    own = _screening_item(_page(cast, "partner_a"), cast.partner_a.display_name)
    assert TALKED_THROUGH in own
    assert "missing" not in own
    assert "eligible" not in own.lower()
    staff = _screening_item(_page(cast, "facilitator"), cast.partner_a.display_name)
    assert "Not eligible for psilocybin." in staff
    assert cast.client("partner_c").get(f"/couples/{cast.couple.pk}/readiness/").status_code == 404


def test_it_says_the_same_through_the_readiness_api(cast: Cast) -> None:
    answer(cast, "partner_a", medications=["Sertraline 50 mg"])
    url = f"/api/v1/couples/{cast.couple.pk}/readiness"
    body = cast.api("partner_a").get(url).json()
    assert body["ready"] is False
    items = {i["code"]: i for i in body["partners"][0]["items"]}
    assert (items["screening"]["done"], items["screening"]["with_care_team"]) == (False, True)
    assert items["screening"]["detail"] == TALKED_THROUGH
    staff = cast.api("lead").get(url).json()
    [mine] = [p for p in staff["partners"] if p["partner_id"] == cast.partner_a.pk]
    [item] = [i for i in mine["items"] if i["code"] == "screening"]
    assert item["detail"] == "Answered, awaiting a clinical lead's decision before a session."
    assert cast.api("partner_c").get(url).status_code == 404
