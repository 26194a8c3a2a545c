from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from holdspace.lib.schemas import DataFileError
from holdspace.sessions import events

SHIPPED = events._VITALS_FILE.read_text(encoding="utf-8")


@pytest.fixture
def vitals_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "vitals.toml"
    monkeypatch.setattr(events, "_VITALS_FILE", path)
    events.vital_limits.cache_clear()
    yield path
    events.vital_limits.cache_clear()


def test_it_reads_a_limit_for_every_vital_sign_the_console_accepts() -> None:
    assert set(events.vital_limits()) == set(events.VitalsData.model_fields)


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("max = 260", 'max = "very high"', r"systolic\.max"),
        ("[heart_rate]", "[pulse]", r"pulse: Extra inputs"),
        ('unit = "bpm"', 'units = "bpm"', r"heart_rate\.units"),
        ("min = 30", "min = 50", r"temperature_c: Value error, min 50 must be below max 44"),
    ],
)
def test_it_refuses_malformed_vital_limits_naming_the_field(
    vitals_file: Path, old: str, new: str, named: str
) -> None:
    assert old in SHIPPED
    vitals_file.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=named):
        events.vital_limits()
