from __future__ import annotations

from django.apps import AppConfig


class CouplesConfig(AppConfig):
    name = "holdspace.couples"
    label = "couples"
