"""The administration-session log's page and its CSV download, for the organisation's org
admins and clinical leads: the incomplete sessions first, each with what it lacks and a link
to the session's record where the care team completes it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from holdspace.accounts.models import Organisation
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.regulator import get_regulator_organisation_for
from holdspace.reports.regulator.colorado.selectors import (
    REPORT_ID,
    AdminLog,
    LogNotInProfile,
    YearInvalid,
    admin_log_read,
    csv_filename,
    log_csv,
    parse_year,
)


def _log(
    viewer: Viewer, organisation: Organisation, raw_year: str | None, output: str
) -> tuple[AdminLog | None, str, str]:
    """The log, or why there is none: (log, problem with the year, problem with the profile)."""
    try:
        year = parse_year(raw_year, organisation)
        return (
            admin_log_read(viewer=viewer, organisation=organisation, year=year, output=output),
            "",
            "",
        )
    except YearInvalid as exc:
        return None, str(exc), ""
    except LogNotInProfile as exc:
        return None, "", str(exc)


@login_required
@require_GET
def admin_log_page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_regulator_organisation_for(viewer, request.GET.get("org"), report=REPORT_ID)
    log, year_problem, profile_problem = _log(viewer, organisation, request.GET.get("year"), "page")
    return render(
        request,
        "reports/colorado_admin_log.html",
        {
            "organisation": organisation,
            "log": log,
            "year_value": request.GET.get("year", "") if log is None else log.year,
            "year_problem": year_problem,
            "profile_problem": profile_problem,
        },
        status=200 if log is not None else 422,
    )


@login_required
@require_GET
def admin_log_csv(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_regulator_organisation_for(viewer, request.GET.get("org"), report=REPORT_ID)
    log, year_problem, profile_problem = _log(viewer, organisation, request.GET.get("year"), "csv")
    if log is None:
        problem = f"year: {year_problem}" if year_problem else profile_problem
        return HttpResponse(problem + "\n", status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(log_csv(log), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(log)}"'
    response["Cache-Control"] = "no-store"
    return response
