"""A page's query count does not grow with the number of couples or entries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from holdspace.accounts.models import Membership, Role, User
from holdspace.conftest import Cast
from holdspace.couples.models import CareTeamMember, Couple, Entry, EntryReply, Partner

pytestmark = pytest.mark.django_db


def _grow(cast: Cast, couples: int, entries_per_couple: int) -> None:
    """Add couples (each with two partners and the facilitator) and entries in bulk."""
    org = cast.center
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"bulk{start + i}@example.org", display_name=f"Bulk {i}")
        for i in range(couples * 2)
    )
    Membership.objects.bulk_create(
        Membership(organisation=org, user=u, role=Role.PARTNER) for u in users
    )
    new = Couple.objects.bulk_create(
        Couple(organisation=org, name=f"Bulk couple {i:04d}", stage="screening")
        for i in range(couples)
    )
    Partner.objects.bulk_create(
        Partner(organisation=org, couple=c, user=users[2 * i + s], slot="ab"[s])
        for i, c in enumerate(new)
        for s in (0, 1)
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(organisation=org, couple=c, user=cast.facilitator) for c in new
    )
    targets = [*new, cast.couple]
    Entry.objects.bulk_create(
        Entry(
            organisation=org,
            couple=c,
            author=cast.partner_a if c == cast.couple else users[2 * new.index(c)],
            kind="journal",
            visibility=v,
            body="x",
        )
        for c in targets
        for _ in range(entries_per_couple)
        for v in ("team", "couple")
    )


def _shared_entry(cast: Cast) -> Entry:
    """The first couple-visible entry of partner A (made on first use)."""
    entry, _made = Entry.objects.get_or_create(
        organisation=cast.center,
        couple=cast.couple,
        author=cast.partner_a,
        kind="reflection",
        visibility="couple",
        body="The one we look at.",
    )
    return entry


def _reply_to_all(cast: Cast) -> None:
    """A reply from the care team beneath every shared entry that has none yet."""
    fresh = Entry.objects.filter(replies__isnull=True)
    EntryReply.objects.bulk_create(
        EntryReply(
            organisation_id=e.organisation_id,
            couple_id=e.couple_id,
            entry_id=e.pk,
            author=cast.facilitator,
            body="Thank you.",
        )
        for e in fresh
    )


def _count(request: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert getattr(response, "status_code", None) == 200
    return len(queries)


PAGES: dict[str, Callable[[Cast, Client, Client], object]] = {
    "couples list (web)": lambda cast, web, api: web.get("/console/"),
    "couples list (api)": lambda cast, web, api: api.get("/api/v1/couples"),
    "couples list filtered (web)": lambda cast, web, api: web.get(
        f"/console/?q=bulk&stage=screening&facilitator={cast.facilitator.pk}&alerts=1&overdue=1"
    ),
    "couples list, overdue (web)": lambda cast, web, api: web.get("/console/?overdue=1"),
    "couples list filtered (api)": lambda cast, web, api: api.get(
        f"/api/v1/couples?q=example.org&stage=screening&facilitator={cast.facilitator.pk}"
    ),
    "couple page (web)": lambda cast, web, api: web.get(f"/couples/{cast.couple.pk}/"),
    "entry with replies (web)": lambda cast, web, api: web.get(
        f"/couples/{cast.couple.pk}/entries/{_shared_entry(cast).pk}/"
    ),
    "couple (api)": lambda cast, web, api: api.get(f"/api/v1/couples/{cast.couple.pk}"),
    "entries (api)": lambda cast, web, api: api.get(f"/api/v1/couples/{cast.couple.pk}/entries"),
    "journal (web)": lambda cast, web, api: web.get(f"/couples/{cast.couple.pk}/journal/"),
    "journal (api)": lambda cast, web, api: api.get(f"/api/v1/couples/{cast.couple.pk}/journal"),
    "schedule (api)": lambda cast, web, api: api.get(f"/api/v1/couples/{cast.couple.pk}/schedule"),
    "progress report (web)": lambda cast, web, api: web.get(f"/couples/{cast.couple.pk}/report/"),
    "readings (web)": lambda cast, web, api: web.get(f"/couples/{cast.couple.pk}/readings/"),
    "portal questionnaires (web)": lambda cast, web, api: web.get(
        f"/couples/{cast.couple.pk}/portal/questionnaires/"
    ),
    "portal sessions (web)": lambda cast, web, api: web.get(
        f"/couples/{cast.couple.pk}/portal/sessions/"
    ),
}


# Partners have no couples list: their portal is the couple page (its Today section) and the
# sections beside it, the portal's own for them alone.
CASES = [
    (page, viewer)
    for page in sorted(PAGES)
    for viewer in ("facilitator", "lead", "partner_a")
    if not (viewer == "partner_a" and "list" in page)
    and not (viewer != "partner_a" and "portal" in page)
]


@pytest.mark.parametrize(("page", "viewer"), CASES)
def test_it_keeps_the_query_count_constant_as_data_grows(
    cast: Cast, page: str, viewer: str
) -> None:
    web, api = cast.client(viewer), cast.api(viewer)
    load = PAGES[page]
    load(cast, web, api)  # warm: first request of a session saves it
    _grow(cast, couples=3, entries_per_couple=2)
    _reply_to_all(cast)
    small = _count(lambda: load(cast, web, api))
    _grow(cast, couples=60, entries_per_couple=30)
    _reply_to_all(cast)
    large = _count(lambda: load(cast, web, api))
    assert small == large, f"{page} as {viewer}: {small} queries, then {large}"
