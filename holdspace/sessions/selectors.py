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


def describe(event: SessionEvent) -> str:
    """One line for the timeline, in the console's words (static/js/session-console.js says
    the same for events still waiting to be sent)."""
    data = event.data
    kind = event.kind
    if kind in {"dose", "supplemental_dose"}:
        amount = float(data.get("amount_mg", 0))
        return f"{amount:g} mg · {data.get('product', '')} · lot {data.get('lot', '')}"
    if kind == "vitals":
        parts = []
        if "systolic" in data or "diastolic" in data:
            parts.append(f"BP {data.get('systolic', '–')}/{data.get('diastolic', '–')}")
        if "heart_rate" in data:
            parts.append(f"HR {data['heart_rate']}")
        if "temperature_c" in data:
            parts.append(f"{data['temperature_c']:g} °C")
        return " · ".join(parts)
    if kind in {"note", "observation"}:
        return str(data.get("text", ""))
    if kind == "music":
        return str(data.get("text", ""))
    if kind == "touch":
        by = "Facilitator" if data.get("by") == "facilitator" else "Partner"
        return f"{by} · {data.get('form', '')}"
    if kind == "monitoring_break":
        return f"{data.get('minutes')} min · covered by {data.get('covered_by', '')}"
    if kind == "adverse_event":
        flags = [
            label
            for key, label in (
                ("emergency_services", "emergency services"),
                ("medical_care", "medical care"),
            )
            if data.get(key)
        ]
        return (
            f"{str(data.get('severity', '')).replace('_', '-')}: {data.get('description', '')}"
            + (f" ({', '.join(flags)})" if flags else "")
        )
    if kind == "correction":
        return f"Corrects an earlier event: {data.get('reason', '')}" + (
            f" → {', '.join(f'{k} {v}' for k, v in data.get('data', {}).items())}"
            if data.get("data")
            else ""
        )
    if kind == "end":
        reason = "emergency transfer" if data.get("reason") == "emergency_transfer" else "completed"
        return f"Session ended ({reason})" + (f": {data['note']}" if data.get("note") else "")
    return ""
