"""/api/v1/outbox: the organisation's e-mail outbox (reminders and safety-alert notifications)
for its org admins and clinical leads. A facilitator, who sees their own couples' rows on the
outbox page, is refused here (403); anyone else meets a 404."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from holdspace.lib.api import ErrorOut, Page, PageQuery, documented
from holdspace.notifications.models import Channel, NotificationStatus
from holdspace.notifications.selectors import OutboxKind, OutboxRow, outbox_page
from holdspace.policy.core import viewer_from_request
from holdspace.policy.notifications import get_outbox_for, require_outbox_api

router = Router(tags=["outbox"])


class OutboxQuery(PageQuery):
    org: int | None = Field(
        default=None, description="The organisation; by default the caller's first as admin/lead."
    )
    kind: OutboxKind | None = None


class OutboxItemOut(Schema):
    kind: OutboxKind = Field(description="reminder, safety_alert or escalation")
    id: int = Field(description="The reminder's or the notification's id (unique per kind).")
    recipient_id: int
    recipient_email: str
    couple_id: int
    alert_id: int | None = Field(description="The safety alert, for notifications.")
    channel: Channel
    status: NotificationStatus
    attempts: int
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


class OutboxOut(Page[OutboxItemOut]):
    pass


def _item(row: OutboxRow) -> OutboxItemOut:
    return OutboxItemOut(
        kind=row.kind,
        id=row.id,
        recipient_id=row.recipient.pk,
        recipient_email=row.recipient.email,
        couple_id=row.couple_id,
        alert_id=row.alert_id,
        channel=Channel(row.channel),
        status=NotificationStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


@router.get("/outbox", response={**documented({200: OutboxOut}), 403: ErrorOut})
def outbox(request: HttpRequest, query: Query[OutboxQuery]) -> OutboxOut:
    viewer = viewer_from_request(request)
    organisation = get_outbox_for(viewer, query.org)
    require_outbox_api(viewer, organisation)
    page = outbox_page(
        viewer=viewer,
        organisation_id=organisation.pk,
        kind=query.kind,
        limit=query.limit,
        offset=query.offset,
    )
    return OutboxOut(
        items=[_item(row) for row in page.items],
        count=page.count,
        next=page.next_offset,
    )
