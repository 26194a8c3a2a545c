"""The instrument files: every shipped one fits the schema, and a broken one is refused
with a message naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from holdspace.measures.library import (
    LIBRARY_DIR,
    InstrumentError,
    get_instrument,
    library,
    load_directory,
)
from holdspace.measures.scoring import score

PHQ9 = (LIBRARY_DIR / "phq9.toml").read_text()


def test_it_ships_the_reproducible_instruments_with_their_item_text() -> None:
    for code, count in {"phq9": 10, "gad7": 7, "pcl5": 20}.items():
        instrument = get_instrument(code)
        assert instrument.item_text == "bundled"
        assert len(instrument.items) == count
        assert all(item.text for item in instrument.items)
        assert instrument.licence.citation


def test_it_loads_every_file_in_the_library() -> None:
    files = {path.stem for path in LIBRARY_DIR.glob("*.toml")}
    assert set(library()) == files


def test_it_computes_each_total_range_from_the_options() -> None:
    assert get_instrument("phq9").total_range == (0, 27)
    assert get_instrument("gad7").total_range == (0, 21)
    assert get_instrument("pcl5").total_range == (0, 80)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / f"{name}.toml").write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("[reliable_change]\npoints = 6", "[reliable_change]\npoints = -6"),
            "reliable_change.points: Input should be greater than 0",
        ),
        (
            ('options = "frequency"\n', 'options = "frequencies"\n'),
            "names an unknown option set 'frequencies'",
        ),
        (
            (
                'when = { item = "phq9_9", op = ">", value = 0 }',
                'when = { item = "phq9_99", op = ">", value = 0 }',
            ),
            "safety rule phq9_item9 names an unknown item phq9_99",
        ),
        (('method = "sum"', 'method = "median"'), "scoring.method: Input should be 'sum'"),
        (('id = "phq9_2"', 'id = "phq9_1"'), "item ids repeat"),
        (("min = 5\nmax = 9", "min = 9\nmax = 5"), "band 'Mild' runs from 9.0 down to 5.0"),
        (("[licence]", 'colour = "blue"\n[licence]'), "colour: Extra inputs are not permitted"),
        (
            ("safety = true\n", ""),
            "safety rule phq9_item9_unanswered is for an unanswered phq9_9, which is not marked",
        ),
        (
            (
                'when = { item = "phq9_9", unanswered = true }',
                'when = { score = "total", op = ">", value = 99 }',
            ),
            "safety item phq9_9 has no safety rule for when it is unanswered",
        ),
        (
            (
                'when = { item = "phq9_9", unanswered = true }',
                'when = { item = "phq9_9", unanswered = true, op = ">", value = 0 }',
            ),
            "an unanswered condition names an item and no op or value",
        ),
    ],
)
def test_it_refuses_a_broken_instrument_file_by_name_and_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in PHQ9
    directory = _write(tmp_path, "phq9", PHQ9.replace(old, new, 1))
    with pytest.raises(InstrumentError) as caught:
        load_directory(directory)
    assert str(caught.value).startswith("phq9.toml: ")
    assert message in str(caught.value)


def test_it_refuses_a_file_whose_code_is_not_its_name(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="its code is 'phq9', not 'phq9b'"):
        load_directory(_write(tmp_path, "phq9b", PHQ9))


def test_it_refuses_a_file_that_is_not_toml(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="phq9.toml: not valid TOML"):
        load_directory(_write(tmp_path, "phq9", PHQ9 + "\n[[items]\n"))


def test_it_refuses_an_unknown_instrument_code() -> None:
    with pytest.raises(InstrumentError, match="no instrument has the code 'bdi'"):
        get_instrument("bdi")


def test_it_accepts_a_new_instrument_as_a_new_file_without_code(tmp_path: Path) -> None:
    who5 = (
        """
code = "who5"
name = "A five-item well-being index"
version = "1.0"
domain = "well-being"
instructions = "Over the last two weeks:"
item_text = "organisation"
[licence]
statement = "Organisation-supplied."
citation = "Test instrument"
source = "tests"
[[option_sets]]
id = "often"
options = [{ value = 0, label = "At no time" }, { value = 5, label = "All of the time" }]
"""
        + "".join(f'[[items]]\nid = "w{n}"\noptions = "often"\n' for n in range(1, 6))
        + """
[scoring]
method = "sum"
higher_is_better = true
missing = { policy = "prorate", max_missing = 1 }
"""
    )
    instrument = load_directory(_write(tmp_path, "who5", who5))["who5"]

    result = score(instrument, {"w1": 5, "w2": 5, "w3": 0, "w4": 0})
    assert result.total is not None
    assert (result.total.value, result.total.prorated, result.missing) == (12.5, True, ["w5"])
    too_few = score(instrument, {"w1": 5, "w2": 5, "w3": 0})
    assert too_few.total is not None and too_few.total.value is None


@pytest.mark.django_db
def test_it_lists_and_describes_instruments_over_the_api(cast) -> None:  # type: ignore[no-untyped-def]
    client = cast.api("partner_a")
    # Issue 12 item 7: the library answers the list envelope (a bare array before).
    listing = client.get("/api/v1/instruments").json()
    assert listing["count"] == len(listing["items"]) and listing["next"] is None
    codes = [entry["code"] for entry in listing["items"]]
    assert {"phq9", "gad7", "pcl5"} <= set(codes)
    assert codes == sorted(codes)
    phq9 = client.get("/api/v1/instruments/phq9").json()
    assert phq9["range"] == [0, 27]
    assert phq9["questions"][8]["text"].startswith("Thoughts that you would be better off dead")
    assert [o["label"] for o in phq9["questions"][0]["options"]][:2] == [
        "Not at all",
        "Several days",
    ]
    assert phq9["reliable_change"] == {
        "points": 6,
        "source": phq9["reliable_change"]["source"],
        "unverified": True,
    }
    assert [rule["id"] for rule in phq9["safety"]] == [
        "phq9_item9",
        "phq9_item9_unanswered",
        "phq9_severe",
    ]
    assert [q["id"] for q in phq9["questions"] if q["safety"]] == ["phq9_9"]
    pcl5 = client.get("/api/v1/instruments/pcl5").json()
    assert [s["id"] for s in pcl5["subscales"]] == ["B", "C", "D", "E"]
    assert pcl5["rules"][0]["id"] == "dsm5_provisional"
    assert client.get("/api/v1/instruments/bdi").status_code == 404

    assert Client().get("/api/v1/instruments").status_code == 401


def test_it_marks_the_phq9_item_9_as_the_only_safety_item_in_the_library() -> None:
    marked = {code: [item.id for item in i.safety_items] for code, i in library().items()}
    assert {code: ids for code, ids in marked.items() if ids} == {"phq9": ["phq9_9"]}
    rule = next(r for r in get_instrument("phq9").safety if r.when.unanswered)
    assert (rule.id, rule.when.item, rule.unverified) == ("phq9_item9_unanswered", "phq9_9", True)
    assert rule.message.startswith("Item 9 was not answered: ask it.")
    assert "Simon et al. 2013" in rule.source
