"""|when and |day: a date shows its year whenever it is not this year, counted on the active
clock, so the last evening of December in Oregon is still "this year" there."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from holdspace.lib.when import day, when, zone

UTC = dt.UTC
LA = ZoneInfo("America/Los_Angeles")
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (dt.datetime(2026, 12, 4, 10, 0, tzinfo=UTC), "4 Dec, 10:00"),
        (dt.datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "1 Jan, 00:00"),
        (dt.datetime(1999, 1, 1, 10, 0, tzinfo=UTC), "1 Jan 1999, 10:00"),
        (dt.datetime(2027, 3, 9, 8, 5, tzinfo=UTC), "9 Mar 2027, 08:05"),
        (None, ""),
    ],
)
def test_it_shows_the_year_only_when_it_is_not_this_year(
    value: dt.datetime | None, shown: str
) -> None:
    with timezone.override(UTC):
        assert when(value) == shown


@time_machine.travel(NOW, tick=False)
def test_it_shows_a_day_with_its_year_when_needed_and_never_twice() -> None:
    with timezone.override(UTC):
        assert day(dt.date(2026, 12, 25)) == "25 Dec"
        assert day(dt.date(1999, 1, 1)) == "1 Jan 1999"
        assert day(dt.date(2025, 12, 31), "D j M") == "Wed 31 Dec 2025"
        # A format that already shows the year keeps it once.
        assert day(dt.date(1999, 1, 1), "j M Y") == "1 Jan 1999"
        assert when(dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC), "l j F") == (
            "Sunday 1 June 2025, 09:00"
        )
        # A bare date given to |when is its day.
        assert when(dt.date(1999, 1, 1)) == "1 Jan 1999"


def test_it_counts_this_year_and_the_day_on_the_active_clock_across_midnight() -> None:
    # 03:00 UTC on New Year's Day is still 19:00 on 31 December in Los Angeles.
    now = dt.datetime(2027, 1, 1, 3, 0, tzinfo=UTC)
    evening = dt.datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    after_midnight_utc = dt.datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    with timezone.override(UTC):
        assert when(evening, now=now) == "31 Dec 2026, 20:00"
        assert when(after_midnight_utc, now=now) == "1 Jan, 02:00"
        assert day(after_midnight_utc, now=now) == "1 Jan"
    with timezone.override(LA):
        assert when(evening, now=now) == "31 Dec, 12:00"
        assert when(after_midnight_utc, now=now) == "31 Dec, 18:00"
        assert day(after_midnight_utc, now=now) == "31 Dec"


@time_machine.travel(NOW, tick=False)
def test_it_offers_the_filters_without_load_in_the_active_zone() -> None:
    template = Template('{{ at|when }} · {{ at|day:"D j M" }} · {{ old|when }} · {{ none|day }}')
    context = Context(
        {
            "at": dt.datetime(2026, 12, 4, 18, 30, tzinfo=UTC),
            "old": dt.datetime(1999, 1, 1, 18, 0, tzinfo=UTC),
            "none": None,
        }
    )
    with timezone.override(LA):
        assert template.render(context) == "4 Dec, 10:30 · Fri 4 Dec · 1 Jan 1999, 10:00 · "


@pytest.mark.parametrize("name", ["", "Mars/Olympus", " UTC", "utc", "../etc/passwd", "PST"])
def test_it_refuses_what_is_not_a_time_zone_by_name(name: str) -> None:
    with pytest.raises(ValueError, match="is not a time zone name"):
        zone(name)


def test_it_knows_the_zones_the_profiles_suggest() -> None:
    assert zone("America/Los_Angeles") == LA
    assert zone("America/Denver").key == "America/Denver"
    assert zone("UTC").key == "UTC"
