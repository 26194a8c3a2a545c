"""Trajectories: each partner's scores over time, side by side for the care team, one's own
for a partner; the chart is SVG with a text alternative."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.models import Partner
from holdspace.measures.charts import Point, Series, trajectory_svg
from holdspace.measures.library import get_instrument, library
from holdspace.measures.scoring import answers_from_list
from holdspace.measures.selectors import couple_measures
from holdspace.measures.services import response_submit
from holdspace.policy.couples import get_couple_for

pytestmark = pytest.mark.django_db

# A partner's scores over time are in their portal's Questionnaires section.
QUESTIONNAIRES = "/couples/{}/portal/questionnaires/"
START = datetime(2026, 9, 1, 10, tzinfo=UTC)


def _phq9(cast: Cast, who: str, timepoint: str, days: int, total: int) -> None:
    # `total` spread over the nine scored items, item 9 kept at 0.
    values: list[float | None] = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0, 0]
    assert sum(v or 0 for v in values) == total
    response_submit(
        viewer=cast.viewer(who),
        couple=cast.couple,
        instrument="phq9",
        timepoint=timepoint,
        answers=answers_from_list(get_instrument("phq9"), values),
        taken_at=START + timedelta(days=days),
    )


def _history(cast: Cast) -> None:
    _phq9(cast, "partner_a", "baseline", 0, 18)
    _phq9(cast, "partner_b", "baseline", 0, 8)
    _phq9(cast, "partner_a", "month_1", 30, 9)
    _phq9(cast, "partner_b", "month_1", 30, 10)
    _phq9(cast, "partner_a", "month_1", 31, 7)  # supersedes the 9


def test_it_puts_both_partners_side_by_side_with_the_difference_for_the_care_team(
    cast: Cast,
) -> None:
    _history(cast)

    viewer = cast.viewer("facilitator")
    (trend,) = couple_measures(viewer=viewer, couple=get_couple_for(viewer, cast.couple.pk))
    assert trend.partners == ["Partner A", "Partner B"]
    assert [(r.label, r.values, r.difference) for r in trend.rows] == [
        ("Baseline", [18, 8], 10),
        ("One month after", [7, 10], 3),  # the superseded 9 is gone
    ]
    assert trend.changes == ["improved", "no_reliable_change"]  # 18→7 is 11; 8→10 is 2


def test_it_shows_a_partner_only_their_own_trajectory(cast: Cast) -> None:
    _history(cast)
    html = cast.client("partner_b").get(QUESTIONNAIRES.format(cast.couple.pk)).content.decode()
    assert "Measures over time" in html
    assert "Partner B: Baseline 8, One month after 10." in html  # the chart's description
    assert "Partner A" not in html.split("Measures over time")[1]


def test_it_renders_the_trends_on_the_staff_couple_page(cast: Cast) -> None:
    _history(cast)
    html = cast.client("lead").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "Reliably improved" in html and "No reliable change" in html
    assert '<span class="long-label">Difference</span>' in html
    assert (
        cast.client("admin").get(f"/couples/{cast.couple.pk}/").content.decode().count("<svg") == 0
    )


def test_it_draws_an_accessible_chart_with_bands_and_one_line_per_partner() -> None:
    instrument = get_instrument("phq9")
    series = [
        Series(
            "Alex",
            [Point(START, 18, "Baseline"), Point(START + timedelta(30), 7, "Month")],
            "improved",
        ),
        Series("Sam", [Point(START, 8, "Baseline")], ""),
    ]
    svg = trajectory_svg(instrument, series, chart_id="c1", sessions=[START + timedelta(days=10)])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in svg
    assert "Alex: Baseline 18, Month 7. Sam: Baseline 8." in svg
    assert svg.count("<polyline") == 2
    assert len(re.findall(r"<rect x=\"44\"[^>]*><title>", svg)) == len(instrument.bands)
    assert "Medicine session 11 Sep 2026" in svg
    assert "Alex (reliably improved)" in svg
    assert "<script" not in svg and "<style" not in svg and "style=" not in svg
    # Lower scores sit lower: 7 is drawn below 18.
    ys = [float(v) for v in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys[1] > ys[0]


@pytest.mark.parametrize("code", sorted(library()))
def test_it_draws_every_instrument_without_error(code: str) -> None:
    instrument = get_instrument(code)
    low, high = instrument.total_range
    series = [
        Series("A", [Point(START, low, "Baseline"), Point(START + timedelta(1), high, "Later")])
    ]
    svg = trajectory_svg(instrument, series, chart_id=f"t-{code}")
    assert svg.count("<circle") == 2


def test_it_shows_a_partners_scores_to_the_other_only_once_shared(cast: Cast) -> None:
    _history(cast)
    partner_b = cast.api("partner_b")
    url = f"/api/v1/couples/{cast.couple.pk}/responses"
    owners = {item["partner_id"] for item in partner_b.get(url).json()["items"]}
    assert owners == {cast.partner_b.pk}
    page = cast.client("partner_a").get(QUESTIONNAIRES.format(cast.couple.pk)).content.decode()
    assert 'name="visibility"' in page and "Who sees my scores" in page

    shared = cast.client("partner_a").post(
        f"/couples/{cast.couple.pk}/measures-sharing", {"visibility": "couple"}
    )
    assert shared.status_code == 302
    owners = {item["partner_id"] for item in partner_b.get(url).json()["items"]}
    assert owners == {cast.partner_a.pk, cast.partner_b.pk}
    html = cast.client("partner_b").get(QUESTIONNAIRES.format(cast.couple.pk)).content.decode()
    assert "Partner A: Baseline 18, One month after 7." in html
    # ...but partner A still does not see B's, whose choice is still "team".
    owners_a = {item["partner_id"] for item in cast.api("partner_a").get(url).json()["items"]}
    assert owners_a == {cast.partner_a.pk}
    event = AuditEvent.objects.filter(action="measure.share").get()
    assert event.detail == {"visibility": ["team", "couple"]}

    cast.client("partner_a").post(
        f"/couples/{cast.couple.pk}/measures-sharing", {"visibility": "team"}
    )
    owners = {item["partner_id"] for item in partner_b.get(url).json()["items"]}
    assert owners == {cast.partner_b.pk}


@pytest.mark.parametrize(
    ("who", "status"),
    [("facilitator", 403), ("lead", 403), ("partner_c", 404), ("trial_facilitator", 404)],
)
def test_it_lets_only_the_partner_choose_who_sees_their_scores(
    cast: Cast, who: str, status: int
) -> None:
    response = cast.client(who).post(
        f"/couples/{cast.couple.pk}/measures-sharing", {"visibility": "couple"}
    )
    assert response.status_code == status
    assert set(Partner.objects.values_list("measures_visibility", flat=True)) == {"team"}


def test_it_lists_a_response_without_a_total_and_links_the_care_team_to_its_answers(
    cast: Cast,
) -> None:
    _phq9(cast, "partner_b", "baseline", 0, 8)
    skipped = response_submit(
        viewer=cast.viewer("partner_a"),
        couple=cast.couple,
        instrument="phq9",
        timepoint="baseline",
        answers=answers_from_list(get_instrument("phq9"), [1] * 8 + [None]),
        taken_at=START,
    ).response

    viewer = cast.viewer("facilitator")
    (trend,) = couple_measures(viewer=viewer, couple=get_couple_for(viewer, cast.couple.pk))
    (row,) = trend.rows
    assert (row.values, row.difference, trend.answers_link) == ([None, 8], None, True)
    assert (row.cells[0].response_id, row.cells[0].unanswered) == (skipped.pk, 1)
    page = f"/couples/{cast.couple.pk}/measures/responses/{skipped.pk}/"
    staff = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert f'<a href="{page}">—</a> <span class="muted small">(1 unanswered)</span>' in staff
    own = cast.client("partner_a").get(QUESTIONNAIRES.format(cast.couple.pk)).content.decode()
    assert "(1 unanswered)" in own and f'href="{page}"' not in own
