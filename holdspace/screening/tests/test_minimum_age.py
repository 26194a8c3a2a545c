"""The profile's minimum age, checked against the date of birth given at intake: the web form
and the API refuse the same dates with the same message, and store nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from holdspace.conftest import Cast
from holdspace.policy.couples import get_couple_for
from holdspace.screening.models import Screening
from holdspace.screening.profiles import get_profile
from holdspace.screening.rules import rule_set
from holdspace.screening.services import age_on, screening_submit

pytestmark = pytest.mark.django_db

ALL_NO = {code: False for code in rule_set().questions}


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) + dt.timedelta(days=days)


def _web(cast: Cast, born: str) -> tuple[int, str]:
    url = f"/couples/{cast.couple.pk}/partners/{cast.partner_a.pk}/screening/"
    body = {
        "substance": "psilocybin",
        "date_of_birth": born,
        **{f"q_{code}": "no" for code in rule_set().questions},
    }
    response = cast.client("partner_a").post(url, body)
    return response.status_code, response.content.decode()


def _api(cast: Cast, born: str | None) -> tuple[int, dict[str, object]]:
    body: dict[str, object] = {"substance": "psilocybin", "answers": ALL_NO}
    if born is not None:
        body["date_of_birth"] = born
    response = cast.api("partner_a").post(
        f"/api/v1/couples/{cast.couple.pk}/screenings",
        json.dumps(body),
        content_type="application/json",
    )
    return response.status_code, response.json()


def test_it_sets_21_in_oregon_and_colorado_with_its_source() -> None:
    for name in ("oregon-psilocybin", "colorado-natural-medicine"):
        minimum = get_profile(name).minimum_age
        assert minimum is not None and minimum.years == 21 and minimum.source


@pytest.mark.parametrize(
    ("born", "message"),
    [
        ("under", "only for people aged 21 or older"),
        ("tomorrow", "cannot be in the future"),
        ("1899-12-31", "before 1900 cannot be right"),
    ],
)
def test_it_refuses_an_under_age_future_or_impossible_birth_date_on_the_web_and_the_api(
    cast: Cast, born: str, message: str
) -> None:
    if born == "under":
        born = _years_ago(21, days=1).isoformat()  # 21 tomorrow
    elif born == "tomorrow":
        born = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    status, html = _web(cast, born)
    assert status == 422 and message in html
    status, body = _api(cast, born)
    assert status == 422
    problems = body["detail"]
    assert isinstance(problems, list)
    assert [p["loc"][-1] for p in problems] == ["date_of_birth"]
    assert message in problems[0]["msg"]
    assert not Screening.objects.exists()


def test_it_takes_a_partner_on_their_21st_birthday_and_keeps_the_date_with_the_screening(
    cast: Cast,
) -> None:
    born = _years_ago(21)
    status, _html = _web(cast, born.isoformat())
    assert status == 200
    assert Screening.objects.get().date_of_birth == born
    # Answering again opens the form with the date already given.
    url = f"/couples/{cast.couple.pk}/partners/{cast.partner_a.pk}/screening/"
    assert born.isoformat() in cast.client("partner_a").get(url).content.decode()


def test_it_asks_the_web_intake_for_a_date_of_birth_and_refuses_a_mistyped_one(
    cast: Cast,
) -> None:
    status, html = _web(cast, "")
    assert status == 422 and "Enter your date of birth." in html
    status, html = _web(cast, "23/04/1985")
    assert status == 422 and "year-month-day" in html
    assert not Screening.objects.exists()


def test_it_lets_the_care_team_enter_the_date_with_the_partner_and_refuses_it_the_same_way(
    cast: Cast,
) -> None:
    viewer = cast.viewer("facilitator")
    with pytest.raises(ValidationError) as refused:
        screening_submit(
            viewer=viewer,
            couple=get_couple_for(viewer, cast.couple.pk),
            partner_id=cast.partner_a.pk,
            substance="psilocybin",
            answers=ALL_NO,
            date_of_birth=_years_ago(20),
        )
    assert list(refused.value.message_dict) == ["date_of_birth"]


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (dt.date(2000, 2, 29), dt.date(2021, 2, 28), 20),
        (dt.date(2000, 2, 29), dt.date(2021, 3, 1), 21),
        (dt.date(1990, 12, 31), dt.date(2011, 12, 31), 21),
        (dt.date(1990, 12, 31), dt.date(2011, 12, 30), 20),
    ],
)
def test_it_counts_full_years(born: dt.date, day: dt.date, age: int) -> None:
    assert age_on(born, day) == age
