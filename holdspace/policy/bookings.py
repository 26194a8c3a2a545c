"""Bookings and the calendar: who sees the organisation's held times, and whose names.

- The calendar is the staff's who run the clinical day: facilitators, clinical leads and org
  admins of the organisation (`calendar_organisation`, 403 audited for partners, researchers
  and strangers). They see every booking's time, kind, room and facilitators, so that nobody
  books over a held room; a couple's name and page only where they may see the couple
  (`booking_couples_named_for`): a facilitator their own couples', clinical leads and org
  admins every couple's.
- `bookings_visible_to(viewer, organisation_id)`: the organisation's bookings for a viewer the
  calendar admits (none otherwise).
- A booking is written only through the service of the session it books, which checks the
  care team first; a conflict names the other couple only where `booking_couples_named_for`
  allows.
"""

from __future__ import annotations

from django.db.models import QuerySet

from holdspace.accounts.models import Membership, Organisation, Role
from holdspace.bookings.models import Booking
from holdspace.policy.core import Viewer, organisation_for
from holdspace.policy.couples import couples_visible_to

# Who opens the calendar of their organisation.
CALENDAR_ROLES = frozenset({Role.FACILITATOR, Role.CLINICAL_LEAD, Role.ORG_ADMIN})


def calendar_organisation(viewer: Viewer, requested: object, *, attempted: str) -> Organisation:
    """The organisation whose calendar is asked for (`?org=`, else the viewer's first where
    they are staff who run the day); anyone else is refused (403, audited). Activates its
    time zone."""
    return organisation_for(viewer, requested, CALENDAR_ROLES, what="calendar", attempted=attempted)


def calendar_organisations(viewer: Viewer) -> list[int]:
    """The organisations whose calendar the viewer may open (the navigation links it)."""
    return viewer.orgs_with(CALENDAR_ROLES)


def bookings_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[Booking]:
    """ORGANISATION_ID's bookings, for a viewer the calendar admits there; none otherwise."""
    if viewer.role_in(organisation_id) not in CALENDAR_ROLES:
        return Booking.objects.none()
    return Booking.objects.filter(organisation_id=organisation_id)


def booking_couples_named_for(viewer: Viewer, organisation_id: int) -> set[int]:
    """The couples of ORGANISATION_ID whose name (and page) a booking may show the viewer."""
    return set(couples_visible_to(viewer, organisation_id).values_list("pk", flat=True))


def booking_couples_cared_for(viewer: Viewer, organisation_id: int) -> set[int]:
    """The couples of ORGANISATION_ID whose sessions the viewer runs (their care team: a
    facilitator's own couples, a clinical lead's every couple): their calendar entries open
    the session itself; others' open the couple's page."""
    if viewer.role_in(organisation_id) not in {Role.FACILITATOR, Role.CLINICAL_LEAD}:
        return set()
    return booking_couples_named_for(viewer, organisation_id)


def calendar_people(organisation: Organisation) -> QuerySet[Membership]:
    """Who the calendar filters by: the organisation's active facilitators and clinical leads
    (the people a booking holds)."""
    return (
        Membership.objects.filter(
            organisation=organisation,
            role__in=[Role.FACILITATOR, Role.CLINICAL_LEAD],
            deactivated_at__isnull=True,
        )
        .select_related("user")
        .order_by("user__display_name", "user_id")
    )
