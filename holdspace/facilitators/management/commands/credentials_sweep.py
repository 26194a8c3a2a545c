from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from holdspace.facilitators.services import credentials_sweep


class Command(BaseCommand):
    help = (
        "Warn facilitators and clinical leads 60, 30 and 7 days before a credential expires, "
        "and mark credentials expired on the day. Run nightly; safe to run more often."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="the day to sweep as (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"] is not None:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(
                    f"--today must be a date as YYYY-MM-DD, not {options['today']!r}."
                ) from None
        result = credentials_sweep(today=today)
        self.stdout.write(
            f"Warned {len(result.warned)} credential(s); marked {len(result.expired)} expired."
        )
