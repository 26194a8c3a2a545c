"""The demo's Today views: an invitation not accepted for days and a session booked this
afternoon (data/today.toml), beside what the journey already leaves waiting."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from holdspace.accounts.models import Invitation, Membership, Organisation, Role, Room
from holdspace.accounts.services import invitation_create
from holdspace.bookings.models import Booking, BookingFacilitator
from holdspace.demo.find import couple_named, guide_of, viewer_of
from holdspace.demo.schemas import Today, load


def seed_demo_today(organisation: Organisation) -> None:
    data = load("today", Today)
    _invitation(organisation, data)
    _booking(organisation, data)


def _invitation(organisation: Organisation, data: Today) -> None:
    wanted = data.invitation
    if Invitation.objects.filter(organisation=organisation, email=wanted.email).exists():
        return
    admin = Membership.objects.filter(organisation=organisation, role=Role.ORG_ADMIN).first()
    if admin is None:
        return
    invitation, _link = invitation_create(
        viewer=viewer_of(admin.user_id),
        organisation=organisation,
        email=wanted.email,
        display_name=wanted.name,
        role=wanted.role,
    )
    # Sent days ago: its link has run out and the org admin's queue asks to chase it.
    sent = timezone.now() - dt.timedelta(days=wanted.sent_days_ago)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=sent,
        sent_at=sent,
        expires_at=sent + (invitation.expires_at - invitation.sent_at),
    )


def _booking(organisation: Organisation, data: Today) -> None:
    """The calendar's services are not in the demo yet: the booking is written as they would
    (a room of the organisation, the couple's guide held by it)."""
    wanted = data.booking
    couple = couple_named(organisation, wanted.couple)
    if couple is None or Booking.objects.filter(couple=couple, kind=wanted.kind).exists():
        return
    room = Room.objects.filter(organisation=organisation, name__iexact=wanted.room).first()
    if room is None:
        room = Room.objects.create(organisation=organisation, name=wanted.room)
    starts_at = timezone.localtime().replace(
        hour=wanted.at.hour, minute=wanted.at.minute, second=0, microsecond=0
    )
    guide = guide_of(couple)
    booking = Booking.objects.create(
        organisation=organisation,
        couple=couple,
        kind=wanted.kind,
        status=wanted.status,
        room=room,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=wanted.minutes),
        created_by=guide.user,
    )
    BookingFacilitator.objects.create(organisation=organisation, booking=booking, user=guide.user)
