"""The periods a regulator report covers: a quarter (`2026Q4`) or a year (`2026`), bounded at
local midnight in the organisation's time zone, and the day the report is due.

Shared by every regulator report (Oregon's 303 report, Colorado's administration-session log):
nothing here knows which report asks."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from django.utils import timezone

PeriodKind = Literal["quarter", "year"]

# ASCII digits only: `\d` would take full-width ones (`２０２６`), which no one means to type.
_QUARTER = re.compile(r"^(?P<year>[0-9]{4})Q(?P<quarter>[1-4])$")
_YEAR = re.compile(r"^(?P<year>[0-9]{4})$")
# Reports are asked for from the year the state rules began to the near future.
FIRST_YEAR = 2020
LAST_YEAR = 2100


class PeriodError(ValueError):
    """A period that is not one: the message says what was expected."""


@dataclass(frozen=True)
class Period:
    """A quarter or year: its label, its first and last day, and the instants it runs between
    (`starts_at` inclusive, `ends_at` exclusive), both at local midnight in `zone`."""

    kind: PeriodKind
    label: str
    first_day: dt.date
    last_day: dt.date
    zone: ZoneInfo

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time.min, tzinfo=self.zone)

    @property
    def ends_at(self) -> dt.datetime:
        return dt.datetime.combine(
            self.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=self.zone
        )

    @property
    def ended(self) -> bool:
        """Whether the period is over on the organisation's clock (its report is final)."""
        return timezone.now() >= self.ends_at

    def contains(self, moment: dt.datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    def due_on(self, days_after: int | None) -> dt.date | None:
        """The day the report is due, DAYS_AFTER the period's last day (None: no deadline)."""
        return None if days_after is None else self.last_day + dt.timedelta(days=days_after)

    def previous(self, count: int = 1) -> Period:
        if self.kind == "year":
            return year_period(self.first_day.year - count, self.zone)
        index = self.first_day.year * 4 + (self.first_day.month - 1) // 3 - count
        return quarter_period(index // 4, index % 4 + 1, self.zone)


def quarter_period(year: int, quarter: int, zone: ZoneInfo) -> Period:
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    following = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return Period("quarter", f"{year}Q{quarter}", first, following - dt.timedelta(days=1), zone)


def year_period(year: int, zone: ZoneInfo) -> Period:
    return Period("year", f"{year}", dt.date(year, 1, 1), dt.date(year, 12, 31), zone)


def parse_period(text: str, kind: PeriodKind, zone: ZoneInfo) -> Period:
    """The period TEXT names (`2026Q4` for a quarter, `2026` for a year) in ZONE; PeriodError
    saying what is expected for anything else."""
    raw = (text or "").strip()
    pattern, example = (_QUARTER, "2026Q4") if kind == "quarter" else (_YEAR, "2026")
    found = pattern.match(raw.upper())
    if not found:
        shown = raw[:20] + ("…" if len(raw) > 20 else "")
        raise PeriodError(
            f"Give the {kind} as {example}"
            + (" (a year, Q and 1 to 4)" if kind == "quarter" else " (four digits)")
            + (f", not {shown!r}." if shown else ".")
        )
    year = int(found["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(f"The year must be between {FIRST_YEAR} and {LAST_YEAR}.")
    if kind == "year":
        return year_period(year, zone)
    return quarter_period(year, int(found["quarter"]), zone)


def period_or_current(text: object, kind: PeriodKind, zone: ZoneInfo) -> Period:
    """The period TEXT names (`?quarter=`, `?year=`, the API's field); absent or blank, the
    current one in ZONE. PeriodError as parse_period for anything else."""
    raw = str(text if text is not None else "").strip()
    return parse_period(raw, kind, zone) if raw else current_period(kind, zone)


def current_period(kind: PeriodKind, zone: ZoneInfo, now: dt.datetime | None = None) -> Period:
    """The quarter or year it is now in ZONE."""
    today = (now or timezone.now()).astimezone(zone).date()
    if kind == "year":
        return year_period(today.year, zone)
    return quarter_period(today.year, (today.month - 1) // 3 + 1, zone)


def recent_periods(kind: PeriodKind, zone: ZoneInfo, count: int = 8) -> list[Period]:
    """The current period and the COUNT - 1 before it, newest first (a page's chooser)."""
    now = current_period(kind, zone)
    return [now.previous(i) if i else now for i in range(count)]
