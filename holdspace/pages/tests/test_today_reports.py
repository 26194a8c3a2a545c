"""The Today page's line for a regulator report due within 30 days or overdue and not marked
submitted: for org admins and clinical leads only, the period just ended on the organisation's
clock, gone once marked, none where the profile gives no due day, and no more queries for it
however many marks the organisation has."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from holdspace.accounts.models import Organisation
from holdspace.conftest import Cast
from holdspace.reports.models import RegulatorSubmission
from holdspace.reports.regulator import due as due_module
from holdspace.reports.regulator.due import regulator_reports_due
from holdspace.screening.profiles import Profile, get_profile

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LINE = 'class="card today-reports"'


def _center_in_los_angeles(cast: Cast) -> Organisation:
    Organisation.objects.filter(pk=cast.center.pk).update(time_zone="America/Los_Angeles")
    cast.center.refresh_from_db()
    return cast.center


def _due(organisation: Organisation, *now: int) -> list[tuple[str, str, str, int]]:
    found = regulator_reports_due(organisation, dt.datetime(*now, tzinfo=UTC))  # type: ignore[misc]
    return [(d.report, d.period.label, d.due_on.isoformat(), d.days_left) for d in found]


DATES = [
    # (now in UTC, what is due): the quarter just ended, due 15 days after it, in Los Angeles.
    ((2026, 4, 3, 18), [("oregon-303", "2026Q1", "2026-04-15", 12)]),
    ((2026, 4, 15, 18), [("oregon-303", "2026Q1", "2026-04-15", 0)]),
    ((2026, 6, 20, 18), [("oregon-303", "2026Q1", "2026-04-15", -66)]),
    # 06:00 UTC on 1 April is still 31 March in Los Angeles: 2025Q4 is the quarter just ended.
    ((2026, 4, 1, 6), [("oregon-303", "2025Q4", "2026-01-15", -75)]),
    ((2026, 4, 1, 8), [("oregon-303", "2026Q1", "2026-04-15", 14)]),
]


@pytest.mark.parametrize(("now", "expected"), DATES)
def test_the_quarter_just_ended_is_due_fifteen_days_after_it(
    cast: Cast, now: tuple[int, ...], expected: list[tuple[str, str, str, int]]
) -> None:
    assert _due(_center_in_los_angeles(cast), *now) == expected


def test_a_marked_report_is_no_longer_due_even_if_it_changed_since(cast: Cast) -> None:
    center = _center_in_los_angeles(cast)
    RegulatorSubmission.objects.create(
        organisation=center,
        report="oregon-303",
        period="2026Q1",
        digest="0" * 64,
        submitted_by=cast.lead,
    )
    assert _due(center, 2026, 4, 3, 18) == []
    assert _due(center, 2026, 7, 3, 18) == [("oregon-303", "2026Q2", "2026-07-15", 12)]


def test_a_profile_without_a_due_day_shows_nothing(cast: Cast) -> None:
    # Colorado's profile says no due day for its log: none is invented.
    Organisation.objects.filter(pk=cast.center.pk).update(profile="colorado-natural-medicine")
    cast.center.refresh_from_db()
    assert get_profile("colorado-natural-medicine").report("colorado-admin-log") is not None
    for month in range(1, 13):
        assert _due(cast.center, 2027, month, 10, 18) == []
    assert _due(cast.trial, 2026, 4, 3, 18) == []  # a profile with no reports at all


def _with_due_days(days: int) -> Any:
    profile = get_profile("colorado-natural-medicine")
    reports = [r.model_copy(update={"due_days_after_period": days}) for r in profile.reports]
    changed: Profile = profile.model_copy(update={"reports": reports})
    return lambda name: changed if name == "colorado-natural-medicine" else get_profile(name)


def test_a_colorado_profile_that_says_when_has_last_years_log_due(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(due_module, "get_profile", _with_due_days(90))
    Organisation.objects.filter(pk=cast.center.pk).update(
        profile="colorado-natural-medicine", time_zone="America/Denver"
    )
    cast.center.refresh_from_db()
    assert _due(cast.center, 2027, 1, 15, 18) == []  # due 31 March: more than 30 days away
    assert _due(cast.center, 2027, 3, 10, 18) == [("colorado-admin-log", "2026", "2027-03-31", 21)]
    found = regulator_reports_due(cast.center, dt.datetime(2027, 3, 10, 18, tzinfo=UTC))
    assert found[0].url == f"/reports/colorado-admin-log/?org={cast.center.pk}&year=2026"


# The page --------------------------------------------------------------------------------------

EVENING = dt.datetime(2026, 4, 3, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    ("who", "shown"), [("lead", True), ("admin", True), ("facilitator", False)]
)
def test_org_admins_and_clinical_leads_see_the_line_on_today(
    cast: Cast, who: str, shown: bool
) -> None:
    _center_in_los_angeles(cast)
    with time_machine.travel(EVENING, tick=False):
        html = cast.client(who).get("/today/").content.decode().replace("&amp;", "&")
    assert (LINE in html) is shown
    link = f'href="/reports/oregon-303/?org={cast.center.pk}&quarter=2026Q1"'
    assert (link in html) is shown
    if shown:
        assert "303 quarterly report · 2026Q1" in html and "due in 12 days" in html


def test_the_line_says_overdue_and_leaves_once_marked(cast: Cast) -> None:
    center = _center_in_los_angeles(cast)
    with time_machine.travel(dt.datetime(2026, 5, 1, 18, tzinfo=UTC), tick=False):
        html = cast.client("lead").get("/today/").content.decode()
        assert "overdue by 16 days" in html
        RegulatorSubmission.objects.create(
            organisation=center,
            report="oregon-303",
            period="2026Q1",
            digest="0" * 64,
            submitted_by=cast.admin,
        )
        assert LINE not in cast.client("lead").get("/today/").content.decode()


def test_the_lines_queries_do_not_grow_with_the_marks(cast: Cast) -> None:
    center = _center_in_los_angeles(cast)
    client = cast.client("lead")

    def queries() -> int:
        with time_machine.travel(EVENING, tick=False):
            with CaptureQueriesContext(connection) as seen:
                assert client.get("/today/").status_code == 200
        return len(seen)

    queries()  # the first request of a sign-in writes its own rows
    few = queries()
    for year in range(2020, 2026):
        for quarter in range(1, 5):
            RegulatorSubmission.objects.create(
                organisation=center,
                report="oregon-303",
                period=f"{year}Q{quarter}",
                digest="0" * 64,
                submitted_by=cast.lead,
            )
    assert queries() == few
    with CaptureQueriesContext(connection) as seen:
        regulator_reports_due(center, EVENING)
    assert len(seen) == 1  # the marks of the periods due, in one query
    Organisation.objects.filter(pk=center.pk).update(profile="colorado-natural-medicine")
    center.refresh_from_db()
    with CaptureQueriesContext(connection) as seen:
        assert regulator_reports_due(center, EVENING) == []
    assert len(seen) == 0  # nothing due: nothing asked
