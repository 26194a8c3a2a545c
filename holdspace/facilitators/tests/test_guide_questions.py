from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from holdspace.facilitators import selectors
from holdspace.lib.schemas import DataFileError


@pytest.fixture
def questions_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "guide_questions.toml"
    monkeypatch.setattr(selectors, "GUIDE_QUESTIONS_FILE", path)
    selectors.guide_questions.cache_clear()
    yield path
    selectors.guide_questions.cache_clear()


def test_it_reads_the_shipped_questions_with_their_source() -> None:
    questions, source = selectors.guide_questions()
    assert questions and all(q.endswith("?") for q in questions)
    assert "OAR 333-333-5000" in source


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('questions = ["Who supervises you?"]\n', r"source: Field required"),
        ('source = "OAR"\nquestions = []\n', r"questions: List should have at least 1 item"),
        ('source = "OAR"\nquestions = ["Who?", ""]\n', r"questions\.1: String should have"),
        ('source = "OAR"\nquestion = ["Who?"]\n', r"question: Extra inputs"),
    ],
)
def test_it_refuses_malformed_guide_questions_naming_the_field(
    questions_file: Path, text: str, named: str
) -> None:
    questions_file.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=named):
        selectors.guide_questions()
