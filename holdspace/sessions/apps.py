from __future__ import annotations

from django.apps import AppConfig


class MedicineSessionsConfig(AppConfig):
    name = "holdspace.sessions"
    label = "medicine_sessions"  # "sessions" is Django's own
