from __future__ import annotations

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "holdspace.reminders"
    label = "reminders"
