"""Reads of the couple progress report: the report itself (audited as generated), the page
around it, and the history of the facilitator's summaries."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.audit.actions import Action
from holdspace.couples.models import Couple, Stage
from holdspace.integration.models import IntegrationSession
from holdspace.integration.selectors import couple_commitments
from holdspace.policy.core import Viewer
from holdspace.policy.reports import (
    can_generate_progress_report,
    can_write_progress_summary,
    require_progress_report,
)
from holdspace.reports.models import ProgressSummary
from holdspace.reports.progress import parts
from holdspace.reports.progress.types import (
    HELD,
    VARIANT_LABELS,
    CommitmentSummary,
    IntegrationSummary,
    ProgressReport,
    Summary,
    Variant,
)
from holdspace.sessions.models import MedicineSession, SessionStatus


def progress_report(
    viewer: Viewer, couple: Couple, variant: str, *, output: str = "html"
) -> ProgressReport:
    """The progress report of COUPLE (from get_couple_for) as VARIANT shows it to VIEWER,
    audited as generated in OUTPUT (html, pdf or json). A constant number of queries."""
    require_progress_report(viewer, couple, variant)
    records = _records(viewer, couple, variant == "clinical")
    report = _report(viewer, couple, records)
    viewer.audit(Action.REPORT_GENERATE, couple, report="progress", variant=variant, format=output)
    return report


def _records(viewer: Viewer, couple: Couple, clinical: bool) -> parts.Records:
    responses, withheld = parts.scored_responses(viewer, couple, clinical)
    return parts.Records(
        clinical=clinical,
        names={p.user_id: p.user.display_name for p in couple.loaded_partners},
        responses=responses,
        withheld=withheld,
        sessions=list(
            MedicineSession.objects.filter(organisation_id=couple.organisation_id, couple=couple)
            .exclude(status=SessionStatus.CANCELLED)
            .order_by("starts_at", "id")
        ),
        integration=list(
            IntegrationSession.objects.filter(
                organisation_id=couple.organisation_id, couple=couple, status="held"
            )
            .select_related("facilitator")
            .order_by("held_at", "id")
        ),
        commitments=[
            CommitmentSummary(
                description=v.current.description,
                cadence_label=str(v.current.get_cadence_display()),
                keepers=[name for _uid, name in v.keepers],
                adherence=v.adherence,
                started_on=v.current.starts_on,
                ended=v.commitment.ended_at is not None,
            )
            for v in couple_commitments(couple)
        ],
    )


def _report(viewer: Viewer, couple: Couple, records: parts.Records) -> ProgressReport:
    clinical, names, sessions = records.clinical, records.names, records.sessions
    variant: Variant = "clinical" if clinical else "couple"
    intentions, reflections, truncated = parts.entries_for(viewer, couple, clinical, names)
    held_dates = [s.started_at or s.starts_at for s in sessions if s.status in HELD]
    return ProgressReport(
        couple_id=couple.pk,
        couple_name=couple.name,
        organisation_name=couple.organisation.name,
        variant=variant,
        variant_label=VARIANT_LABELS[variant],
        generated_at=timezone.now(),
        generated_by=viewer.user.display_name or viewer.user.email,
        stage=couple.stage,
        stage_label=str(Stage(couple.stage).label),
        partners=list(names.values()),
        care_team=[m.user.display_name for m in couple.loaded_care_team],
        summary=_summary(couple),
        timeline=parts.journey(viewer, couple, records),
        intentions=intentions,
        reflections=reflections,
        entries_truncated=truncated,
        measures=parts.measure_charts(couple, records.responses, names, held_dates),
        measures_withheld=records.withheld,
        medicine_sessions=(
            parts.session_details(couple, sessions, names)
            if clinical
            else parts.session_dates(sessions)
        ),
        integration_sessions=_integration(records),
        commitments=records.commitments,
        partners_clinical=parts.partners_clinical(viewer, couple, names) if clinical else [],
        readiness=parts.readiness_sentence(couple, sessions) if clinical else "",
    )


def _integration(records: parts.Records) -> list[IntegrationSummary]:
    """The integration sessions held; their notes are the care team's."""
    return [
        IntegrationSummary(
            held_at=held.held_at,
            with_whom=records.names.get(held.partner_id or 0, "") or _("Both partners"),
            facilitator=held.facilitator.display_name,
            carry_forward=held.carry_forward,
            notes=held.notes if records.clinical else "",
        )
        for held in records.integration
    ]


def _summaries(couple: Couple) -> list[Summary]:
    return [
        Summary(s.text, s.author.display_name, s.created_at)
        for s in ProgressSummary.objects.filter(
            organisation_id=couple.organisation_id, couple=couple
        )
        .select_related("author")
        .order_by("-created_at", "-id")
    ]


def _summary(couple: Couple) -> Summary | None:
    current = (
        ProgressSummary.objects.filter(organisation_id=couple.organisation_id, couple=couple)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )
    if current is None:
        return None
    return Summary(current.text, current.author.display_name, current.created_at)


@dataclass(frozen=True)
class ProgressPage:
    """The report page: the report, and what the viewer may do around it."""

    couple: Couple
    report: ProgressReport
    clinical_allowed: bool  # links to the clinical variant and the care team's couple page
    summary_allowed: bool  # the summary form
    history: list[Summary]  # the summaries before the current one, for the care team


def progress_page(viewer: Viewer, couple: Couple, variant: str) -> ProgressPage:
    """The report page of COUPLE in VARIANT, audited as generated in html."""
    report = progress_report(viewer, couple, variant, output="html")
    writer = can_write_progress_summary(viewer, couple)
    return ProgressPage(
        couple=couple,
        report=report,
        clinical_allowed=can_generate_progress_report(viewer, couple, "clinical"),
        summary_allowed=writer,
        history=_summaries(couple)[1:] if writer else [],
    )
