from __future__ import annotations

from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "holdspace.integration"
    label = "integration"
