"""Oregon's 303 quarterly report as a page (with its quarter chooser, due day, CSV download
and submission mark), for the organisation's org admins and clinical leads."""

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
from holdspace.reports.regulator.oregon303 import REPORT_ID
from holdspace.reports.regulator.pages import report_not_offered
from holdspace.reports.regulator.periods import (
    Period,
    PeriodError,
    parse_period,
    period_or_current,
    recent_periods,
)
from holdspace.reports.regulator.render import digest
from holdspace.reports.regulator.services import (
    CONTENT_TYPES,
    oregon_303_build,
    oregon_303_generate,
    regulator_submission_mark,
)
from holdspace.screening.profiles import RegulatorReport


def _period(organisation: Organisation, raw: str | None) -> Period:
    return period_or_current(raw, "quarter", organisation.tzinfo)


def _choices(organisation: Organisation, chosen: Period | None) -> list[str]:
    labels = [p.label for p in recent_periods("quarter", organisation.tzinfo)]
    if chosen is not None and chosen.label not in labels:
        labels.insert(0, chosen.label)
    return labels


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
        "report_settings": report,
        "quarter_raw": raw or "",
        "organisations": regulator_report_offered(viewer, REPORT_ID),
        "mark_error": mark_error,
    }
    try:
        period = _period(organisation, raw)
    except PeriodError as exc:
        context.update(quarter_error=str(exc), choices=_choices(organisation, None))
        return render(request, "reports/regulator/oregon303.html", context, status=400)
    generated = oregon_303_generate(
        viewer=viewer, organisation=organisation, report=report, period=period, output="page"
    )
    context.update(
        period=period,
        choices=_choices(organisation, period),
        generated=generated,
        report=generated.report,
        query=urlencode({"org": str(organisation.pk), "quarter": period.label}),
    )
    return render(
        request, "reports/regulator/oregon303.html", context, status=422 if mark_error else 200
    )


@login_required
@require_GET
def oregon_303_page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    try:
        organisation, report = get_regulator_report_for(
            viewer, request.GET.get("org"), report=REPORT_ID, attempted="read"
        )
    except ReportNotOffered as exc:
        return report_not_offered(request, exc)
    return _page(request, viewer, organisation, report, request.GET.get("quarter"))


@login_required
@require_GET
def oregon_303_csv(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    try:
        organisation, report = get_regulator_report_for(
            viewer, request.GET.get("org"), report=REPORT_ID, attempted="export"
        )
    except ReportNotOffered as exc:
        return report_not_offered(request, exc)
    try:
        period = _period(organisation, request.GET.get("quarter"))
    except PeriodError as exc:
        return HttpResponse(
            f"quarter: {exc}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    generated = oregon_303_generate(
        viewer=viewer, organisation=organisation, report=report, period=period, output="csv"
    )
    response = HttpResponse(generated.body, content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="oregon-303-{period.label}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@post_only
def oregon_303_submit(request: HttpRequest) -> HttpResponse:
    """Mark the quarter's report submitted, as it was shown (its digest)."""
    viewer = viewer_from_request(request)
    try:
        organisation, report = get_regulator_report_for(
            viewer, request.POST.get("org"), report=REPORT_ID, attempted="mark submitted"
        )
    except ReportNotOffered as exc:
        return report_not_offered(request, exc)
    raw = request.POST.get("quarter", "")
    try:
        period = parse_period(raw, "quarter", organisation.tzinfo)
    except PeriodError as exc:
        return _page(request, viewer, organisation, report, raw, mark_error=str(exc))
    _built, csv_body = oregon_303_build(organisation=organisation, report=report, period=period)
    try:
        regulator_submission_mark(
            viewer=viewer,
            organisation=organisation,
            report=REPORT_ID,
            period=period,
            digest_seen=request.POST.get("digest", ""),
            digest_now=digest(csv_body),
        )
    except ValidationError as exc:
        return _page(request, viewer, organisation, report, raw, mark_error=" ".join(exc.messages))
    messages.success(
        request, _("The %(period)s report is marked submitted.") % {"period": period.label}
    )
    query = urlencode({"org": str(organisation.pk), "quarter": period.label})
    return redirect(f"{reverse('oregon_303')}?{query}")
