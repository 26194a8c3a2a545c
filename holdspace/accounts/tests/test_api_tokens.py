"""API tokens: failed ones throttled per client address, and each token's last use kept."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from holdspace.accounts.models import ApiToken
from holdspace.accounts.services import api_token_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast

pytestmark = pytest.mark.django_db
OPENAPI = json.loads((Path(__file__).resolve().parents[3] / "docs" / "openapi.json").read_text())
LIMIT = 3
HERE = "192.0.2.10"  # documentation addresses (RFC 5737): a test client's, never a real one
ELSEWHERE = "192.0.2.20"


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        yield t


@pytest.fixture
def few_failures(settings: Any) -> None:
    settings.API_TOKEN_FAILURE_LIMIT = LIMIT
    settings.API_TOKEN_FAILURE_WINDOW_SECONDS = 60


def _me(token: str, address: str = HERE, **extra: str) -> int:
    client = Client(headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=address, **extra)
    status: int = client.get("/api/v1/me").status_code
    return status


def _fail(times: int, address: str = HERE) -> list[int]:
    return [_me("hs_wrong", address) for _ in range(times)]


def test_it_answers_429_to_an_address_past_its_failed_tokens_even_with_a_right_one(
    cast: Cast, few_failures: None, clock: time_machine.Coordinates
) -> None:
    token = api_token_create(user=cast.partner_a)
    assert _fail(LIMIT) == [401] * LIMIT
    client = Client(headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=HERE)
    refused = client.get("/api/v1/me")
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many requests"}
    assert refused["Retry-After"] == "60"
    assert "429" in OPENAPI["paths"]["/api/v1/me"]["get"]["responses"]
    # Further guesses are refused without being tried: nothing more is audited.
    assert _fail(2) == [429, 429]
    assert AuditEvent.objects.filter(action="auth.token_failed").count() == LIMIT


def test_it_leaves_a_right_token_from_another_address_alone(
    cast: Cast, few_failures: None, clock: time_machine.Coordinates
) -> None:
    token = api_token_create(user=cast.partner_a)
    _fail(LIMIT + 1)
    assert _me(token, ELSEWHERE) == 200
    assert _fail(1, ELSEWHERE) == [401]


def test_it_counts_only_failures(
    cast: Cast, few_failures: None, clock: time_machine.Coordinates
) -> None:
    token = api_token_create(user=cast.partner_a)
    assert [_me(token) for _ in range(LIMIT * 3)] == [200] * (LIMIT * 3)
    assert _fail(LIMIT + 1) == [401] * LIMIT + [429]


def test_it_lets_the_address_try_again_once_the_window_has_passed(
    cast: Cast, few_failures: None, clock: time_machine.Coordinates
) -> None:
    token = api_token_create(user=cast.partner_a)
    _fail(1)
    clock.shift(dt.timedelta(seconds=30))
    _fail(LIMIT - 1)
    assert _me(token) == 429
    clock.shift(dt.timedelta(seconds=25))
    refused = Client(headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=HERE).get(
        "/api/v1/me"
    )
    assert refused["Retry-After"] == "5"  # the first failure leaves the window then
    clock.shift(dt.timedelta(seconds=6))
    assert _me(token) == 200
    assert _fail(1) == [401]  # one failure had left the window: room for one more
    assert _me(token) == 429


def test_it_throttles_the_address_the_audit_trail_records_behind_a_proxy(
    cast: Cast, few_failures: None, settings: Any, clock: time_machine.Coordinates
) -> None:
    settings.BEHIND_TLS_PROXY = True
    token = api_token_create(user=cast.partner_a)
    proxy = "127.0.0.1"
    for _ in range(LIMIT):
        assert _me("hs_wrong", proxy, HTTP_X_FORWARDED_FOR=f"198.51.100.1, {HERE}") == 401
    assert _me(token, proxy, HTTP_X_FORWARDED_FOR=HERE) == 429
    assert _me(token, proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE) == 200
    failed = AuditEvent.objects.filter(action="auth.token_failed").first()
    assert failed is not None and failed.ip == HERE


def test_it_does_not_throttle_requests_without_a_bearer_token(
    cast: Cast, few_failures: None, clock: time_machine.Coordinates
) -> None:
    for _ in range(LIMIT + 2):
        assert Client(REMOTE_ADDR=HERE).get("/api/v1/me").status_code == 401
    assert _me(api_token_create(user=cast.partner_a)) == 200


# Last use ---------------------------------------------------------------------------------


def test_it_records_when_a_token_was_last_used_at_most_once_a_minute(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    token = api_token_create(user=cast.partner_a)
    stored = ApiToken.objects.get(user=cast.partner_a)
    assert stored.last_used_at is None
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert _me(token) == 200
    stored.refresh_from_db()
    assert stored.last_used_at == start
    clock.shift(dt.timedelta(seconds=59))
    assert _me(token) == 200
    stored.refresh_from_db()
    assert stored.last_used_at == start  # within the minute: not written again
    clock.shift(dt.timedelta(seconds=1))
    assert _me(token) == 200
    stored.refresh_from_db()
    assert stored.last_used_at == start + dt.timedelta(minutes=1)


def test_it_writes_no_row_for_a_request_within_the_minute(
    cast: Cast, django_assert_num_queries, clock: time_machine.Coordinates
) -> None:  # type: ignore[no-untyped-def]
    token = api_token_create(user=cast.partner_a)
    client = Client(headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=HERE)
    client.get("/api/v1/me")

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/me")
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert writes == []


def test_it_lists_a_persons_tokens_with_their_last_use(
    cast: Cast, run_cli, capsys: pytest.CaptureFixture[str], clock: time_machine.Coordinates
) -> None:  # type: ignore[no-untyped-def]
    used = api_token_create(user=cast.partner_a)
    api_token_create(user=cast.partner_a)
    clock.shift(dt.timedelta(minutes=5))
    assert _me(used) == 200
    capsys.readouterr()
    assert run_cli(["api-token", "partner_a@example.org", "--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["token", "created", "last", "used", "revoked"]
    assert out[1].split()[0] == used[:8] + "…"
    assert "2026-12-01 09:05" in out[1] and "never" in out[2]
    assert ApiToken.objects.filter(user=cast.partner_a).count() == 2  # listing made none


def test_it_says_when_a_person_has_no_tokens(
    cast: Cast, run_cli, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(["api-token", "partner_b@example.org", "--list"]) == 0
    assert "partner_b@example.org has no API tokens." in capsys.readouterr().out
