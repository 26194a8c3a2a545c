"""Reads of medicine sessions: the timeline with corrections and alerts, in constant queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Prefetch

from holdspace.measures.models import SafetyAlert
from holdspace.sessions.models import MedicineSession, SessionEvent


def session_timeline(
    session: MedicineSession, *, uuids: Iterable[uuid.UUID] | None = None
) -> list[SessionEvent]:
    """The session's events in the order they were taken, each with the corrections made to it
    and the alerts it raised (not access-checked: callers check the session first)."""
    events = (
        SessionEvent.objects.filter(session=session)
        .select_related("recorded_by", "corrects", "partner")
        .prefetch_related(
            Prefetch(
                "corrections",
                queryset=SessionEvent.objects.order_by("occurred_at", "id"),
                to_attr="correction_list",
            ),
            Prefetch("alerts", queryset=SafetyAlert.objects.order_by("id"), to_attr="alert_list"),
        )
        .order_by("occurred_at", "received_at", "id")
    )
    if uuids is not None:
        events = events.filter(uuid__in=list(uuids))
    return list(events)
