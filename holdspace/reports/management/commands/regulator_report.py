"""`holdspace report oregon-303 --quarter 2026Q4 [--format csv] [--organisation ID]`: a
regulator report on standard output, audited like the page and the API."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from holdspace.accounts.models import Organisation
from holdspace.reports.regulator.oregon303 import REPORT_ID
from holdspace.reports.regulator.periods import PeriodError, parse_period
from holdspace.reports.regulator.services import oregon_303_generate
from holdspace.screening.profiles import get_profile

REPORTS = {REPORT_ID: "quarter"}


class Command(BaseCommand):
    help = (
        "Print a regulator report for an organisation and period: oregon-303 (Oregon's 303 "
        "quarterly report) with --quarter 2026Q4, as JSON or CSV."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=sorted(REPORTS), help="which report")
        parser.add_argument("--quarter", required=True, help="the quarter, such as 2026Q4")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--organisation",
            default="",
            help="the organisation's id (needed when more than one has the report)",
        )

    def _organisation(self, raw: str, report: str) -> Organisation:
        offering = [
            o
            for o in Organisation.objects.order_by("id")
            if get_profile(o.profile).report(report) is not None
        ]
        if not raw:
            if len(offering) == 1:
                return offering[0]
            if not offering:
                raise CommandError(f"No organisation's profile has the {report} report.")
            listed = ", ".join(f"{o.pk} ({o.name})" for o in offering)
            raise CommandError(f"Say which organisation with --organisation: {listed}.")
        if not raw.isdigit():
            raise CommandError(f"--organisation takes an organisation's id, not {raw!r}.")
        organisation = Organisation.objects.filter(pk=int(raw)).first()
        if organisation is None:
            raise CommandError(f"No organisation has the id {raw}.")
        if organisation not in offering:
            raise CommandError(
                f"The {organisation.profile} profile of {organisation.name} has no {report} report."
            )
        return organisation

    def handle(self, *args: Any, **options: Any) -> None:
        report_id = options["report"]
        organisation = self._organisation(str(options["organisation"]).strip(), report_id)
        report = get_profile(organisation.profile).report(report_id)
        assert report is not None
        try:
            period = parse_period(options["quarter"], "quarter", organisation.tzinfo)
        except PeriodError as exc:
            raise CommandError(f"--quarter: {exc}") from None
        generated = oregon_303_generate(
            viewer=None,
            organisation=organisation,
            report=report,
            period=period,
            output=options["format"],
        )
        self.stdout.write(generated.body.decode(), ending="")
