from __future__ import annotations

from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "holdspace.measures"
    label = "measures"
