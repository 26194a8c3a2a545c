"""Every session held or to come gets its booking: medicine sessions (their room's name, typed
as text before rooms were organisation data, becomes a Room of the organisation), preparation
and integration sessions. A cancelled session's booking is cancelled. Sessions scheduled before
went through the readiness gate, so their bookings are confirmed. Written as history: no
conflict is checked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations
from django.utils import timezone

# What a booking held when nothing says how long: a medicine session its planned minimum (else
# six hours, Oregon's longest minimum), a preparation or integration session an hour.
MEDICINE_HOURS = 6
OTHER_MINUTES = 60
CANCEL_REASON = "Cancelled before the calendar kept bookings."


def _rooms(apps: Any) -> Any:
    Room = apps.get_model("accounts", "Room")
    known: dict[tuple[int, str], Any] = {
        (room.organisation_id, room.name.lower()): room for room in Room.objects.all()
    }

    def room_for(organisation_id: int, text: str) -> Any:
        name = text.strip()[:120]
        if not name:
            return None
        key = (organisation_id, name.lower())
        if key not in known:
            known[key] = Room.objects.create(organisation_id=organisation_id, name=name)
        return known[key]

    return room_for


def _book(apps: Any, session: Any, **fields: Any) -> Any:
    Booking = apps.get_model("bookings", "Booking")
    cancelled = session.status == "cancelled"
    return Booking.objects.create(
        organisation_id=session.organisation_id,
        couple_id=session.couple_id,
        status="cancelled" if cancelled else "confirmed",
        cancelled_at=timezone.now() if cancelled else None,
        cancel_reason=CANCEL_REASON if cancelled else "",
        **fields,
    )


def _facilitate(apps: Any, booking: Any, user_ids: list[int]) -> None:
    BookingFacilitator = apps.get_model("bookings", "BookingFacilitator")
    BookingFacilitator.objects.bulk_create(
        BookingFacilitator(organisation_id=booking.organisation_id, booking=booking, user_id=u)
        for u in dict.fromkeys(user_ids)
    )


def backfill(apps: Any, schema_editor: Any) -> None:
    room_for = _rooms(apps)
    MedicineSession = apps.get_model("medicine_sessions", "MedicineSession")
    SessionFacilitator = apps.get_model("medicine_sessions", "SessionFacilitator")
    for session in MedicineSession.objects.filter(booking__isnull=True).order_by("pk"):
        if session.ended_at and session.ended_at > session.starts_at:
            ends = session.ended_at
        else:
            minutes = session.minimum_minutes or MEDICINE_HOURS * 60
            ends = session.starts_at + dt.timedelta(minutes=minutes)
        booking = _book(
            apps,
            session,
            kind="medicine",
            room=room_for(session.organisation_id, session.room),
            starts_at=session.starts_at,
            ends_at=ends,
            created_by_id=session.scheduled_by_id,
        )
        _facilitate(
            apps,
            booking,
            list(
                SessionFacilitator.objects.filter(session=session).values_list("user_id", flat=True)
            ),
        )
        MedicineSession.objects.filter(pk=session.pk).update(booking=booking)
    for app, model, kind in (
        ("preparation", "PreparationSession", "preparation"),
        ("integration", "IntegrationSession", "integration"),
    ):
        Model = apps.get_model(app, model)
        for session in Model.objects.filter(booking__isnull=True).order_by("pk"):
            booking = _book(
                apps,
                session,
                kind=kind,
                room=None,
                starts_at=session.held_at,
                ends_at=session.held_at + dt.timedelta(minutes=OTHER_MINUTES),
                created_by_id=session.recorded_by_id,
            )
            _facilitate(apps, booking, [session.facilitator_id])
            Model.objects.filter(pk=session.pk).update(booking=booking)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
        ("accounts", "0005_day_one"),
        ("medicine_sessions", "0005_day_one"),
        ("preparation", "0002_day_one"),
        ("integration", "0004_day_one"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
