from __future__ import annotations

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "holdspace.reminders"
    label = "reminders"

    def ready(self) -> None:
        # A couple's withdrawal cancels its unsent reminders (couples does not import us).
        from holdspace.reminders import signals

        signals.connect()
