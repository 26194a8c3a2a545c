from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from holdspace.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo practice (idempotent: running it again changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        seed_demo()
        self.stdout.write(
            f"Demo practice ready. Sign in as lead@demo.holdspace.org, guide@…, alex@…, sam@… "
            f"with the password {DEMO_PASSWORD!r}."
        )
