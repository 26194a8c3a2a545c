"""Scoring of the bundled instruments against hand-computed results, table by table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.measures.library import ReliableChange, get_instrument, library
from holdspace.measures.scoring import AnswerError, answers_from_list, reliable_change, score


def _phq9(*values: int | None) -> dict[str, int | None]:
    return {f"phq9_{n}": v for n, v in enumerate(values, 1)}


def _pcl5(values: list[int | None]) -> dict[str, int | None]:
    return {f"pcl5_{n}": v for n, v in enumerate(values, 1)}


# (answers, total, band, flags)
PHQ9 = [
    (_phq9(0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "Minimal", []),
    (_phq9(1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "Minimal", []),
    (_phq9(1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "Mild", []),
    (_phq9(2, 2, 2, 2, 1, 0, 0, 0, 0), 9, "Mild", []),
    (_phq9(2, 2, 2, 2, 2, 0, 0, 0, 0), 10, "Moderate", []),
    (_phq9(3, 3, 3, 3, 2, 1, 0, 0, 0), 15, "Moderately severe", []),
    (_phq9(3, 3, 3, 3, 3, 3, 1, 0, 0), 19, "Moderately severe", []),
    (_phq9(3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "Severe", ["phq9_severe"]),
    (_phq9(3, 3, 3, 3, 3, 3, 3, 3, 3), 27, "Severe", ["phq9_item9", "phq9_severe"]),
    (_phq9(0, 0, 0, 0, 0, 0, 0, 0, 1), 1, "Minimal", ["phq9_item9"]),
]


@pytest.mark.parametrize(("answers", "total", "band", "flags"), PHQ9)
def test_it_scores_the_phq9(
    answers: dict[str, int], total: int, band: str, flags: list[str]
) -> None:
    result = score(get_instrument("phq9"), answers)
    assert result.total is not None
    assert result.total.value == total
    assert result.band is not None and result.band.label == band
    assert [flag.rule_id for flag in result.flags] == flags
    assert result.missing == []


def test_it_leaves_the_unscored_difficulty_item_out_of_the_phq9_total() -> None:
    answers = {**_phq9(1, 1, 1, 1, 1, 1, 1, 1, 0), "phq9_10": 3}
    assert score(get_instrument("phq9"), answers).total.value == 8  # type: ignore[union-attr]


def test_it_reports_a_missing_phq9_item_and_leaves_the_total_open() -> None:
    result = score(get_instrument("phq9"), _phq9(3, 3, 3, 3, 3, 3, 3, None, 0))
    assert result.missing == ["phq9_8"]
    assert result.total is not None
    assert result.total.value is None  # never silently zero
    assert result.band is None
    assert result.flags == []


def test_it_flags_item_9_even_when_another_item_is_missing() -> None:
    result = score(get_instrument("phq9"), _phq9(None, 0, 0, 0, 0, 0, 0, 0, 2))
    assert [flag.rule_id for flag in result.flags] == ["phq9_item9"]


GAD7 = [
    ([0] * 7, 0, "Minimal"),
    ([1, 1, 1, 1, 0, 0, 0], 4, "Minimal"),
    ([1, 1, 1, 1, 1, 0, 0], 5, "Mild"),
    ([2, 2, 2, 2, 1, 0, 0], 9, "Mild"),
    ([2, 2, 2, 2, 2, 0, 0], 10, "Moderate"),
    ([2, 2, 2, 2, 2, 2, 2], 14, "Moderate"),
    ([3, 3, 3, 3, 3, 0, 0], 15, "Severe"),
    ([3] * 7, 21, "Severe"),
]


@pytest.mark.parametrize(("values", "total", "band"), GAD7)
def test_it_scores_the_gad7(values: list[int], total: int, band: str) -> None:
    instrument = get_instrument("gad7")
    result = score(instrument, answers_from_list(instrument, values))  # type: ignore[arg-type]
    assert result.total is not None and result.total.value == total
    assert result.band is not None and result.band.label == band


# (answers, total, B, C, D, E, DSM-5 rule, severe flag)
PCL5 = [
    ([0] * 20, 0, 0, 0, 0, 0, False, False),
    ([4] * 20, 80, 20, 8, 28, 24, True, True),
    # Every cluster just meets the rule: one B, one C, two D, two E at 2; total 12.
    ([2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0], 12, 2, 2, 4, 4, True, False),
    # One D short: only one D item endorsed.
    ([2, 0, 0, 0, 0, 2, 0, 2, 1, 1, 1, 1, 1, 1, 2, 2, 0, 0, 0, 0], 16, 2, 2, 8, 4, False, False),
    # All 1s: symptoms everywhere, none endorsed.
    ([1] * 20, 20, 5, 2, 7, 6, False, False),
    # Either side of the provisional cutoff of 33.
    (
        [2, 2, 2, 2, 1] + [2, 2] + [1, 1, 1, 2, 2, 2, 2] + [2, 2, 2, 1, 1, 1],
        33,
        9,
        4,
        11,
        9,
        True,
        True,
    ),
    (
        [2, 2, 2, 2, 1] + [2, 2] + [1, 1, 1, 2, 2, 2, 1] + [2, 2, 2, 1, 1, 1],
        32,
        9,
        4,
        10,
        9,
        True,
        False,
    ),
]


@pytest.mark.parametrize(("values", "total", "b", "c", "d", "e", "dsm5", "flagged"), PCL5)
def test_it_scores_the_pcl5_with_clusters_and_the_dsm5_rule(
    values: list[int], total: int, b: int, c: int, d: int, e: int, dsm5: bool, flagged: bool
) -> None:
    result = score(get_instrument("pcl5"), _pcl5(values))  # type: ignore[arg-type]
    assert result.total is not None and result.total.value == total
    assert {k: v.value for k, v in result.subscales.items()} == {"B": b, "C": c, "D": d, "E": e}
    assert result.rules == {"dsm5_provisional": dsm5}
    assert ([f.rule_id for f in result.flags] == ["pcl5_severe"]) is flagged


def test_it_leaves_the_dsm5_rule_open_while_missing_answers_could_still_meet_it() -> None:
    values: list[int | None] = [2, 0, 0, 0, 0, 2, 0, 2, None, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]
    result = score(get_instrument("pcl5"), _pcl5(values))
    assert result.rules == {"dsm5_provisional": None}
    assert result.subscales["D"].value is None
    assert result.subscales["B"].value == 2
    # ...but not when the answered ones already rule it out.
    values = [0, 0, 0, 0, 0, 2, 0, 2, None, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]
    assert score(get_instrument("pcl5"), _pcl5(values)).rules == {"dsm5_provisional": False}


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"phq9_1": 4}, ("phq9_1", "one of 0, 1, 2, 3")),
        ({"phq9_2": -1}, ("phq9_2", "one of 0, 1, 2, 3")),
        ({"phq9_3": 1.5}, ("phq9_3", "one of 0, 1, 2, 3")),
        ({"phq9_4": "2"}, ("phq9_4", "must be a number")),
        ({"phq9_5": True}, ("phq9_5", "must be a number")),
        ({"phq9_11": 1}, ("phq9_11", "has no item")),
    ],
)
def test_it_refuses_answers_off_the_scale_naming_the_item(
    answers: dict[str, object], problem: tuple[str, str]
) -> None:
    with pytest.raises(AnswerError) as caught:
        score(get_instrument("phq9"), answers)  # type: ignore[arg-type]
    item, reason = problem
    assert reason in caught.value.problems[item]


def test_it_refuses_a_list_of_the_wrong_length() -> None:
    with pytest.raises(AnswerError, match="gad7 has 7 items; 6 answers were given"):
        answers_from_list(get_instrument("gad7"), [0] * 6)


@pytest.mark.parametrize(
    ("code", "earlier", "later", "status"),
    [
        ("phq9", 20, 14, "improved"),  # a drop of 6 is reliable
        ("phq9", 20, 15, "no_reliable_change"),
        ("phq9", 8, 14, "deteriorated"),
        ("gad7", 12, 8, "improved"),
        ("gad7", 12, 9, "no_reliable_change"),
        ("pcl5", 40, 35, "improved"),
        ("pcl5", 40, 44, "no_reliable_change"),
        ("pcl5", 30, 35, "deteriorated"),
    ],
)
def test_it_judges_reliable_change_in_the_right_direction(
    code: str, earlier: float, later: float, status: str
) -> None:
    assert reliable_change(get_instrument(code), earlier, later).status == status


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_it_keeps_every_score_within_the_instruments_range(data: st.DataObject) -> None:
    instrument = data.draw(st.sampled_from(sorted(library().values(), key=lambda i: i.code)))
    answers: dict[str, float | None] = {}
    for item in instrument.items:
        options = instrument.option_set(item)
        if options.continuous:
            choice = st.floats(options.minimum, options.maximum, allow_nan=False)
        else:
            choice = st.sampled_from([o.value for o in options.options])
        answers[item.id] = data.draw(st.one_of(st.none(), choice))
    result = score(instrument, answers)
    if result.total is not None and result.total.value is not None:
        low, high = instrument.total_range
        assert low - 1e-9 <= result.total.value <= high + 1e-9
    by_id = {s.id: s for s in instrument.scoring.subscales}
    for subscale_id, value in result.subscales.items():
        if value.value is not None:
            definition = by_id[subscale_id]
            low, high = instrument.scale_range(
                definition.items, definition.method or instrument.scoring.method
            )
            assert low - 1e-9 <= value.value <= high + 1e-9
    assert set(result.missing) == {
        i.id for i in instrument.scored_items if answers.get(i.id) is None
    }


def test_it_computes_the_jacobson_truax_threshold_from_sd_and_reliability() -> None:
    # SEM = 10 · √(1 − 0.91) = 3; S_diff = √2 · 3; threshold = 1.96 · S_diff ≈ 8.3156.
    change = ReliableChange(sd=10, reliability=0.91, source="worked example")
    assert change.threshold == pytest.approx(1.96 * 2**0.5 * 3)
    with pytest.raises(ValueError, match="give either points, or both sd and reliability"):
        ReliableChange(sd=10, source="half of it")


@pytest.mark.parametrize(
    ("item_9", "flags"),
    [
        (None, ["phq9_item9_unanswered"]),  # skipped: its own alert, and no total
        (0, []),
        (2, ["phq9_item9"]),
    ],
)
def test_it_flags_a_skipped_phq9_item_9_as_a_safety_event(
    item_9: int | None, flags: list[str]
) -> None:
    instrument = get_instrument("phq9")
    result = score(instrument, answers_from_list(instrument, [1] * 8 + [item_9]))
    assert [flag.rule_id for flag in result.flags] == flags
    assert result.missing == (["phq9_9"] if item_9 is None else [])


def test_it_flags_item_9_left_out_of_a_map_of_answers_as_well() -> None:
    result = score(get_instrument("phq9"), {f"phq9_{n}": 0 for n in range(1, 9)})
    assert [flag.rule_id for flag in result.flags] == ["phq9_item9_unanswered"]
    assert result.total is not None and result.total.value is None


def test_it_accepts_a_list_of_the_scored_items_alone() -> None:
    instrument = get_instrument("phq9")
    nine = answers_from_list(instrument, [1, 2, 3, 0, 1, 2, 3, 0, 1])
    assert (nine["phq9_9"], nine["phq9_10"]) == (1, None)
    result = score(instrument, nine)
    assert result.total is not None and result.total.value == 13
    with pytest.raises(AnswerError, match="phq9 has 10 items \\(9 scored\\); 8 answers"):
        answers_from_list(instrument, [0] * 8)
