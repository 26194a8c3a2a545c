from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "holdspace.accounts"
    label = "accounts"

    def ready(self) -> None:
        from holdspace.accounts import signals  # noqa: F401  (connects audit receivers)

        post_migrate.connect(_create_cache_tables, sender=self)


def _create_cache_tables(using: str = "default", **kwargs: Any) -> None:
    """The database cache's table (settings.CACHES "throttle"): `holdspace migrate` makes it,
    so no deployment needs a step of its own. Does nothing when it exists."""
    call_command("createcachetable", database=using, verbosity=0)
