"""citation(): the regulation, paper or trial a rule cites, never our own research notes."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from holdspace.lib.citations import citation

# Our research notes, as a reader would spot them (written out here, not taken from the
# helper, so the helper cannot agree with itself).
NOTES = re.compile(
    r"(?i)from memory|not (?:yet )?checked against|unverified|reference notes|reference part"
    r"|not bundled|quoted (?:at|by|in|from)|reproduced at|\bvia\b|excerpt|was not (?:read|found)"
    r"|https?://|\b[a-z0-9-]+\.(?:com|org|net|gov)\b|\.(?:rst|md|ts|json)\b|psytools|camcops"
)

# (note in a data file, citation shown, short citation for an alert card)
EXAMPLES = [
    (
        "Reference notes §3: MAPS protocols re-measured above about 160/110 mmHg or a pulse above "
        "about 110 bpm (from memory; not checked against the MAPP1/MAPP2 protocol); Kolbrich et "
        "al. 2008, PMC2587205 (MDMA raised HR to 132 bpm and BP to 171/102). Low pulse and "
        "temperature limits are a Holdspace precaution",
        "Kolbrich et al. 2008, PMC2587205 (MDMA raised HR to 132 bpm and BP to 171/102). Low "
        "pulse and temperature limits are a Holdspace precaution",
        "Kolbrich et al. 2008, PMC2587205",
    ),
    (
        "Any score above 0 raises a flag (psytools item-9 flag; Simon et al. 2013, Psychiatric "
        "Services)",
        "Any score above 0 raises a flag (Simon et al. 2013, Psychiatric Services)",
        "Simon et al. 2013, Psychiatric Services",
    ),
    (
        "OHA Client Bill of Rights (reproduced at thesacredmushroompdx.com/ops-bill-of-rights)",
        "OHA Client Bill of Rights",
        "OHA Client Bill of Rights",
    ),
    (
        "NCT03537014 inclusion list via NCT06189027 (consent to recording of sessions)",
        "NCT03537014 inclusion list (consent to recording of sessions)",
        "NCT03537014 inclusion list",
    ),
    (
        "Provisional PTSD: total 31–33 or more (National Center for PTSD, via CamCOPS pcl5.rst)",
        "Provisional PTSD: total 31–33 or more (National Center for PTSD)",
        "Provisional PTSD: total 31–33 or more",
    ),
    (
        "OAR 333-333-5050(1)(j) (text cut off in the excerpt read); OHA client page (ineligible "
        "if ever diagnosed with active psychosis)",
        "OAR 333-333-5050(1)(j); OHA client page (ineligible if ever diagnosed with active "
        "psychosis)",
        "OAR 333-333-5050(1)(j); OHA client page",
    ),
    (
        "OAR 333-333-5250 and 333-333-5230 (tables stop at 50 mg); penumbrapsychedelic.com "
        "2022-12-19; the quantity-limit rule OAR 333-333-2200 itself was not read",
        "OAR 333-333-5250 and 333-333-5230 (tables stop at 50 mg)",
        "OAR 333-333-5250 and 333-333-5230",
    ),
    (
        "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity "
        "measure. J Gen Intern Med. 2001;16(9):606-613.",
        "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity "
        "measure. J Gen Intern Med. 2001;16(9):606-613",
        "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity "
        "measure",
    ),
    (
        "Phase-3 MDMA exclusion list from memory (liver disease), not checked against NCT03537014",
        "",
        "",
    ),
    ("Holdspace data-entry plausibility limits (wider than any survivable reading)", None, None),
    ("", "", ""),
]


@pytest.mark.parametrize(("note", "shown", "short"), EXAMPLES)
def test_it_keeps_the_citation_and_drops_our_notes(
    note: str, shown: str | None, short: str | None
) -> None:
    assert citation(note) == (note if shown is None else shown)
    assert citation(note, short=True) == (
        "Holdspace data-entry plausibility limits" if short is None else short
    )


def _sources(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in {"source", "citation"} and isinstance(item, str):
                yield f"{path}.{key}", item
            else:
                yield from _sources(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _sources(item, f"{path}[{index}]")


DATA = Path(__file__).resolve().parents[2]
NOTED = [
    pytest.param(text, id=f"{file.relative_to(DATA)}{where}")
    for file in sorted(DATA.glob("*/*.toml"))
    for where, text in _sources(tomllib.loads(file.read_text()))
    if NOTES.search(text)
]


def test_it_finds_the_notes_the_data_files_keep() -> None:
    assert len(NOTED) > 20


@pytest.mark.parametrize("note", NOTED)
def test_it_leaves_no_note_of_a_data_file_in_its_citation(note: str) -> None:
    for shown in (citation(note), citation(note, short=True)):
        assert not NOTES.search(shown), shown
        assert shown == "" or all(word in note for word in re.findall(r"[A-Za-z]{4,}", shown))
