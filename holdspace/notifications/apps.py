from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "holdspace.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Every new safety alert, whichever app raised it, is announced from here.
        from holdspace.notifications import signals

        signals.connect()
