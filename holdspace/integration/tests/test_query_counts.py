"""Integration's pages ask the database the same number of questions however much the couple
has written, scheduled or checked in on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdspace.conftest import Cast, make_entry, make_session
from holdspace.integration.models import (
    CheckIn,
    Commitment,
    CommitmentRevision,
    FollowUpContact,
    IntegrationOffer,
    IntegrationSession,
)

pytestmark = pytest.mark.django_db


def _queries(cast: Cast, who: str, url: str) -> int:
    client = cast.client(who)
    client.get(url)  # the one-time notice and sessions settle on the first visit
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _commitments(cast: Cast, n: int) -> None:
    for i in range(n):
        commitment = Commitment.objects.create(
            organisation=cast.center, couple=cast.couple, created_by=cast.partner_a
        )
        for who in (cast.partner_a, cast.facilitator):
            CommitmentRevision.objects.create(
                organisation=cast.center,
                commitment=commitment,
                description=f"Commitment {i} by {who.pk}",
                cadence="weekly",
                starts_on=timezone.localdate() - dt.timedelta(days=21),
                revised_by=who,
            )
        for weeks in range(3):
            CheckIn.objects.create(
                organisation=cast.center,
                commitment=commitment,
                partner=cast.partner_b,
                period_start=timezone.localdate() - dt.timedelta(days=21 - 7 * weeks),
                status="done",
            )


def _integration(cast: Cast, n: int) -> None:
    for i in range(n):
        session = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=10 + i))
        session.status = "closed"
        session.save(update_fields=["status"])
        IntegrationOffer.objects.create(
            organisation=cast.center,
            couple=cast.couple,
            session=session,
            answer="accepted",
            offered_by=cast.facilitator,
        )
        FollowUpContact.objects.create(
            organisation=cast.center,
            couple=cast.couple,
            session=session,
            partner=cast.partner_a,
            due_on=timezone.localdate() + dt.timedelta(days=i),
        )
        for status, days in (("held", -i - 1), ("scheduled", i + 1)):
            IntegrationSession.objects.create(
                organisation=cast.center,
                couple=cast.couple,
                partner=cast.partner_b if i % 2 else None,
                held_at=timezone.now() + dt.timedelta(days=days),
                status=status,
                facilitator=cast.facilitator,
                recorded_by=cast.facilitator,
                carry_forward=f"Carried {i}",
            )


def _journal(cast: Cast, n: int) -> None:
    for i in range(n):
        for who in (cast.partner_a, cast.partner_b):
            for visibility in ("private", "team", "couple"):
                make_entry(cast.couple, who, visibility, f"Entry {i}", kind="journal")


PAGES: list[tuple[str, str, Callable[[Cast, int], None]]] = [
    ("commitments/", "partner_a", _commitments),
    ("commitments/", "facilitator", _commitments),
    ("integration/", "facilitator", _integration),
    ("integration/", "partner_b", _integration),
    ("journal/", "partner_a", _journal),
    ("journal/", "lead", _journal),
]


@pytest.mark.parametrize(("page", "who", "grow"), PAGES)
def test_it_asks_the_same_number_of_questions_for_one_record_or_many(
    cast: Cast, page: str, who: str, grow: Callable[[Cast, int], None]
) -> None:
    url = f"/couples/{cast.couple.pk}/{page}"
    grow(cast, 1)
    few = _queries(cast, who, url)
    grow(cast, 6)
    assert _queries(cast, who, url) == few
