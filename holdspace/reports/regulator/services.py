"""Generating a regulator report (audited, with its period, format and digest; the time of
generation lives in the audit trail, never in the report), and marking one submitted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import Organisation
from holdspace.accounts.services import COMMAND_LINE
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record
from holdspace.policy.core import Viewer
from holdspace.reports.models import RegulatorSubmission
from holdspace.reports.regulator.oregon303 import (
    REPORT_ID,
    Report,
    oregon_303_compute,
    oregon_303_facts,
)
from holdspace.reports.regulator.periods import Period
from holdspace.reports.regulator.render import csv_bytes, digest, json_bytes
from holdspace.screening.profiles import RegulatorReport, get_profile

Output = Literal["json", "csv", "page"]
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class Generated:
    report: Report
    body: bytes  # the JSON or CSV asked for (the CSV for a page)
    digest: str  # SHA-256 of the CSV: what a submission mark records
    submission: RegulatorSubmission | None

    @property
    def changed_since_submitted(self) -> bool:
        return self.submission is not None and self.submission.digest != self.digest


@dataclass(frozen=True)
class Mark:
    """A report's submission mark as its page shows it (any regulator report): the digest of
    the CSV as it is now, and the mark of its period, if any (`_submission_mark.html`)."""

    digest: str
    submission: RegulatorSubmission | None

    @property
    def changed_since_submitted(self) -> bool:
        return self.submission is not None and self.submission.digest != self.digest


def regulator_mark_read(
    *, organisation: Organisation, report: str, period: Period, csv_body: bytes
) -> Mark:
    """The mark of ORGANISATION's REPORT for PERIOD beside the digest of CSV_BODY (one query)."""
    submission = (
        RegulatorSubmission.objects.filter(
            organisation=organisation, report=report, period=period.label
        )
        .select_related("submitted_by")
        .first()
    )
    return Mark(digest(csv_body), submission)


def oregon_303_build(
    *, organisation: Organisation, report: RegulatorReport, period: Period
) -> tuple[Report, bytes]:
    """The report and its CSV, unaudited (callers audit what they do with it)."""
    profile = get_profile(organisation.profile)
    facts = oregon_303_facts(organisation, period)
    built = oregon_303_compute(facts, profile=profile, report=report, period=period)
    return built, csv_bytes(built)


def oregon_303_generate(
    *,
    viewer: Viewer | None,
    organisation: Organisation,
    report: RegulatorReport,
    period: Period,
    output: Output,
) -> Generated:
    """ORGANISATION's 303 report for PERIOD as OUTPUT, audited (REPORT_REGULATOR: report,
    period, format, digest). VIEWER None is the command line (`holdspace report`)."""
    built, csv_body = oregon_303_build(organisation=organisation, report=report, period=period)
    body = json_bytes(built) if output == "json" else csv_body
    found = digest(csv_body)
    detail = {
        "report": REPORT_ID,
        "period": period.label,
        "format": output,
        "digest": found,
        "generated_at": timezone.now().isoformat(),
    }
    if viewer is None:
        audit_record(
            action=Action.REPORT_REGULATOR,
            organisation_id=organisation.pk,
            actor_label=COMMAND_LINE,
            object_type="regulator_report",
            object_id=f"{REPORT_ID}:{period.label}",
            detail=detail,
        )
    else:
        viewer.audit(
            Action.REPORT_REGULATOR,
            organisation,
            object_type="regulator_report",
            object_id=f"{REPORT_ID}:{period.label}",
            detail=detail,
        )
    submission = RegulatorSubmission.objects.filter(
        organisation=organisation, report=REPORT_ID, period=period.label
    ).first()
    return Generated(built, body, found, submission)


def regulator_submission_mark(
    *,
    viewer: Viewer,
    organisation: Organisation,
    report: str,
    period: Period,
    digest_seen: str,
    digest_now: str,
) -> RegulatorSubmission:
    """Mark REPORT for PERIOD submitted to the state, recording who, when and the digest of the
    report as it is now. Refused when the report changed since the person looked at it
    (DIGEST_SEEN), or when this very report is already marked; a changed report may be marked
    again (the earlier digest goes into the audit trail). A period not yet over is refused: its
    report is not final, and the state asks for it after the period ends."""
    if not period.ended:
        raise ValidationError(
            {
                "period": [
                    _(
                        "%(period)s runs until %(day)s: mark it submitted once it has ended and "
                        "its report is final."
                    )
                    % {"period": period.label, "day": period.last_day.isoformat()}
                ]
            }
        )
    if digest_seen != digest_now:
        raise ValidationError(
            {
                "digest": [
                    _(
                        "The report changed since you opened it: look at it again before "
                        "marking it submitted."
                    )
                ]
            }
        )
    try:
        with transaction.atomic():
            existing = (
                RegulatorSubmission.objects.select_for_update()
                .filter(organisation=organisation, report=report, period=period.label)
                .first()
            )
            if existing is not None and existing.digest == digest_now:
                raise ValidationError({"digest": [_("This report is already marked submitted.")]})
            previous = existing.digest if existing is not None else ""
            if existing is None:
                existing = RegulatorSubmission.objects.create(
                    organisation=organisation,
                    report=report,
                    period=period.label,
                    digest=digest_now,
                    submitted_by=viewer.user,
                )
            else:
                existing.digest = digest_now
                existing.submitted_by = viewer.user
                existing.submitted_at = timezone.now()
                existing.save(update_fields=["digest", "submitted_by", "submitted_at"])
            viewer.audit(
                Action.REPORT_REGULATOR_SUBMIT,
                existing,
                report=report,
                period=period.label,
                digest=digest_now,
                previous_digest=previous,
            )
    except IntegrityError:  # marked at the same moment by someone else
        raise ValidationError({"digest": [_("This report is already marked submitted.")]}) from None
    return existing
