"""A new safety alert, whichever app raised it, queues its notification once the alert's
transaction commits (so the worker never looks for an alert that was rolled back)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django_q.tasks import async_task

from holdspace.measures.models import SafetyAlert

TASK = "holdspace.notifications.tasks.notify_alert"
logger = logging.getLogger(__name__)


def enqueue(alert_id: int) -> None:
    try:
        async_task(TASK, alert_id, task_name=f"notify-alert-{alert_id}")
    except Exception:  # the worker's minute run plans any alert the queue missed
        logger.exception("Could not queue the notification of safety alert %s", alert_id)


def _alert_saved(sender: type[SafetyAlert], instance: SafetyAlert, created: bool, **_: Any) -> None:
    if created:
        alert_id = instance.pk
        transaction.on_commit(lambda: enqueue(alert_id))


def connect() -> None:
    post_save.connect(_alert_saved, sender=SafetyAlert, dispatch_uid="notifications.alert_saved")
