"""The couple readings page, the portal and the API answer in a number of queries that does
not grow with the number of assignments."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from holdspace.conftest import Cast
from holdspace.readings.models import Reading, ReadingAssignment, ReadingRead

pytestmark = pytest.mark.django_db


def _grow(cast: Cast, to: int) -> None:
    """Bring the couple to TO assignments (for both, for A, for B in turn), half of them read."""
    have = ReadingAssignment.objects.filter(couple=cast.couple).count()
    readings = Reading.objects.bulk_create(
        Reading(
            organisation=cast.center,
            title=f"Reading {i}",
            slug=f"reading-{i}",
            body_markdown="## Heading\n\nText.",
            topic="other",
            created_by=cast.lead,
            updated_by=cast.lead,
        )
        for i in range(have, to)
    )
    partners = [None, cast.partner_a, cast.partner_b]
    made = ReadingAssignment.objects.bulk_create(
        ReadingAssignment(
            organisation=cast.center,
            couple=cast.couple,
            reading=r,
            partner=partners[i % 3],
            assigned_by=cast.facilitator,
        )
        for i, r in enumerate(readings)
    )
    ReadingRead.objects.bulk_create(
        ReadingRead(organisation=cast.center, assignment=a, partner=a.partner or cast.partner_a)
        for a in made[::2]
    )


def _count(request: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert getattr(response, "status_code", None) == 200
    return len(queries)


@pytest.mark.parametrize("who", ["facilitator", "lead", "partner_a"])
@pytest.mark.parametrize(
    "path",
    ["/couples/{id}/readings/", "/api/v1/couples/{id}/readings", "/couples/{id}/"],
)
def test_it_uses_a_constant_number_of_queries(cast: Cast, who: str, path: str) -> None:
    client = cast.api(who) if path.startswith("/api/") else cast.client(who)
    url = path.format(id=cast.couple.pk)
    _grow(cast, 3)
    client.get(url)  # warm the session and caches
    few = _count(lambda: client.get(url))
    _grow(cast, 30)
    many = _count(lambda: client.get(url))
    assert many == few, f"{path} as {who}: {few} queries with 3 assignments, {many} with 30"
