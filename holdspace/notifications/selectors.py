"""The e-mail outbox: the partners' reminders and the staff's safety-alert notifications, in
one list, newest first. Who sees which rows is decided by the policy (`reminders_visible_to`,
`notifications_visible_to`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from holdspace.accounts.models import User
from holdspace.audit.actions import Action
from holdspace.notifications.models import SUBJECTS, Notification, Purpose
from holdspace.policy.core import Viewer
from holdspace.policy.notifications import notifications_visible_to
from holdspace.policy.reminders import reminders_visible_to
from holdspace.reminders.models import Reminder

OutboxKind = Literal["reminder", "safety_alert", "escalation"]
OUTBOX_KINDS: tuple[OutboxKind, ...] = ("reminder", "safety_alert", "escalation")
MAX_LIMIT = 200


@dataclass(frozen=True)
class OutboxRow:
    kind: OutboxKind
    id: int
    created_at: dt.datetime
    recipient: User
    couple_id: int
    couple_name: str
    subject: str
    alert_id: int | None
    due_on: dt.date | None
    channel: str
    status: str
    status_label: str
    attempts: int
    last_error: str
    sent_at: dt.datetime | None
    cancelled_reason: str


@dataclass(frozen=True)
class OutboxPage:
    items: list[OutboxRow]
    count: int
    next_offset: int | None


def _reminder_row(r: Reminder) -> OutboxRow:
    return OutboxRow(
        kind="reminder",
        id=r.pk,
        created_at=r.created_at,
        recipient=r.partner,
        couple_id=r.couple_id,
        couple_name=r.couple.name,
        subject=r.subject,
        alert_id=None,
        due_on=r.due_on,
        channel="email",
        status=r.status,
        status_label=r.get_status_display(),
        attempts=r.attempts,
        last_error=r.last_error,
        sent_at=r.sent_at,
        cancelled_reason=r.cancelled_reason,
    )


def _notification_row(n: Notification) -> OutboxRow:
    kind: OutboxKind = "escalation" if n.purpose == Purpose.ESCALATION else "safety_alert"
    return OutboxRow(
        kind=kind,
        id=n.pk,
        created_at=n.created_at,
        recipient=n.recipient,
        couple_id=n.couple_id,
        couple_name=n.couple.name,
        subject=str(SUBJECTS[Purpose(n.purpose)]),
        alert_id=n.alert_id,
        due_on=None,
        channel=n.channel,
        status=n.status,
        status_label=n.get_status_display(),
        attempts=n.attempts,
        last_error=n.last_error,
        sent_at=n.sent_at,
        cancelled_reason=n.cancelled_reason,
    )


def outbox_page(
    *,
    viewer: Viewer,
    organisation_id: int,
    kind: OutboxKind | None = None,
    limit: int = MAX_LIMIT,
    offset: int = 0,
) -> OutboxPage:
    """One page of the organisation's outbox that the viewer sees, newest first. Audited."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    reminders = reminders_visible_to(viewer, organisation_id)
    notifications = notifications_visible_to(viewer, organisation_id)
    if kind == "reminder":
        notifications = notifications.none()
    elif kind is not None:
        reminders = reminders.none()
        notifications = notifications.filter(
            purpose=Purpose.ESCALATION if kind == "escalation" else Purpose.ALERT
        )
    # Each list's first offset+limit rows hold the merged page's rows.
    window = offset + limit
    rows = [
        *(
            _reminder_row(r)
            for r in reminders.select_related("partner", "couple").order_by("-created_at", "-id")[
                :window
            ]
        ),
        *(
            _notification_row(n)
            for n in notifications.select_related("recipient", "couple").order_by(
                "-created_at", "-id"
            )[:window]
        ),
    ]
    rows.sort(key=lambda row: (row.created_at, row.kind != "reminder", row.id), reverse=True)
    count = reminders.count() + notifications.count()
    items = rows[offset:window]
    viewer.audit(
        Action.OUTBOX_READ,
        organisation_id=organisation_id,
        object_type="organisation",
        object_id=organisation_id,
        kind=kind,
        offset=offset,
        rows=len(items),
    )
    return OutboxPage(items, count, window if window < count else None)
