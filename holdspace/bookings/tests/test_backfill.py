"""The migration that brings bookings in: every session made before gets one, a room typed as
text becomes a Room of the organisation (matched in any case), and a cancelled session's
booking is cancelled."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from holdspace.accounts.models import Room
from holdspace.bookings.models import Booking, BookingStatus
from holdspace.conftest import Cast
from holdspace.integration.models import IntegrationSession
from holdspace.preparation.models import PreparationSession
from holdspace.sessions.models import MedicineSession, SessionFacilitator

pytestmark = pytest.mark.usefixtures("rooms")

backfill = importlib.import_module("holdspace.bookings.migrations.0002_backfill").backfill


def test_it_books_every_earlier_session_and_makes_rooms_of_their_names(cast: Cast) -> None:
    start = timezone.now() - dt.timedelta(days=3)
    sessions = []
    for room, status in (("cedar ROOM", "closed"), (" Studio 4 ", "scheduled"), ("", "cancelled")):
        session = MedicineSession.objects.create(
            organisation=cast.center,
            couple=cast.couple,
            substance="psilocybin",
            starts_at=start,
            room=room,
            status=status,
            profile="oregon-psilocybin",
            profile_version="1",
            scheduled_by=cast.facilitator,
        )
        SessionFacilitator.objects.create(
            organisation=cast.center, session=session, user=cast.facilitator
        )
        sessions.append(session)
    PreparationSession.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        kind="joint",
        held_at=start,
        facilitator=cast.lead,
        recorded_by=cast.lead,
    )
    IntegrationSession.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        held_at=start,
        status="cancelled",
        facilitator=cast.facilitator,
        recorded_by=cast.facilitator,
    )
    backfill(apps, None)
    backfill(apps, None)  # a second run finds nothing left to book
    assert Booking.objects.count() == 5
    cedar, studio, none = (MedicineSession.objects.get(pk=s.pk).booking for s in sessions)
    assert cedar is not None and studio is not None and none is not None
    assert cedar.room == Room.objects.get(organisation=cast.center, name="Cedar room")
    assert studio.room is not None and studio.room.name == "Studio 4"
    assert none.room is None and none.status == BookingStatus.CANCELLED
    assert cedar.ends_at - cedar.starts_at == dt.timedelta(hours=6)
    assert list(cedar.facilitator_links.values_list("user_id", flat=True)) == [cast.facilitator.pk]
    integration = IntegrationSession.objects.get().booking
    assert integration is not None and integration.status == BookingStatus.CANCELLED
    prep = PreparationSession.objects.get().booking
    assert prep is not None and prep.status == BookingStatus.CONFIRMED
    assert Room.objects.filter(organisation=cast.center).count() == 4
