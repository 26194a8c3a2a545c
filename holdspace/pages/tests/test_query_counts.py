"""The Today page and the queue read a constant number of queries however many couples the
organisation has: 2 couples, then 50, each with something of every kind waiting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdspace.accounts.models import Membership, Role, User
from holdspace.bookings.models import Booking, BookingFacilitator
from holdspace.conftest import Cast
from holdspace.couples.models import CareTeamMember, Couple, Partner
from holdspace.pages.tests.waiting import expiring_licence, invitation, waiting_for

pytestmark = pytest.mark.django_db


def _grow(cast: Cast, couples: int) -> None:
    """COUPLES more couples in the center, cared for by the facilitator, each with an alert, a
    screening to decide, an ended session, an unread entry, overdue questionnaires and a
    check-in, an unaccepted invitation and a booking today; and a staff invitation and an
    expiring credential."""
    org = cast.center
    start = User.objects.count()
    users = [
        User.objects.create(email=f"grown{start + i}@example.org", display_name=f"Grown {i}")
        for i in range(couples * 2)
    ]
    Membership.objects.bulk_create(
        Membership(organisation=org, user=u, role=Role.PARTNER) for u in users
    )
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    for i in range(couples):
        couple = Couple.objects.create(
            organisation=org, name=f"Grown {start + i}", stage="screening"
        )
        for slot, user in (("a", users[2 * i]), ("b", users[2 * i + 1])):
            Partner.objects.create(organisation=org, couple=couple, user=user, slot=slot)
        CareTeamMember.objects.create(organisation=org, couple=couple, user=cast.facilitator)
        waiting_for(cast, couple, cast.facilitator)
        booking = Booking.objects.create(
            organisation=org,
            couple=couple,
            kind="integration",
            starts_at=noon,
            ends_at=noon + dt.timedelta(hours=1),
            created_by=cast.lead,
        )
        BookingFacilitator.objects.create(organisation=org, booking=booking, user=cast.facilitator)
    invitation(org, cast.admin, role=Role.FACILITATOR)
    expiring_licence(cast.facilitator, org)


def _count(request: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert getattr(response, "status_code", None) == 200
    return len(queries)


PAGES: dict[str, Callable[[Client, Client], object]] = {
    "today (web)": lambda web, api: web.get("/today/"),
    "queue (api)": lambda web, api: api.get("/api/v1/me/queue"),
    "today (api)": lambda web, api: api.get("/api/v1/me/today"),
}
CASES = [(page, who) for page in PAGES for who in ("facilitator", "lead", "admin")]


@pytest.mark.parametrize(("page", "who"), CASES)
def test_it_keeps_the_query_count_constant_from_2_to_50_couples(
    cast: Cast, page: str, who: str
) -> None:
    web, api = cast.client(who), cast.api(who)
    load = PAGES[page]
    load(web, api)  # warm: the first request of a session saves it
    _grow(cast, 2)
    small = _count(lambda: load(web, api))
    _grow(cast, 48)
    large = _count(lambda: load(web, api))
    assert small == large, f"{page} as {who}: {small} queries at 2 couples, {large} at 50"
