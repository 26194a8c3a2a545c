"""/api/v1/reports/colorado-admin-log: Colorado's administration-session log for a year, as
JSON or (`format=csv`) the same CSV as the page's download: 403 for anyone but the
organisation's org admins and clinical leads, 404 when its profile keeps no such log (as for
Oregon's 303 report)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.lib.api import ErrorOut, Input, ProblemOut, ValidationErrorOut, documented
from holdspace.policy.core import viewer_from_request
from holdspace.policy.regulator import ReportNotOffered, get_regulator_report_for
from holdspace.reports.regulator.colorado.selectors import (
    REPORT_ID,
    admin_log_read,
    csv_filename,
    log_csv,
    log_data,
)
from holdspace.reports.regulator.periods import PeriodError, period_or_current
from holdspace.sessions.models import Intention

router = Router(tags=["reports"])


class AdminLogQuery(Input):
    year: str = Field(
        "",
        description="The year, four digits (`2026`); absent, this year on the "
        "organisation's clock.",
    )
    format: Literal["json", "csv"] = Field("json", description="`json`, or `csv`")
    organisation_id: int | None = Field(
        None, description="The organisation; absent, the first whose reports you make."
    )


class DoseOut(Schema):
    package_number: str | None
    amount_mg: float
    units: float | None
    product_type: str | None = Field(description="The product ledger's type of the package.")
    supplemental: bool


class ParticipantRecordOut(Schema):
    participant: int = Field(description="1, 2, … in the order of their first dose.")
    package_numbers: list[str]
    product_types: list[str]
    amount_mg: float
    doses: list[DoseOut]
    dosing: Literal["single", "multiple"]
    missing: list[str]


class AdminLogRowOut(Schema):
    reference: str = Field(
        description="The session's reference: stable, not its id (a keyed hash of it)."
    )
    date: str
    duration_minutes: int | None = Field(description="From the first dose to the end.")
    participants: int = Field(description="Partners dosed.")
    facilitator_licence_numbers: list[str]
    package_numbers: list[str]
    product_types: list[str]
    intention: Intention | None
    food_and_drink: str | None
    complete: bool
    missing: list[str] = Field(description="Each field the log needs that the record lacks.")
    participant_records: list[ParticipantRecordOut]


class AdminLogOut(Schema):
    report: str
    year: int
    time_zone: str
    period_start: str
    period_end: str
    count: int = Field(description="How many sessions the year's log holds.")
    incomplete: int = Field(description="How many of them are incomplete.")
    sessions: list[AdminLogRowOut] = Field(
        description="Every session of the year, in one answer (the log is submitted whole)."
    )


@router.get(
    "/reports/colorado-admin-log",
    response=documented({200: AdminLogOut, 403: ErrorOut}),
    summary="Colorado's administration-session log for a year (org admins and clinical "
    "leads; 404 where the organisation's profile keeps no such log)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The log: JSON, or with format=csv the CSV of the page's download",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def colorado_admin_log(
    request: HttpRequest, response: HttpResponse, query: Query[AdminLogQuery]
) -> object:
    viewer = viewer_from_request(request)
    try:
        organisation, report = get_regulator_report_for(
            viewer, query.organisation_id, report=REPORT_ID
        )
    except ReportNotOffered as exc:
        return Status(404, ErrorOut(detail=str(exc)))
    try:
        period = period_or_current(query.year, "year", organisation.tzinfo)
    except PeriodError as exc:
        return _invalid("year", str(exc))
    log = admin_log_read(
        viewer=viewer, organisation=organisation, report=report, period=period, output=query.format
    )
    if query.format == "csv":
        download = HttpResponse(log_csv(log), content_type="text/csv; charset=utf-8")
        download["Content-Disposition"] = f'attachment; filename="{csv_filename(log)}"'
        download["Cache-Control"] = "no-store"
        return download
    response["Cache-Control"] = "no-store"
    return AdminLogOut.model_validate(log_data(log))


def _invalid(name: str, message: str) -> Status[ValidationErrorOut]:
    return Status(
        422,
        ValidationErrorOut(
            detail=[ProblemOut(loc=["query", name], msg=message, type="value_error")]
        ),
    )
