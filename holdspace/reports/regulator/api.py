"""/api/v1/reports/oregon-303: Oregon's 303 quarterly report as JSON or CSV, for the
organisation's org admins and clinical leads (403 for anyone else; 404 when the
organisation's profile has no such report)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.lib.api import ErrorOut, Input, ProblemOut, ValidationErrorOut, documented
from holdspace.policy.core import viewer_from_request
from holdspace.policy.regulator import ReportNotOffered, get_regulator_report_for
from holdspace.reports.regulator.oregon303 import REPORT_ID
from holdspace.reports.regulator.periods import PeriodError, period_or_current
from holdspace.reports.regulator.services import CONTENT_TYPES, oregon_303_generate

router = Router(tags=["reports"])


class Oregon303Query(Input):
    quarter: str = Field(
        "",
        description="The quarter, such as `2026Q4`, in the organisation's time zone; the "
        "current quarter when left out.",
        max_length=20,
    )
    format: Literal["json", "csv"] = Field("json", description="`json`, or `csv` (text/csv)")
    organisation_id: int | None = Field(
        None,
        description="For someone who reports for several organisations; their first by default.",
    )


class RegulatorRowOut(Schema):
    code: str
    label: str
    value: int | str | None = Field(
        description="A count; `suppressed` for a count from 1 to the threshold (or one that "
        "would give such a count away); an average as text with two decimals; null when there "
        "is nothing to average"
    )


class RegulatorGroupOut(Schema):
    code: str
    label: str
    rows: list[RegulatorRowOut]
    total: RegulatorRowOut | None


class RegulatorSectionOut(Schema):
    code: Literal["client_data", "service_center", "averages"]
    label: str
    source: str
    groups: list[RegulatorGroupOut]


class Oregon303Out(Schema):
    report: Literal["oregon-303"]
    name: str
    period: str = Field(description="The quarter, such as 2026Q4")
    period_start: dt.date
    period_end: dt.date
    due_on: dt.date | None
    time_zone: str
    profile: str
    suppression_threshold: int
    sections: list[RegulatorSectionOut]


def _invalid(message: str) -> Status[ValidationErrorOut]:
    problem = ProblemOut(loc=["query", "quarter"], msg=message, type="value_error")
    return Status(422, ValidationErrorOut(detail=[problem]))


@router.get(
    "/reports/oregon-303",
    response=documented({200: Oregon303Out, 403: ErrorOut}),
    summary="Oregon's 303 quarterly report (OAR 333-333-4910) as JSON or CSV: org admins and "
    "clinical leads",
    openapi_extra={
        "responses": {
            200: {
                "description": "The report: JSON, or with format=csv one line per cell",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def oregon_303_get(
    request: HttpRequest, query: Query[Oregon303Query]
) -> HttpResponse | Status[ErrorOut] | Status[ValidationErrorOut]:
    viewer = viewer_from_request(request)
    try:
        organisation, report = get_regulator_report_for(
            viewer, query.organisation_id, report=REPORT_ID
        )
    except ReportNotOffered as exc:
        return Status(404, ErrorOut(detail=str(exc)))
    try:
        period = period_or_current(query.quarter, "quarter", organisation.tzinfo)
    except PeriodError as exc:
        return _invalid(str(exc))
    generated = oregon_303_generate(
        viewer=viewer, organisation=organisation, report=report, period=period, output=query.format
    )
    response = HttpResponse(generated.body, content_type=CONTENT_TYPES[query.format])
    response["Cache-Control"] = "no-store"
    response["X-Report-Digest"] = generated.digest
    if query.format == "csv":
        response["Content-Disposition"] = f'attachment; filename="oregon-303-{period.label}.csv"'
    return response
