"""One clock per organisation: the zone a request, an e-mail or an export is shown in.

Times are stored in UTC. A request turns on the zone of the organisation it is about
(`activate_for_request`, from the middleware for pages and from the API's authentication for
tokens), so Django's forms parse typed times in it, `timezone.localdate()` answers that
organisation's day, and templates show its clock. Worker code has no request: it wraps each
organisation's work in `organisation_clock(org)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone

from holdspace.accounts.models import Membership, Organisation, User, organisation_zone
from holdspace.couples.models import Couple
from holdspace.sessions.models import MedicineSession

# Path arguments that name a record of one organisation, and how to find which.
_PAGE_RECORDS: dict[str, type[Couple] | type[MedicineSession]] = {
    "couple_id": Couple,
    "session_id": MedicineSession,
}


def org_localtime(organisation: Organisation, value: dt.datetime) -> dt.datetime:
    """VALUE (aware) on the organisation's clock."""
    return timezone.localtime(value, organisation.tzinfo)


def org_localdate(organisation: Organisation, value: dt.datetime | None = None) -> dt.date:
    """The organisation's day at VALUE (now when None)."""
    return timezone.localdate(value or timezone.now(), organisation.tzinfo)


@contextmanager
def organisation_clock(organisation: Organisation | None) -> Iterator[None]:
    """Everything inside shows, parses and counts days in ORGANISATION's zone (the server's
    when None)."""
    if organisation is None:
        yield
        return
    with timezone.override(organisation.tzinfo):
        yield


def _zones_of(user: User) -> dict[int, ZoneInfo]:
    rows = Membership.objects.filter(user=user).values_list(
        "organisation_id", "organisation__time_zone", "organisation__profile"
    )
    return {org: organisation_zone(name, profile) for org, name, profile in rows}


def _page_organisation(request: HttpRequest) -> int | None:
    """The organisation the page is about: `?org=`, else the couple or medicine session its
    address names."""
    raw = str(request.GET.get("org", "")).strip()
    if raw.isdigit():
        return int(raw)
    match = getattr(request, "resolver_match", None)
    for argument, model in _PAGE_RECORDS.items():
        value = match.kwargs.get(argument) if match is not None else None
        # An int from a page's path converter; a string of digits from the API's routes.
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and 0 < value < 2**63:
            found = model.objects.filter(pk=value).values_list("organisation_id", flat=True).first()
            return int(found) if found is not None else None
    return None


def zone_for_request(request: HttpRequest, user: User) -> ZoneInfo | None:
    """The zone of the organisation REQUEST is about, among USER's; None when they have none.

    A person in one organisation (or several on one clock) gets it at one query. Someone in
    organisations on different clocks gets the organisation of the page, else their first."""
    zones = _zones_of(user)
    if not zones:
        return None
    if len(set(zones.values())) > 1:
        page = _page_organisation(request)
        if page in zones:
            return zones[page]
    return zones[min(zones)]


def activate_for_request(request: HttpRequest, user: User) -> None:
    """Turn on USER's organisation's zone for the rest of REQUEST (the middleware turns it off
    when the response is made)."""
    found = zone_for_request(request, user)
    if found is None:
        timezone.deactivate()
    else:
        timezone.activate(found)
    request.time_zone = found or timezone.get_default_timezone()  # type: ignore[attr-defined]
