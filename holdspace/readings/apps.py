from __future__ import annotations

from django.apps import AppConfig


class ReadingsConfig(AppConfig):
    name = "holdspace.readings"
    label = "readings"
