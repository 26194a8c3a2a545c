"""The demo's reminders: what is due in the demo practice is sent now, so the console's outbox
has reminders to show (the messages are the reminders' own: no prose of the demo here)."""

from __future__ import annotations

from holdspace.accounts.models import Organisation
from holdspace.reminders.services import reminders_run


def seed_demo_reminders(organisation: Organisation) -> None:
    reminders_run(organisation_id=organisation.pk)
