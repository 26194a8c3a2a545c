"""Dates and times as a person reads them: in the active time zone (the organisation's, which
the request's middleware or the worker turns on), with the year whenever it is not this year.

`{{ value|when }}` shows "4 Dec, 10:00" this year and "1 Jan 1999, 10:00" otherwise;
`{{ value|day }}` shows "4 Dec" or "1 Jan 1999". Either takes the date part without its year,
in Django's date format: `{{ value|when:"l j F" }}` is "Friday 4 December, 10:00". The filters
are template builtins (settings.TEMPLATES), so a template needs no `{% load %}`.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()

DAY = "j M"
CLOCK = "H:i"


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows ("America/Denver", "UTC", …)."""
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """The IANA zone NAME ("America/Los_Angeles"); ValueError naming it when there is none."""
    if name not in zone_names():
        raise ValueError(f"{name!r} is not a time zone name such as America/Los_Angeles")
    return ZoneInfo(name)


def _local(value: dt.date, date_part: str, now: dt.datetime | None) -> tuple[dt.date, bool]:
    """VALUE in the active zone, and whether the year must be added to DATE_PART: VALUE falls
    in another year than NOW there, and DATE_PART does not show it already."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    this_year = timezone.localdate(now or timezone.now()).year
    shows_year = "Y" in date_part.replace("\\Y", "")
    return value, value.year != this_year and not shows_year


def day(value: dt.date | None, date_part: str = DAY, *, now: dt.datetime | None = None) -> str:
    """The day of VALUE (a date, or a datetime seen in the active zone)."""
    if value is None or value == "":
        return ""
    local, other_year = _local(value, date_part, now)
    return date_format(local, f"{date_part} Y" if other_year else date_part)


def when(value: dt.date | None, date_part: str = DAY, *, now: dt.datetime | None = None) -> str:
    """The day and clock time of VALUE in the active zone (a bare date: its day alone)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, dt.datetime):
        return day(value, date_part, now=now)
    local, other_year = _local(value, date_part, now)
    return date_format(local, f"{date_part} Y, {CLOCK}" if other_year else f"{date_part}, {CLOCK}")


@register.filter(name="when", expects_localtime=False)
def when_filter(value: dt.date | None, date_part: str = DAY) -> str:
    return when(value, date_part)


@register.filter(name="day", expects_localtime=False)
def day_filter(value: dt.date | None, date_part: str = DAY) -> str:
    return day(value, date_part)
