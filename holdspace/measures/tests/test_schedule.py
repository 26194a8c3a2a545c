from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from holdspace.measures import schedule
from holdspace.measures.library import InstrumentError

GOOD_DEFAULT = '[default]\nbaseline = ["phq9"]\n'
GOOD_DAYS = (
    "[due_days]\nbaseline = 7\nbefore_session = -1\nday_after = 1\nweek_1 = 7\n"
    "month_1 = 30\nmonth_3 = 90\nmonth_6 = 180\nshow_days_before = 3\n"
)


@pytest.fixture
def schedules_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "schedules.toml"
    monkeypatch.setattr(schedule, "SCHEDULES", path)
    schedule.schedules.cache_clear()
    yield path
    schedule.schedules.cache_clear()


def test_it_reads_the_shipped_schedule() -> None:
    assert schedule.due_offsets()["baseline"] == 7
    assert schedule.instruments_at("no such profile", "baseline") == schedule.instruments_at(
        "default", "baseline"
    )


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (GOOD_DEFAULT + GOOD_DAYS.replace("week_1 = 7", 'week_1 = "a week"'), "due_days.week_1"),
        (GOOD_DEFAULT + GOOD_DAYS + "week_2 = 14\n", "due_days.week_2"),
        (GOOD_DEFAULT + GOOD_DAYS.replace("baseline = 7", "baseline = -7"), "due_days.baseline"),
        (GOOD_DEFAULT.replace("baseline", "fortnight") + GOOD_DAYS, "profiles.default.fortnight"),
        (GOOD_DAYS + '[oregon]\nbaseline = ["phq9"]\n', "a [default] table is required"),
        (GOOD_DEFAULT.replace("phq9", "phq99") + GOOD_DAYS, "phq99"),
    ],
)
def test_it_refuses_a_malformed_schedule_naming_the_field(
    schedules_file: Path, text: str, named: str
) -> None:
    schedules_file.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError, match=named.replace(".", r"\.").replace("[", r"\[")):
        schedule.due_offsets()
