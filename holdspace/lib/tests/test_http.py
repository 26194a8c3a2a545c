"""A form's action address opened with GET (a reload after a refused form, a bookmark, the
way back after signing in) leads to the page the form belongs to, not to a bare 405."""

from __future__ import annotations

import pytest

from holdspace.conftest import Cast
from holdspace.lib.http import owning_page


@pytest.mark.parametrize(
    ("action", "page"),
    [
        ("commitments/add", "commitments/"),
        ("commitments/7/revise", "commitments/"),
        ("commitments/7/checkin", "commitments/"),
        ("integration/offer", "integration/"),
        ("integration/sessions/3/held", "integration/"),
        ("calendar/new", "calendar/"),
        ("calendar/revoke", "calendar/"),
    ],
)
def test_it_sends_a_get_of_an_action_to_its_page(cast: Cast, action: str, page: str) -> None:
    base = f"/couples/{cast.couple.pk}/"
    response = cast.client("partner_a").get(base + action)
    assert response.status_code == 302
    assert response["Location"] == base + page
    assert cast.client("partner_a").get(response["Location"]).status_code in (200, 403)


def test_it_keeps_the_query_string_on_the_way_to_the_page(cast: Cast) -> None:
    response = cast.client("lead").get("/organisation/time-zone?org=1")
    assert response.status_code == 302
    assert response["Location"] == "/organisation/?org=1"


def test_it_still_takes_the_post_and_refuses_other_methods(cast: Cast) -> None:
    url = f"/couples/{cast.couple.pk}/calendar/new"
    riley = cast.client("partner_a")
    assert riley.post(url).status_code == 302  # the feed is made, then back to the page
    assert riley.put(url).status_code == 405
    assert riley.delete(url).status_code == 405


def test_it_leads_a_stranger_only_to_a_page_that_refuses_them(cast: Cast) -> None:
    base = f"/couples/{cast.other_couple.pk}/"
    response = cast.client("partner_a").get(base + "commitments/add")
    assert response["Location"] == base + "commitments/"
    assert cast.client("partner_a").get(response["Location"]).status_code == 404


def test_it_falls_back_to_the_home_page(db: None) -> None:
    assert owning_page("/nowhere/at/all") == "/"
