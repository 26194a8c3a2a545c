"""/api/v1/couples/{id}/report: the couple progress report as JSON or PDF."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from holdspace.couples.models import EntryKind, Stage
from holdspace.lib.api import ErrorOut, documented
from holdspace.measures.scoring import ChangeStatus
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.reports.progress.pdf import pdf_response
from holdspace.reports.progress.selectors import progress_report
from holdspace.sessions.models import SessionStatus

router = Router(tags=["reports"])


class ReportQuery(Schema):
    variant: Literal["couple", "clinical"] = Field(
        "couple",
        description="`couple`: what both partners may see. `clinical`: what the care team may "
        "see (care team only).",
    )
    format: Literal["json", "pdf"] = Field("json", description="`json`, or `pdf` (A4)")


class ReportSummaryOut(Schema):
    text: str
    author: str
    created_at: dt.datetime


class ReportMilestoneOut(Schema):
    at: dt.datetime
    kind: Literal[
        "couple",
        "screening",
        "preparation",
        "medicine_session",
        "integration",
        "measures",
        "commitment",
    ]
    label: str


class ReportEntryOut(Schema):
    kind: EntryKind
    kind_label: str
    author: str
    visibility: Literal["team", "couple"]
    body: str
    has_audio: bool
    created_at: dt.datetime


class ReportScoreChangeOut(Schema):
    partner: str
    baseline: float | None
    latest: float | None
    latest_label: str = Field(description="The timepoint of the latest score")
    status: ChangeStatus | Literal[""] = Field(description="Empty when not assessed")
    words: str


class ReportScoreRowOut(Schema):
    label: str
    values: list[float | None] = Field(description="One per partner in `partners`")


class ReportMeasureOut(Schema):
    code: str
    name: str
    short_name: str
    higher_is_better: bool
    partners: list[str]
    rows: list[ReportScoreRowOut]
    changes: list[ReportScoreChangeOut]
    svg: str = Field(description="The chart, as an accessible SVG document")


class ReportDoseOut(Schema):
    partner: str
    at: dt.datetime
    label: str
    amount_mg: float
    product: str
    lot: str
    corrected: bool


class ReportAdverseEventOut(Schema):
    partner: str = Field(description="Empty for an event about both partners")
    at: dt.datetime
    severity: str
    description: str
    emergency_services: bool
    medical_care: bool
    action_taken: str
    outcome: str
    corrected: bool


class ReportMedicineSessionOut(Schema):
    id: int
    starts_at: dt.datetime
    status: SessionStatus
    status_label: str
    substance: str = Field(description="Clinical variant only")
    doses: list[ReportDoseOut] = Field(description="Clinical variant only")
    adverse_events: list[ReportAdverseEventOut] = Field(description="Clinical variant only")
    integration_offer: str = Field(description="Clinical variant only")


class ReportIntegrationSessionOut(Schema):
    held_at: dt.datetime
    with_whom: str
    facilitator: str
    carry_forward: str
    notes: str = Field(description="The care team's notes: clinical variant only")


class ReportCommitmentOut(Schema):
    description: str
    cadence_label: str
    keepers: list[str]
    adherence: int | None = Field(description="Percent of expected check-ins marked done")
    started_on: dt.date
    ended: bool


class ReportPartnerClinicalOut(Schema):
    name: str
    screening: str
    screened_at: dt.datetime | None
    overridden: bool
    themes: list[str]
    own_words: str


class ProgressReportOut(Schema):
    couple_id: int
    couple_name: str
    organisation_name: str
    variant: Literal["couple", "clinical"]
    variant_label: str
    generated_at: dt.datetime
    generated_by: str
    stage: Stage
    stage_label: str
    partners: list[str]
    care_team: list[str]
    summary: ReportSummaryOut | None
    timeline: list[ReportMilestoneOut]
    intentions: list[ReportEntryOut]
    reflections: list[ReportEntryOut]
    entries_truncated: bool
    measures: list[ReportMeasureOut]
    measures_withheld: list[str] = Field(
        description="Partners whose scores are kept with the care team (couple variant)"
    )
    medicine_sessions: list[ReportMedicineSessionOut]
    integration_sessions: list[ReportIntegrationSessionOut]
    commitments: list[ReportCommitmentOut]
    partners_clinical: list[ReportPartnerClinicalOut] = Field(
        description="Screening and themes per partner: clinical variant only"
    )
    readiness: str = Field(description="The readiness gate in one sentence: clinical only")


@router.get(
    "/couples/{couple_id}/report",
    response=documented({200: ProgressReportOut, 403: ErrorOut}),
    summary="The couple progress report (couple variant: partners and care team; clinical "
    "variant: care team), as JSON or PDF",
    openapi_extra={
        "responses": {
            200: {
                "description": "The report: JSON, or with format=pdf an A4 PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def progress_report_get(
    request: HttpRequest, response: HttpResponse, couple_id: int, query: Query[ReportQuery]
) -> ProgressReportOut | HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    report = progress_report(viewer, couple, query.variant, output=query.format)
    if query.format == "pdf":
        return pdf_response(report)
    response["Cache-Control"] = "no-store"
    out: ProgressReportOut = ProgressReportOut.model_validate(report, from_attributes=True)
    return out
