"""Instruments whose licence keeps their item wording out of the library (CSI-4, CSI-16,
RDAS, MEQ30, EBI, IOS): structure and scoring only, the wording supplied by the organisation.

Every expected value here is worked out by hand from the reference notes
(shared/reference/instruments-and-language.md, parts A1 and A3), not read back from the
data files, so a slip in a file shows up as a failing row.
"""

from __future__ import annotations

import pytest

from holdspace.measures.library import InstrumentError, get_instrument, with_item_texts
from holdspace.measures.scoring import AnswerError, reliable_change, score

LICENSED = ["csi4", "csi16", "rdas", "meq30", "ebi", "ios"]

DISSATISFIED = "Notable relationship dissatisfaction"
ABOVE_CUTOFF = "Above the dissatisfaction cutoff"
DISTRESSED = "Distressed range"
NOT_DISTRESSED = "Non-distressed range"

# The published MEQ30 item-to-subscale mapping (Barrett, Johnson & Griffiths 2015, as found
# in public scoring scripts; see the comment at the top of meq30.toml).
MEQ30_SUBSCALES = {
    "mystical": [4, 5, 6, 9, 14, 15, 16, 18, 20, 21, 23, 24, 25, 26, 28],
    "positive_mood": [2, 8, 12, 17, 27, 30],
    "transcendence": [1, 7, 11, 13, 19, 22],
    "ineffability": [3, 10, 29],
}


def answers(code: str, values: list[float | None]) -> dict[str, float | None]:
    """VALUES in item order (item 1 first) as a map of item id to answer."""
    assert len(values) == len(get_instrument(code).items)
    return {f"{code}_{number}": value for number, value in enumerate(values, start=1)}


def meq30_answers(**by_subscale: list[float | None]) -> dict[str, float | None]:
    """MEQ30 answers given per subscale, each list in the order of MEQ30_SUBSCALES."""
    given: dict[str, float | None] = {}
    for subscale, values in by_subscale.items():
        numbers = MEQ30_SUBSCALES[subscale]
        assert len(values) == len(numbers)
        given.update({f"meq30_{n}": value for n, value in zip(numbers, values, strict=True)})
    assert len(given) == 30
    return given


def meq30_all(value: float) -> dict[str, float | None]:
    return {f"meq30_{n}": value for n in range(1, 31)}


# --- the files themselves ---------------------------------------------------------------


@pytest.mark.parametrize("code", LICENSED)
def test_it_keeps_the_item_wording_out_of_the_library(code: str) -> None:
    instrument = get_instrument(code)
    assert instrument.code == code
    assert instrument.version == "1.0"
    assert instrument.item_text == "organisation"
    assert all(item.text == "" for item in instrument.items)
    assert instrument.licence.statement and instrument.licence.citation
    assert instrument.licence.source


@pytest.mark.parametrize(
    ("code", "items", "unverified"),
    [
        ("csi4", 4, False),
        ("csi16", 16, False),
        ("rdas", 14, True),
        ("meq30", 30, True),
        ("ebi", 6, True),
        ("ios", 1, True),
    ],
)
def test_it_marks_the_licences_the_reference_leaves_unconfirmed(
    code: str, items: int, unverified: bool
) -> None:
    instrument = get_instrument(code)
    assert len(instrument.items) == items
    assert instrument.licence.unverified is unverified


@pytest.mark.parametrize(
    ("code", "low", "high", "higher_is_better"),
    [
        ("csi4", 0, 21, True),
        ("csi16", 0, 81, True),
        ("rdas", 0, 69, True),
        ("ebi", 0, 100, True),
        ("ios", 1, 7, True),
    ],
)
def test_it_spans_the_published_total_range(
    code: str, low: float, high: float, higher_is_better: bool
) -> None:
    instrument = get_instrument(code)
    assert instrument.total_range == (low, high)
    assert instrument.scoring.higher_is_better is higher_is_better


def test_it_spans_the_published_rdas_subscale_ranges() -> None:
    rdas = get_instrument("rdas")
    ranges = {s.id: rdas.scale_range(s.items, "sum") for s in rdas.scoring.subscales}
    assert ranges == {"consensus": (0, 30), "satisfaction": (0, 20), "cohesion": (0, 19)}


def test_it_maps_meq30_items_to_the_published_subscales() -> None:
    meq30 = get_instrument("meq30")
    assert meq30.scoring.total is False
    assert meq30.scoring.method == "mean"
    assert meq30.bands == []
    assert meq30.reliable_change is None
    mapping = {s.id: s.items for s in meq30.scoring.subscales}
    assert mapping == {
        name: [f"meq30_{n}" for n in numbers] for name, numbers in MEQ30_SUBSCALES.items()
    }
    (rule,) = meq30.rules
    assert rule.kind == "all_subscales_at_least"
    assert rule.fraction == 0.6
    assert rule.subscales == list(MEQ30_SUBSCALES)
    assert rule.unverified is True


def test_it_treats_the_ebi_as_a_line_from_0_to_100() -> None:
    ebi = get_instrument("ebi")
    (line,) = ebi.option_sets
    assert line.continuous is True
    assert (line.minimum, line.maximum) == (0, 100)
    assert ebi.scoring.method == "mean"


@pytest.mark.parametrize("code", ["csi16", "rdas"])
def test_it_writes_keying_into_option_values_not_the_reverse_flag(code: str) -> None:
    # The option values are the printed scoring key; a reverse flag as well would turn
    # the descending items round a second time.
    assert not any(item.reverse for item in get_instrument(code).items)


# --- totals and bands -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "values", "total", "band"),
    [
        # CSI-4: item 1 is 0–6, items 2–4 are 0–5.
        ("csi4", [0, 0, 0, 0], 0, DISSATISFIED),
        ("csi4", [6, 5, 5, 5], 21, ABOVE_CUTOFF),
        ("csi4", [4, 3, 2, 5], 14, ABOVE_CUTOFF),
        ("csi4", [3, 5, 5, 0], 13, DISSATISFIED),  # the last total below the 13.5 cutoff
        ("csi4", [4, 5, 5, 0], 14, ABOVE_CUTOFF),  # the first total above it
        # CSI-16: 6 + 5 + 4×5 + 4×5 + 6×5 = 81.
        ("csi16", [0] * 16, 0, DISSATISFIED),
        ("csi16", [6] + [5] * 15, 81, ABOVE_CUTOFF),
        # Left-hand box on every word pair: 5 on items 11, 13, 14, 16 and 0 on 12, 15;
        # "All the time" (5) on item 2. 4 + 5 + 4×3 + 4×2 + (5+0+5+5+0+5) = 49.
        ("csi16", [4, 5, 3, 3, 3, 3, 2, 2, 2, 2, 5, 0, 5, 5, 0, 5], 49, DISSATISFIED),
        # Right-hand box on every word pair instead: 4 + 0 + 12 + 8 + (0+5+0+0+5+0) = 34.
        ("csi16", [4, 0, 3, 3, 3, 3, 2, 2, 2, 2, 0, 5, 0, 0, 5, 0], 34, DISSATISFIED),
        # 6 + 5 + 0×6 + 5 + 5 + 6×5 = 51, the last total at or below the 51.5 cutoff.
        ("csi16", [6, 5, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5, 5, 5], 51, DISSATISFIED),
        ("csi16", [6, 5, 1, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5, 5, 5], 52, ABOVE_CUTOFF),
        # RDAS: Consensus 1–6 (0–5), Satisfaction 7–10 (0–5), Cohesion 11 (0–4), 12–14 (0–5).
        ("rdas", [0] * 14, 0, DISTRESSED),
        ("rdas", [5] * 10 + [4] + [5] * 3, 69, NOT_DISTRESSED),
        ("rdas", [5, 4, 3, 2, 1, 0, 5, 5, 4, 4, 4, 3, 2, 1], 43, DISTRESSED),
        # 0+0+0+0+3+5 + 20 + 19 = 47 (≤47 distressed); one more point is 48.
        ("rdas", [0, 0, 0, 0, 3, 5, 5, 5, 5, 5, 4, 5, 5, 5], 47, DISTRESSED),
        ("rdas", [0, 0, 0, 0, 4, 5, 5, 5, 5, 5, 4, 5, 5, 5], 48, NOT_DISTRESSED),
        # EBI: the mean of six marks on a 0–100 line, any value in between allowed.
        ("ebi", [0] * 6, 0, None),
        ("ebi", [100] * 6, 100, None),
        ("ebi", [10, 20, 30, 40, 50, 60], 35, None),
        ("ebi", [0, 100, 50, 25, 75, 12.5], 43.75, None),
        # IOS: one item, 1–7, no bands.
        ("ios", [1], 1, None),
        ("ios", [4], 4, None),
        ("ios", [7], 7, None),
    ],
)
def test_it_scores_the_total_and_band(
    code: str, values: list[float | None], total: float, band: str | None
) -> None:
    result = score(get_instrument(code), answers(code, values))
    assert result.total is not None
    assert result.total.value == pytest.approx(total)
    assert result.total.prorated is False
    assert result.missing == []
    assert (result.band.label if result.band else None) == band


def test_it_scores_the_first_listed_option_of_each_csi16_item_as_printed() -> None:
    # Answering with the first option the form shows for every item: 0 on item 1, 5 on
    # item 2 (keyed 5→0), 0 on items 3–10, and the left-hand box on items 11–16.
    csi16 = get_instrument("csi16")
    first = {item.id: csi16.option_set(item).options[0].value for item in csi16.items}
    last = {item.id: csi16.option_set(item).options[-1].value for item in csi16.items}
    assert score(csi16, first).total.value == 0 + 5 + 0 + 0 + (5 + 0 + 5 + 5 + 0 + 5)
    assert score(csi16, last).total.value == 6 + 0 + 20 + 20 + (0 + 5 + 0 + 0 + 5 + 0)


# --- subscales and the MEQ30 rule -------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "consensus", "satisfaction", "cohesion"),
    [
        ([0] * 14, 0, 0, 0),
        ([5] * 10 + [4] + [5] * 3, 30, 20, 19),
        ([5, 4, 3, 2, 1, 0, 5, 5, 4, 4, 4, 3, 2, 1], 15, 18, 10),
        ([0, 0, 0, 0, 3, 5, 5, 5, 5, 5, 4, 5, 5, 5], 8, 20, 19),
    ],
)
def test_it_scores_the_rdas_subscales(
    values: list[float | None], consensus: float, satisfaction: float, cohesion: float
) -> None:
    result = score(get_instrument("rdas"), answers("rdas", values))
    subscales = {name: s.value for name, s in result.subscales.items()}
    assert subscales == {
        "consensus": consensus,
        "satisfaction": satisfaction,
        "cohesion": cohesion,
    }


@pytest.mark.parametrize(
    ("given", "expected", "complete"),
    [
        (
            meq30_all(0),
            {"mystical": 0, "positive_mood": 0, "transcendence": 0, "ineffability": 0},
            False,
        ),
        (
            meq30_all(5),
            {"mystical": 5, "positive_mood": 5, "transcendence": 5, "ineffability": 5},
            True,
        ),
        # Exactly 60% of the maximum (3 of 5) on every subscale is enough.
        (
            meq30_all(3),
            {"mystical": 3, "positive_mood": 3, "transcendence": 3, "ineffability": 3},
            True,
        ),
        # Transcendence 17/6 = 2.8333 falls short; positive mood 28/6 = 4.6667.
        (
            meq30_answers(
                mystical=[4] * 15,
                positive_mood=[5, 5, 5, 5, 4, 4],
                transcendence=[3, 3, 3, 3, 3, 2],
                ineffability=[5, 5, 5],
            ),
            {"mystical": 4, "positive_mood": 4.6667, "transcendence": 2.8333, "ineffability": 5},
            False,
        ),
        # Ineffability 8/3 = 2.6667 alone falls short.
        (
            meq30_answers(
                mystical=[5] * 15,
                positive_mood=[5] * 6,
                transcendence=[5] * 6,
                ineffability=[3, 3, 2],
            ),
            {"mystical": 5, "positive_mood": 5, "transcendence": 5, "ineffability": 2.6667},
            False,
        ),
        # Mixed mystical answers: (0+1+2+3+4+5)×2 + 3×3 = 39, and 39/15 = 2.6 falls short.
        (
            meq30_answers(
                mystical=[0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 3, 3, 3],
                positive_mood=[5] * 6,
                transcendence=[5] * 6,
                ineffability=[5] * 3,
            ),
            {"mystical": 2.6, "positive_mood": 5, "transcendence": 5, "ineffability": 5},
            False,
        ),
    ],
)
def test_it_scores_meq30_subscale_means_and_the_complete_mystical_rule(
    given: dict[str, float | None], expected: dict[str, float], complete: bool
) -> None:
    result = score(get_instrument("meq30"), given)
    assert result.total is None
    assert result.band is None
    assert {name: s.value for name, s in result.subscales.items()} == {
        name: pytest.approx(value, abs=1e-4) for name, value in expected.items()
    }
    assert result.rules == {"complete_mystical": complete}


def test_it_leaves_the_meq30_rule_open_when_a_subscale_is_missing_an_item() -> None:
    given = meq30_all(5) | {"meq30_1": None}  # item 1 is in transcendence
    result = score(get_instrument("meq30"), given)
    assert result.missing == ["meq30_1"]
    assert result.subscales["transcendence"].value is None
    assert result.subscales["mystical"].value == 5
    assert result.subscales["positive_mood"].value == 5
    assert result.subscales["ineffability"].value == 5
    assert result.rules == {"complete_mystical": None}


def test_it_decides_the_meq30_rule_when_a_scored_subscale_already_falls_short() -> None:
    # Transcendence cannot be scored (item 1 missing), but ineffability at 1 of 5 already
    # rules a complete mystical experience out, whatever item 1 would have been.
    given = meq30_all(5) | {"meq30_1": None, "meq30_3": 1, "meq30_10": 1, "meq30_29": 1}
    result = score(get_instrument("meq30"), given)
    assert result.subscales["transcendence"].value is None
    assert result.rules == {"complete_mystical": False}


# --- missing answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "values", "missing"),
    [
        ("csi4", [6, None, 5, 5], "csi4_2"),
        ("csi16", [6] + [5] * 14 + [None], "csi16_16"),
        ("rdas", [5] * 10 + [None] + [5] * 3, "rdas_11"),
        ("ebi", [50, 50, None, 50, 50, 50], "ebi_3"),
        ("ios", [None], "ios_1"),
    ],
)
def test_it_leaves_the_total_open_and_names_a_missing_item(
    code: str, values: list[float | None], missing: str
) -> None:
    result = score(get_instrument(code), answers(code, values))
    assert result.total is not None
    assert result.total.value is None
    assert result.total.answered == len(values) - 1
    assert result.band is None
    assert result.missing == [missing]


def test_it_treats_an_absent_answer_like_a_missing_one() -> None:
    given = answers("csi4", [6, 5, 5, 5])
    del given["csi4_4"]
    result = score(get_instrument("csi4"), given)
    assert result.total.value is None
    assert result.missing == ["csi4_4"]


def test_it_still_scores_the_rdas_subscales_a_missing_item_does_not_touch() -> None:
    result = score(get_instrument("rdas"), answers("rdas", [5] * 10 + [None] + [5] * 3))
    assert result.subscales["consensus"].value == 30
    assert result.subscales["satisfaction"].value == 20
    assert result.subscales["cohesion"].value is None


# --- answers off the scale --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "item", "value"),
    [
        ("csi4", "csi4_1", 7),  # item 1 runs 0–6
        ("csi4", "csi4_2", 6),  # items 2–4 run 0–5
        ("csi4", "csi4_4", -1),
        ("csi16", "csi16_1", 7),
        ("csi16", "csi16_2", 6),
        ("csi16", "csi16_11", 2.5),  # six boxes, no half points
        ("csi16", "csi16_12", 6),
        ("rdas", "rdas_11", 5),  # item 11 alone runs 0–4
        ("rdas", "rdas_7", 6),
        ("rdas", "rdas_14", -1),
        ("meq30", "meq30_30", 6),
        ("meq30", "meq30_1", -1),
        ("ebi", "ebi_1", 100.5),
        ("ebi", "ebi_6", -0.1),
        ("ios", "ios_1", 0),  # the IOS runs 1–7
        ("ios", "ios_1", 8),
    ],
)
def test_it_refuses_an_answer_off_the_items_scale(code: str, item: str, value: float) -> None:
    instrument = get_instrument(code)
    given = {i.id: instrument.option_set(i).minimum for i in instrument.items} | {item: value}
    with pytest.raises(AnswerError) as raised:
        score(instrument, given)
    assert set(raised.value.problems) == {item}
    assert item in str(raised.value)


def test_it_accepts_the_top_of_a_longer_scale_beside_a_shorter_one() -> None:
    # RDAS item 12 runs 0–5 even though item 11 beside it stops at 4.
    rdas = get_instrument("rdas")
    given = answers("rdas", [0] * 11 + [5, 0, 0])
    assert score(rdas, given).total.value == 5


# --- reliable change --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "later", "status"),
    [
        (40, 52, "improved"),  # 12 points: more than the RCI of 11.58
        (40, 51, "no_reliable_change"),  # 11 points: not reliable
        (60, 48, "deteriorated"),
        (47, 36, "no_reliable_change"),
        (47, 35, "deteriorated"),
    ],
)
def test_it_judges_rdas_change_against_the_published_rci(
    earlier: float, later: float, status: str
) -> None:
    change = reliable_change(get_instrument("rdas"), earlier, later)
    assert change.status == status
    assert change.threshold == 11.58
    assert change.difference == later - earlier


@pytest.mark.parametrize("code", ["csi4", "csi16", "meq30", "ebi", "ios"])
def test_it_refuses_reliable_change_where_none_is_published(code: str) -> None:
    with pytest.raises(InstrumentError, match=code):
        reliable_change(get_instrument(code), 10, 20)


# --- the organisation's item wording ----------------------------------------------------


def test_it_takes_a_complete_set_of_item_texts_from_the_organisation() -> None:
    csi4 = get_instrument("csi4")
    texts = {f"csi4_{n}": f"  Organisation wording for item {n}  " for n in range(1, 5)}
    worded = with_item_texts(csi4, texts)
    assert worded.item_text == "organisation"  # supplied wording stays the organisation's
    assert [item.text for item in worded.items] == [
        f"Organisation wording for item {n}" for n in range(1, 5)
    ]
    # Structure and scoring are untouched, and the library's copy keeps no wording.
    assert [item.options for item in worded.items] == [item.options for item in csi4.items]
    assert score(worded, answers("csi4", [3, 5, 5, 0])).band.label == DISSATISFIED
    assert all(item.text == "" for item in get_instrument("csi4").items)


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"csi4_1": "a", "csi4_2": "b", "csi4_3": "c"}, "no text for csi4_4"),
        ({"csi4_1": "a", "csi4_2": "  ", "csi4_3": "c", "csi4_4": "d"}, "no text for csi4_2"),
        (
            {"csi4_1": "a", "csi4_2": "b", "csi4_3": "c", "csi4_4": "d", "csi4_5": "e"},
            "unknown items csi4_5",
        ),
        ({}, "no text for csi4_1, csi4_2, csi4_3, csi4_4"),
    ],
)
def test_it_refuses_an_incomplete_set_of_item_texts(texts: dict[str, str], message: str) -> None:
    with pytest.raises(InstrumentError, match=message):
        with_item_texts(get_instrument("csi4"), texts)
