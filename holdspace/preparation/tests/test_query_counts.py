"""The readiness page and API answer in a constant number of queries as a couple's records
grow (screenings, forms, preparation sessions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdspace.conftest import Cast
from holdspace.preparation.models import PartnerForm, PreparationSession
from holdspace.screening.models import Screening, ScreeningOverride

pytestmark = pytest.mark.django_db


def _grow(cast: Cast, rounds: int) -> None:
    couple = cast.couple
    org = cast.center
    partners = [cast.partner_a, cast.partner_b]
    now = timezone.now()
    screenings = Screening.objects.bulk_create(
        Screening(
            organisation=org,
            couple=couple,
            partner=partner,
            substance="psilocybin",
            decision="review",
            findings=[],
            rule_set_version="t",
            dictionary_version="t",
            entered_by=partner,
            created_at=now - dt.timedelta(minutes=i),
        )
        for i in range(rounds)
        for partner in partners
    )
    ScreeningOverride.objects.bulk_create(
        ScreeningOverride(
            organisation=org,
            couple=couple,
            screening=s,
            decision="eligible",
            reason="reviewed in the test",
            rule_set_version="t",
            decided_by=cast.lead,
        )
        for s in screenings
    )
    PartnerForm.objects.bulk_create(
        PartnerForm(
            organisation=org,
            couple=couple,
            partner=partner,
            kind=kind,
            data={"acknowledged": True},
            recorded_by=partner,
        )
        for _ in range(rounds)
        for partner in partners
        for kind in ("informed_consent", "touch_consent", "safety_plan")
    )
    PreparationSession.objects.bulk_create(
        PreparationSession(
            organisation=org,
            couple=couple,
            kind="private",
            partner=partner,
            held_at=now - dt.timedelta(days=1 + i),
            facilitator=cast.facilitator,
            recorded_by=cast.facilitator,
        )
        for i in range(rounds)
        for partner in partners
    )


def _count(request: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert getattr(response, "status_code", None) == 200
    return len(queries)


@pytest.mark.parametrize("who", ["facilitator", "lead", "partner_a"])
def test_it_builds_the_readiness_page_in_the_same_number_of_queries_however_many_records(
    cast: Cast, who: str
) -> None:
    client = cast.client(who)
    url = f"/couples/{cast.couple.pk}/readiness/"
    _grow(cast, 1)
    client.get(url)  # the first request also starts the session and the audit chain
    small = _count(lambda: client.get(url))
    _grow(cast, 40)
    assert _count(lambda: client.get(url)) == small


def test_it_answers_the_readiness_api_in_the_same_number_of_queries_however_many_records(
    cast: Cast,
) -> None:
    api = cast.api("facilitator")
    url = f"/api/v1/couples/{cast.couple.pk}/readiness"
    _grow(cast, 1)
    api.get(url)
    small = _count(lambda: api.get(url))
    _grow(cast, 40)
    assert _count(lambda: api.get(url)) == small
