"""Background jobs of the notifications app (run by `holdspace worker`)."""

from __future__ import annotations

from holdspace.notifications.services import alert_notify, notifications_run


def notify_alert(alert_id: int) -> str:
    """Queued the moment a safety alert is saved."""
    return str(alert_notify(alert_id))


def run_notifications() -> str:
    """Every minute: what the queued tasks left, escalations, retries."""
    return str(notifications_run())
