from __future__ import annotations

from django.apps import AppConfig


class FacilitatorsConfig(AppConfig):
    name = "holdspace.facilitators"
    label = "facilitators"
