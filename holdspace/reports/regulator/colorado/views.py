"""The administration-session log's page, its CSV download and its submission mark, for the
organisation's org admins and clinical leads: the incomplete sessions first, each with what it
lacks and a link to the session's record where the care team completes it. A profile without
the log is told so with a 404, as for every regulator report (`policy.regulator`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from holdspace.accounts.models import Organisation
from holdspace.lib.http import post_only
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.regulator import (
    ReportNotOffered,
    get_regulator_report_for,
    regulator_report_offered,
)
from holdspace.reports.regulator.colorado.selectors import (
    REPORT_ID,
    admin_log,
    admin_log_read,
    csv_filename,
    log_csv,
)
from holdspace.reports.regulator.pages import report_not_offered
from holdspace.reports.regulator.periods import PeriodError, parse_period, period_or_current
from holdspace.reports.regulator.render import digest
from holdspace.reports.regulator.services import regulator_mark_read, regulator_submission_mark
from holdspace.screening.profiles import RegulatorReport


def _page(
    request: HttpRequest,
    viewer: Viewer,
    organisation: Organisation,
    report: RegulatorReport,
    raw: str | None,
    *,
    mark_error: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {
        "organisation": organisation,
        "log": None,
        "year_value": raw or "",
        "year_problem": "",
        "mark_error": mark_error,
        "organisations": regulator_report_offered(viewer, REPORT_ID),
    }
    try:
        period = period_or_current(raw, "year", organisation.tzinfo)
    except PeriodError as exc:
        context["year_problem"] = str(exc)
        return render(request, "reports/colorado_admin_log.html", context, status=422)
    log = admin_log_read(
        viewer=viewer, organisation=organisation, report=report, period=period, output="page"
    )
    mark = regulator_mark_read(
        organisation=organisation, report=REPORT_ID, period=period, csv_body=log_csv(log).encode()
    )
    context.update(
        log=log,
        year_value=log.year,
        period=period,
        due_on=period.due_on(report.due_days_after_period),
        mark=mark,
    )
    return render(
        request, "reports/colorado_admin_log.html", context, status=422 if mark_error else 200
    )


@login_required
@require_GET
def admin_log_page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    try:
        organisation, report = get_regulator_report_for(
            viewer, request.GET.get("org"), report=REPORT_ID, attempted="read"
        )
    except ReportNotOffered as exc:
        return report_not_offered(request, exc)
    return _page(request, viewer, organisation, report, request.GET.get("year"))


@login_required
@require_GET
def admin_log_csv(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    try:
        organisation, report = get_regulator_report_for(
            viewer, request.GET.get("org"), report=REPORT_ID, attempted="export"
        )
    except ReportNotOffered as exc:
        return report_not_offered(request, exc)
    try:
        period = period_or_current(request.GET.get("year"), "year", organisation.tzinfo)
    except PeriodError as exc:
        return HttpResponse(f"year: {exc}\n", status=422, content_type="text/plain; charset=utf-8")
    log = admin_log_read(
        viewer=viewer, organisation=organisation, report=report, period=period, output="csv"
    )
    response = HttpResponse(log_csv(log), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(log)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@post_only
def admin_log_submit(request: HttpRequest) -> HttpResponse:
    """Mark the year's log submitted, as it was shown (its digest); incomplete sessions are
    warned of on the page, not refused."""
    viewer = viewer_from_request(request)
    try:
        organisation, report = get_regulator_report_for(
            viewer, request.POST.get("org"), report=REPORT_ID, attempted="mark submitted"
        )
    except ReportNotOffered as exc:
        return report_not_offered(request, exc)
    raw = request.POST.get("year", "")
    try:
        period = parse_period(raw, "year", organisation.tzinfo)
    except PeriodError as exc:
        return _page(request, viewer, organisation, report, raw, mark_error=str(exc))
    log = admin_log(organisation, period.first_day.year, report=report)
    try:
        regulator_submission_mark(
            viewer=viewer,
            organisation=organisation,
            report=REPORT_ID,
            period=period,
            digest_seen=request.POST.get("digest", ""),
            digest_now=digest(log_csv(log).encode()),
        )
    except ValidationError as exc:
        return _page(request, viewer, organisation, report, raw, mark_error=" ".join(exc.messages))
    messages.success(
        request, _("The %(period)s log is marked submitted.") % {"period": period.label}
    )
    query = urlencode({"org": str(organisation.pk), "year": period.label})
    return redirect(f"{reverse('colorado_admin_log')}?{query}")
