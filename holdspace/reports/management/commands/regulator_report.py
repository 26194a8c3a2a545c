"""`holdspace report oregon-303 --quarter 2026Q4 [--format csv] [--organisation ID]` and
`holdspace report colorado-admin-log --year 2026 [--format csv] [--organisation ID]`: a
regulator report on standard output, audited like the page and the API. Each report takes its
own period option; the other one, or none, is refused with one line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from holdspace.accounts.models import Organisation
from holdspace.reports.regulator import oregon303
from holdspace.reports.regulator.colorado import selectors as colorado
from holdspace.reports.regulator.periods import PeriodError, PeriodKind, parse_period
from holdspace.reports.regulator.services import oregon_303_generate
from holdspace.screening.profiles import get_profile

# Each report and the option that names its period.
REPORTS: dict[str, PeriodKind] = {oregon303.REPORT_ID: "quarter", colorado.REPORT_ID: "year"}
EXAMPLES = {"quarter": "2026Q4", "year": "2026"}


class Command(BaseCommand):
    help = (
        "Print a regulator report for an organisation and period, as JSON or CSV: oregon-303 "
        "(Oregon's 303 quarterly report) with --quarter 2026Q4, colorado-admin-log (Colorado's "
        "administration-session log) with --year 2026."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=sorted(REPORTS), help="which report")
        parser.add_argument("--quarter", help="oregon-303's quarter, such as 2026Q4")
        parser.add_argument("--year", help="colorado-admin-log's year, such as 2026")
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

    def _period_text(self, report_id: str, options: dict[str, Any]) -> str:
        """The report's own period option; the other report's option, or none, refused."""
        kind = REPORTS[report_id]
        for other in set(REPORTS.values()) - {kind}:
            if options.get(other) is not None:
                raise CommandError(
                    f"{report_id} is for a {kind}: give --{kind} {EXAMPLES[kind]}, not --{other}."
                )
        text = options.get(kind)
        if text is None:
            raise CommandError(f"{report_id} needs --{kind}, such as --{kind} {EXAMPLES[kind]}.")
        return str(text)

    def handle(self, *args: Any, **options: Any) -> None:
        report_id = options["report"]
        kind = REPORTS[report_id]
        text = self._period_text(report_id, options)
        organisation = self._organisation(str(options["organisation"]).strip(), report_id)
        report = get_profile(organisation.profile).report(report_id)
        assert report is not None
        try:
            period = parse_period(text, kind, organisation.tzinfo)
        except PeriodError as exc:
            raise CommandError(f"--{kind}: {exc}") from None
        if report_id == colorado.REPORT_ID:
            log = colorado.admin_log_read(
                viewer=None,
                organisation=organisation,
                report=report,
                period=period,
                output=options["format"],
            )
            self.stdout.write(colorado.admin_log_text(log, options["format"]), ending="")
            return
        generated = oregon_303_generate(
            viewer=None,
            organisation=organisation,
            report=report,
            period=period,
            output=options["format"],
        )
        self.stdout.write(generated.body.decode(), ending="")
