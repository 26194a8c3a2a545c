from __future__ import annotations

from django.apps import AppConfig


class PreparationConfig(AppConfig):
    name = "holdspace.preparation"
    label = "preparation"
