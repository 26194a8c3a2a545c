from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "holdspace.accounts"
    label = "accounts"

    def ready(self) -> None:
        from holdspace.accounts import signals  # noqa: F401  (connects audit receivers)
