"""Quarters and years: what is accepted, the instants they run between (local midnight in the
organisation's zone) and the day a report is due."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from holdspace.reports.regulator.periods import (
    PeriodError,
    current_period,
    parse_period,
    period_or_current,
    recent_periods,
)

LA = ZoneInfo("America/Los_Angeles")
UTC = dt.UTC

QUARTERS = [
    ("2026Q4", "2026-10-01", "2026-12-31", "2027-01-15"),
    ("2026q1", "2026-01-01", "2026-03-31", "2026-04-15"),
    (" 2025Q2 ", "2025-04-01", "2025-06-30", "2025-07-15"),
    ("2024Q3", "2024-07-01", "2024-09-30", "2024-10-15"),
]


@pytest.mark.parametrize(("text", "first", "last", "due"), QUARTERS)
def test_it_reads_a_quarter(text: str, first: str, last: str, due: str) -> None:
    period = parse_period(text, "quarter", LA)
    assert (period.first_day.isoformat(), period.last_day.isoformat()) == (first, last)
    assert period.due_on(15) == dt.date.fromisoformat(due)
    assert period.due_on(None) is None


BAD = [
    ("", "Give the quarter as 2026Q4"),
    ("2026", "Give the quarter as 2026Q4"),
    ("2026Q5", "Give the quarter as 2026Q4"),
    ("2026-Q4", "not '2026-Q4'"),
    ("Q4 2026", "Give the quarter as 2026Q4"),
    ("1999Q1", "between 2020 and 2100"),
    ("x" * 200, "…"),
]


@pytest.mark.parametrize(("text", "said"), BAD)
def test_it_refuses_what_is_not_a_quarter_saying_why(text: str, said: str) -> None:
    with pytest.raises(PeriodError, match=said.replace("?", r"\?")):
        parse_period(text, "quarter", LA)


def test_it_reads_a_year_and_refuses_a_quarter_for_one() -> None:
    year = parse_period("2026", "year", LA)
    assert (year.first_day, year.last_day) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    with pytest.raises(PeriodError, match="Give the year as 2026"):
        parse_period("2026Q1", "year", LA)


MOMENTS = [
    # 23:30 local on 31 Dec is Q4 (07:30 UTC on 1 Jan); 00:30 local on 1 Jan is next Q1.
    (dt.datetime(2026, 1, 1, 7, 30, tzinfo=UTC), "2025Q4", True),
    (dt.datetime(2026, 1, 1, 8, 30, tzinfo=UTC), "2025Q4", False),
    (dt.datetime(2026, 1, 1, 8, 30, tzinfo=UTC), "2026Q1", True),
    (dt.datetime(2026, 1, 1, 7, 59, 59, tzinfo=UTC), "2026Q1", False),
    # Summer time: midnight on 1 Jul is 07:00 UTC.
    (dt.datetime(2026, 7, 1, 6, 59, tzinfo=UTC), "2026Q2", True),
    (dt.datetime(2026, 7, 1, 7, 0, tzinfo=UTC), "2026Q3", True),
]


@pytest.mark.parametrize(("moment", "quarter", "inside"), MOMENTS)
def test_it_bounds_a_quarter_at_local_midnight(
    moment: dt.datetime, quarter: str, inside: bool
) -> None:
    assert parse_period(quarter, "quarter", LA).contains(moment) is inside


def test_it_knows_the_current_quarter_on_the_organisations_clock() -> None:
    new_year_in_utc = dt.datetime(2026, 1, 1, 3, tzinfo=UTC)  # still 31 Dec in Los Angeles
    assert current_period("quarter", LA, new_year_in_utc).label == "2025Q4"
    assert current_period("quarter", ZoneInfo("UTC"), new_year_in_utc).label == "2026Q1"
    assert current_period("year", LA, new_year_in_utc).label == "2025"
    labels = [p.label for p in recent_periods("quarter", LA, 3)]
    assert len(labels) == 3 and labels[0] == current_period("quarter", LA).label
    assert parse_period("2026Q1", "quarter", LA).previous().label == "2025Q4"


YEARS_REFUSED = [
    ("20266", "not '20266'"),  # a typing slip, not the year 20266
    ("２０２６", "four digits"),  # full-width digits: Python's \d would take them
    ("26", "Give the year as 2026"),
    ("2026Q1", "Give the year as 2026"),
    ("1999", "between 2020 and 2100"),
]


@pytest.mark.parametrize(("text", "said"), YEARS_REFUSED)
def test_it_refuses_what_is_not_a_year_saying_why(text: str, said: str) -> None:
    with pytest.raises(PeriodError, match=said):
        parse_period(text, "year", LA)


def test_a_year_runs_from_local_midnight_to_local_midnight() -> None:
    denver = ZoneInfo("America/Denver")
    year = parse_period(" 2026 ", "year", denver)
    assert year.starts_at == dt.datetime(2026, 1, 1, 7, tzinfo=UTC)
    assert year.ends_at == dt.datetime(2027, 1, 1, 7, tzinfo=UTC)
    assert not year.contains(dt.datetime(2026, 1, 1, 6, 59, tzinfo=UTC))
    assert year.contains(dt.datetime(2027, 1, 1, 6, 59, tzinfo=UTC))


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_no_period_given_means_the_current_one(blank: str | None) -> None:
    assert period_or_current(blank, "year", LA) == current_period("year", LA)
    assert period_or_current(blank, "quarter", LA) == current_period("quarter", LA)
    assert period_or_current("2025", "year", LA).label == "2025"
    with pytest.raises(PeriodError):
        period_or_current("x", "year", LA)
