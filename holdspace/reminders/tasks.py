"""Background jobs of the reminders app (run by `holdspace worker`)."""

from __future__ import annotations

from holdspace.reminders.services import reminders_run


def send_due_reminders() -> str:
    return str(reminders_run())
