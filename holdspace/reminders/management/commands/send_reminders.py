from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from holdspace.reminders.services import reminders_run


class Command(BaseCommand):
    help = (
        "Plan, cancel and send the partners' e-mail reminders once (the worker does this every "
        "10 minutes). Safe to run at any time: no item is reminded twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Reminders: {reminders_run()}.")
