"""Holding times on the calendar: reserve, move, confirm and cancel a booking. The one place
that refuses a double booking: a room, or any facilitator, already held by a booking that is
not cancelled and overlaps [starts_at, ends_at). Touching is not overlapping: one session may
end at 12:00 and the next begin at 12:00 in the same room.

The check runs under a lock so two people booking the same slot at once cannot both succeed:
the room's row and the facilitators' memberships are locked (in id order, rooms first, so two
bookings never wait on each other in a circle) before the overlap is read. SQLite takes its
write lock at BEGIN (settings.py: IMMEDIATE), which serialises the same way.

The services of each kind of session call these inside their own transaction, after checking
who may book; the session's own audit event follows the booking's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from holdspace.accounts.models import Membership, Organisation, Room, User
from holdspace.accounts.zones import org_localtime
from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingFacilitator, BookingKind, BookingStatus
from holdspace.couples.models import Couple
from holdspace.policy.bookings import booking_couples_named_for
from holdspace.policy.core import Viewer
from holdspace.screening.profiles import Profile

# Preparation and integration sessions hold this long unless an end time is given: a
# Holdspace default for a therapy hour, not a rule of any profile.
DEFAULT_MINUTES = 60
# A medicine session without a minimum duration in its profile holds a working day.
FALLBACK_MEDICINE_MINUTES = 480
# The longest a booking may hold.
MAX_MINUTES = 24 * 60
# What `booking_move` leaves as it is.
UNCHANGED: object = object()


class BookingConflict(Exception):
    """The slot is taken: FIELD (`room` or `facilitator_ids`) names what is double-booked and
    MESSAGE says by what, when and (where the viewer may see that couple) for whom."""

    def __init__(self, message: str, *, field: str, other: Booking) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.other = other

    def as_validation_error(self, *, facilitators: str = "facilitator_ids") -> ValidationError:
        """The conflict as a form error beside its field (FACILITATORS: the form's name for
        the facilitators' field)."""
        field = facilitators if self.field == "facilitator_ids" else self.field
        return ValidationError({field: [self.message]})


def medicine_minutes(profile: Profile, substance: str) -> int:
    """How long a medicine session of SUBSTANCE holds its room and facilitators: the longest
    minimum duration the profile may require for it (its `minimum_duration` table, with its
    source), since the dose is planned later; FALLBACK_MEDICINE_MINUTES where it sets none."""
    longest = [
        row.minimum_minutes
        for table in profile.minimum_duration
        if table.substance == substance
        for row in table.rows
    ]
    return max(longest) if longest else FALLBACK_MEDICINE_MINUTES


def room_resolve(*, organisation: Organisation, value: str | int | None) -> Room | None:
    """The room of ORGANISATION named VALUE: its id, or its name in any case; none for an
    empty value. An unknown or archived room is a ValidationError on `room`."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    rooms = Room.objects.filter(organisation=organisation, archived_at__isnull=True)
    room = rooms.filter(name__iexact=text).first()
    if room is None and text.isdigit() and len(text) < 19:
        room = rooms.filter(pk=int(text)).first()
    if room is None:
        names = ", ".join(rooms.values_list("name", flat=True)) or _("none yet")
        raise ValidationError(
            {
                "room": [
                    _("No room called “%(name)s” here. Rooms: %(names)s.")
                    % {"name": text[:120], "names": names}
                ]
            }
        )
    return room


def slot_errors(starts_at: dt.datetime, ends_at: dt.datetime) -> dict[str, list[str]]:
    """What is wrong with a slot's end, by field."""
    if ends_at <= starts_at:
        return {"ends_at": [_("The end must be after the start.")]}
    if ends_at - starts_at > dt.timedelta(minutes=MAX_MINUTES):
        return {"ends_at": [_("A booking holds at most 24 hours.")]}
    return {}


def couple_slot_check(
    *,
    couple: Couple,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    default_minutes: int,
    room: str | int | None,
    errors: dict[str, list[str]],
) -> tuple[dt.datetime, Room | None]:
    """The end and room of a session of COUPLE booked ahead from STARTS_AT: it ends
    DEFAULT_MINUTES later unless ENDS_AT is given, in ROOM (a name or id of the organisation's).
    The slot's, the room's and the couple's problems join ERRORS (the caller's own, by field),
    and if there are any at all they are raised together, so the form shows every one."""
    end = ends_at or starts_at + dt.timedelta(minutes=default_minutes)
    errors.update(slot_errors(starts_at, end))
    place = None
    try:
        place = room_resolve(organisation=couple.organisation, value=room)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if couple.withdrawn_at is not None:
        errors["couple"] = [_("This couple has withdrawn.")]
    if errors:
        raise ValidationError(errors)
    return end, place


def booking_reserve(
    *,
    viewer: Viewer,
    organisation: Organisation,
    couple: Couple | None,
    kind: BookingKind,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room: Room | None,
    facilitator_ids: Iterable[int],
    status: BookingStatus = BookingStatus.CONFIRMED,
    held: bool = False,
) -> Booking:
    """Hold [STARTS_AT, ENDS_AT) for a session of COUPLE, its ROOM and facilitators, or raise
    BookingConflict. HELD records a session held before (history, written as it happened:
    not checked against other bookings)."""
    facilitators = sorted(set(facilitator_ids))
    errors = slot_errors(starts_at, ends_at)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if not held:
            _check_free(viewer, organisation, starts_at, ends_at, room, facilitators, None)
            _check_couple_free(viewer, organisation, couple, kind, starts_at, ends_at, None)
        booking = Booking.objects.create(
            organisation=organisation,
            couple=couple,
            kind=kind,
            status=status,
            room=room,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=viewer.user,
        )
        BookingFacilitator.objects.bulk_create(
            BookingFacilitator(organisation=organisation, booking=booking, user_id=f)
            for f in facilitators
        )
        viewer.audit(
            Action.BOOKING_RESERVE,
            booking,
            kind=str(kind),
            status=str(status),
            starts_at=starts_at.isoformat(),
            ends_at=ends_at.isoformat(),
            room=room.pk if room else None,
            facilitators=facilitators,
        )
    return booking


def booking_move(
    *,
    viewer: Viewer,
    booking: Booking,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    room: Room | None | object = UNCHANGED,
    facilitator_ids: Iterable[int] | None = None,
) -> Booking:
    """Move BOOKING to a new time (its length kept unless ENDS_AT is given), room or set of
    facilitators, or raise BookingConflict and change nothing."""
    if booking.status == BookingStatus.CANCELLED:
        raise ValidationError({"status": [_("This booking is cancelled.")]})
    new_start = starts_at or booking.starts_at
    new_end = ends_at or (new_start + (booking.ends_at - booking.starts_at))
    new_room = booking.room if room is UNCHANGED else room
    assert new_room is None or isinstance(new_room, Room)
    facilitators = (
        sorted(set(facilitator_ids))
        if facilitator_ids is not None
        else sorted(booking.facilitator_links.values_list("user_id", flat=True))
    )
    errors = slot_errors(new_start, new_end)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        organisation = Organisation.objects.get(pk=booking.organisation_id)
        _check_free(viewer, organisation, new_start, new_end, new_room, facilitators, booking.pk)
        _check_couple_free(
            viewer,
            organisation,
            booking.couple,
            BookingKind(booking.kind),
            new_start,
            new_end,
            booking.pk,
        )
        before = {
            "starts_at": booking.starts_at.isoformat(),
            "room": booking.room_id,
        }
        booking.starts_at, booking.ends_at, booking.room = new_start, new_end, new_room
        booking.save(update_fields=["starts_at", "ends_at", "room"])
        if facilitator_ids is not None:
            BookingFacilitator.objects.filter(booking=booking).exclude(
                user_id__in=facilitators
            ).delete()
            kept = set(booking.facilitator_links.values_list("user_id", flat=True))
            BookingFacilitator.objects.bulk_create(
                BookingFacilitator(organisation=organisation, booking=booking, user_id=f)
                for f in facilitators
                if f not in kept
            )
        viewer.audit(
            Action.BOOKING_MOVE,
            booking,
            detail={"from": before},
            starts_at=new_start.isoformat(),
            ends_at=new_end.isoformat(),
            room=new_room.pk if new_room else None,
            facilitators=facilitators,
        )
    return booking


def booking_confirm(*, viewer: Viewer, booking: Booking) -> Booking:
    """A tentative booking, now confirmed (the session's service checks it may be)."""
    with transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CONFIRMED)
        booking.status = BookingStatus.CONFIRMED
        viewer.audit(Action.BOOKING_CONFIRM, booking)
    return booking


def booking_cancel(*, viewer: Viewer, booking: Booking, reason: str) -> Booking:
    """Cancel BOOKING with REASON: the slot is free again; the row stays for the record."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the session is cancelled.")]})
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("At most 2,000 characters.")]})
    if booking.status == BookingStatus.CANCELLED:
        raise ValidationError({"status": [_("This booking is already cancelled.")]})
    with transaction.atomic():
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.cancel_reason = reason
        booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        viewer.audit(Action.BOOKING_CANCEL, booking, reason=reason)
    return booking


def _check_free(
    viewer: Viewer,
    organisation: Organisation,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    room: Room | None,
    facilitators: list[int],
    moving: int | None,
) -> None:
    """Lock ROOM and the FACILITATORS' memberships, then raise BookingConflict if any is held
    by another booking overlapping the slot. Called inside the writer's transaction, so the
    locks last until the booking is written."""
    if room is not None:
        list(Room.objects.select_for_update().filter(pk=room.pk))
    if facilitators:
        list(
            Membership.objects.select_for_update()
            .filter(organisation=organisation, user_id__in=facilitators)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    overlapping = Booking.objects.filter(
        organisation=organisation, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exclude(status=BookingStatus.CANCELLED)
    if moving is not None:
        overlapping = overlapping.exclude(pk=moving)
    if room is not None:
        other = overlapping.filter(room=room).select_related("couple").first()
        if other is not None:
            raise BookingConflict(
                _conflict_text(viewer, organisation, room.name, other),
                field="room",
                other=other,
            )
    if facilitators:
        link = (
            BookingFacilitator.objects.filter(booking__in=overlapping, user_id__in=facilitators)
            .select_related("booking__couple", "user")
            .order_by("booking__starts_at", "pk")
            .first()
        )
        if link is not None:
            person: User = link.user
            raise BookingConflict(
                _conflict_text(viewer, organisation, person.display_name, link.booking),
                field="facilitator_ids",
                other=link.booking,
            )


def _check_couple_free(
    viewer: Viewer,
    organisation: Organisation,
    couple: Couple | None,
    kind: BookingKind,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    moving: int | None,
) -> None:
    """A couple is in one medicine session at a time, and in nothing else while in one: raise
    BookingConflict (on the time) when a booking of COUPLE overlapping the slot is a medicine
    session or KIND is. Two private preparation sessions, one with each partner, may overlap."""
    if couple is None:
        return
    list(Couple.objects.select_for_update().filter(pk=couple.pk).values_list("pk", flat=True))
    theirs = Booking.objects.filter(
        organisation=organisation, couple=couple, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exclude(status=BookingStatus.CANCELLED)
    if moving is not None:
        theirs = theirs.exclude(pk=moving)
    if kind != BookingKind.MEDICINE:
        theirs = theirs.filter(kind=BookingKind.MEDICINE)
    other = theirs.select_related("couple").order_by("starts_at", "pk").first()
    if other is not None:
        raise BookingConflict(
            _conflict_text(viewer, organisation, _("This couple"), other),
            field="starts_at",
            other=other,
        )


def _conflict_text(viewer: Viewer, organisation: Organisation, what: str, other: Booking) -> str:
    """“Cedar room is already booked 10:00–16:00 on 7 Dec 2026 for a medicine session (A & B).”:
    times on the organisation's clock, the couple only where the viewer may see it."""
    starts = org_localtime(organisation, other.starts_at)
    ends = org_localtime(organisation, other.ends_at)
    words = {
        "what": what,
        "start": date_format(starts, "H:i"),
        "end": date_format(ends, "H:i"),
        "day": date_format(starts, "D j M Y"),
        "kind": str(BookingKind(other.kind).label).lower(),
    }
    named = other.couple is not None and other.couple_id in booking_couples_named_for(
        viewer, organisation.pk
    )
    if named and other.couple is not None:
        words["couple"] = other.couple.name
        return (
            _(
                "%(what)s is already booked %(start)s–%(end)s on %(day)s "
                "for a %(kind)s (%(couple)s)."
            )
            % words
        )
    return _("%(what)s is already booked %(start)s–%(end)s on %(day)s for a %(kind)s.") % words
