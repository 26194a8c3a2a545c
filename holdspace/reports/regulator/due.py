"""Which regulator reports are due soon or overdue and not yet marked submitted: the line on
the Today page of an organisation's org admins and clinical leads.

The period a report is due for is the one that has just ended (Oregon's 303 report: the quarter
before this one, due 15 days after it). A report whose profile gives no due day (Colorado's
administration-session log, submitted when the state asks) is never due here: no date is
invented for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode

from holdspace.accounts.models import Organisation
from holdspace.reports.models import RegulatorSubmission
from holdspace.reports.regulator.periods import Period, current_period
from holdspace.screening.profiles import get_profile

# A report is on Today from this many days before it is due until it is marked submitted.
DUE_WARNING_DAYS = 30
# Each report's page (its URL name).
PAGES = {"oregon-303": "oregon_303", "colorado-admin-log": "colorado_admin_log"}


@dataclass(frozen=True)
class ReportDue:
    report: str  # the report's id
    name: str
    period: Period
    due_on: dt.date
    days_left: int  # negative once overdue
    url: str

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


def regulator_reports_due(organisation: Organisation, now: dt.datetime) -> list[ReportDue]:
    """ORGANISATION's reports of the period just ended that are due within DUE_WARNING_DAYS of
    NOW, or overdue, and not marked submitted; in at most one query, however many reports its
    profile has (none when nothing is due)."""
    zone = organisation.tzinfo
    today = now.astimezone(zone).date()
    found: list[ReportDue] = []
    for report in get_profile(organisation.profile).reports:
        if report.due_days_after_period is None or report.id not in PAGES:
            continue
        period = current_period(report.period, zone, now).previous()
        due_on = period.due_on(report.due_days_after_period)
        assert due_on is not None
        if (due_on - today).days > DUE_WARNING_DAYS:
            continue
        query = urlencode({"org": str(organisation.pk), report.period: period.label})
        found.append(
            ReportDue(
                report.id,
                report.name,
                period,
                due_on,
                (due_on - today).days,
                f"{reverse(PAGES[report.id])}?{query}",
            )
        )
    if not found:
        return []
    marked = set(
        RegulatorSubmission.objects.filter(
            organisation=organisation,
            report__in=[d.report for d in found],
            period__in=[d.period.label for d in found],
        ).values_list("report", "period")
    )
    return [d for d in found if (d.report, d.period.label) not in marked]
