from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.test.utils import override_settings

from holdspace.demo import DEMO_PASSWORD, demo_loaded, seed_demo


class Command(BaseCommand):
    help = "Load the demo practice (idempotent: running it again changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--unless-loaded",
            action="store_true",
            help="Do nothing when the demo's organisations are already there (`make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["unless_loaded"] and demo_loaded():
            return
        # The invitations and reminders the demo's story sends go nowhere: its people are
        # invented, and two hundred lines of e-mail would bury where to sign in.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            seed_demo()
        if options["verbosity"] > 0:
            self.stdout.write(
                "Demo practice ready: its accounts are listed on the sign-in page, "
                f"each with the password {DEMO_PASSWORD!r}."
            )
