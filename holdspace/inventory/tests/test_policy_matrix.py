"""The ledger's section of the policy matrix: every person of the cast, and the other
organisation's, against every page and endpoint of the ledger, web and API. Clinical leads and
org admins manage it; facilitators read it; partners and researchers are refused the
organisation's ledger (403) and told a lot does not exist (404); nobody reaches another
organisation's lots. Every refusal is audited."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.inventory.models import LedgerLine, Lot
from holdspace.inventory.tests.conftest import Receive

MANAGERS = ["lead", "admin"]
READERS = ["facilitator", "other_facilitator"]
OUTSIDERS = ["partner_a", "partner_b", "partner_c", "partner_d", "researcher"]
STRANGERS = ["trial_facilitator", "trial_partner_a"]
EVERYONE = MANAGERS + READERS + OUTSIDERS + STRANGERS


@pytest.fixture
def lot(receive: Receive) -> Lot:
    return receive(units=10)


def _reads(lot: Lot) -> dict[str, tuple[str, str]]:
    """name: (level, url), level "org" or "lot"."""
    return {
        "ledger page": ("org", "/inventory/"),
        "ledger csv": ("org", "/inventory/ledger.csv"),
        "lot page": ("lot", f"/inventory/lots/{lot.pk}/"),
        "lot csv": ("lot", f"/inventory/lots/{lot.pk}/ledger.csv"),
        "api list": ("org", "/api/v1/inventory/lots"),
        "api lot": ("lot", f"/api/v1/inventory/lots/{lot.pk}"),
    }


def _expected_read(who: str, level: str) -> int:
    if who in MANAGERS + READERS:
        return 200
    if level == "org":
        return 403
    return 404


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_the_organisations_staff_read_the_ledger_and_no_one_else(
    cast: Cast, lot: Lot, who: str
) -> None:
    web, api = cast.client(who), cast.api(who)
    for name, (level, url) in _reads(lot).items():
        client = api if url.startswith("/api/") else web
        answer = client.get(
            url, {"org": cast.center.pk} if level == "org" and client is web else {}
        )
        if who in STRANGERS and level == "org" and client is web:
            # Asked for the center's ledger by name: not theirs.
            assert answer.status_code == 403, (name, answer.status_code)
            continue
        expected = _expected_read(who, level)
        if who in STRANGERS and level == "org" and client is api:
            # Their own organisation's ledger, where they are staff: the trial site's, empty.
            expected = 200 if who == "trial_facilitator" else 403
        assert answer.status_code == expected, (name, answer.status_code)
        if expected == 200 and client is api and level == "org":
            count = answer.json()["count"]
            assert count == (0 if who in STRANGERS else 1)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_leads_and_admins_change_the_ledger(cast: Cast, lot: Lot, who: str) -> None:
    web, api = cast.client(who), cast.api(who)
    before = AuditEvent.objects.filter(action="access.denied").count()
    writes: list[tuple[str, Client, str, dict[str, Any], bool]] = [
        ("web receive", web, f"/inventory/lots/new/?org={cast.center.pk}", _lot_form(), False),
        ("web status", web, f"/inventory/lots/{lot.pk}/status", {"status": "recalled"}, True),
        ("web move", web, f"/inventory/lots/{lot.pk}/movements", _move_form(cast), True),
        ("web count", web, f"/inventory/lots/{lot.pk}/reconciliations", _count_form(), True),
        (
            "api receive",
            api,
            f"/api/v1/inventory/lots?organisation_id={cast.center.pk}",
            _lot_body(),
            False,
        ),
        (
            "api status",
            api,
            f"/api/v1/inventory/lots/{lot.pk}/status",
            {"status": "recalled"},
            True,
        ),
        ("api move", api, f"/api/v1/inventory/lots/{lot.pk}/movements", _move_body(cast), True),
        ("api count", api, f"/api/v1/inventory/lots/{lot.pk}/reconciliations", _count_body(), True),
    ]
    for name, client, url, body, on_lot in writes:
        if client is api:
            answer = client.post(url, body, "application/json")
        else:
            answer = client.post(url, body)
        if who in MANAGERS:
            assert answer.status_code in (200, 201, 302), (name, answer.status_code)
            continue
        if on_lot and who not in READERS:
            expected = 404  # a lot they may not see does not exist for them
        else:
            expected = 403
        assert answer.status_code == expected, (name, answer.status_code)
    if who not in MANAGERS:
        lot.refresh_from_db()
        assert (lot.on_hand, lot.status) == (10, "released")
        assert LedgerLine.objects.count() == 1 and Lot.objects.count() == 1
        assert AuditEvent.objects.filter(action="access.denied").count() == before + len(writes)


def _lot_form() -> dict[str, str]:
    return {k: str(v) for k, v in {**_lot_body(), "id": str(uuid.uuid4())}.items()}


def _lot_body() -> dict[str, Any]:
    return {
        "lot_number": f"M-{uuid.uuid4().hex[:8]}",
        "product_name": "Dried fungi",
        "product_type": "whole_fungi",
        "source_licence": "L-1",
        "source_name": "Source",
        "units": 5,
        "mg_per_unit": 2,
        "status": "quarantined",
        "lab_result": "pending",
    }


def _move_body(cast: Cast) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": "waste",
        "units": 1,
        "reason": "Broken",
        "witness_id": cast.facilitator.pk,
    }


def _move_form(cast: Cast) -> dict[str, str]:
    return {k: str(v) for k, v in _move_body(cast).items()}


def _count_body() -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "counted_units": 9}


def _count_form() -> dict[str, str]:
    return {k: str(v) for k, v in _count_body().items()}


@pytest.mark.parametrize("who", ["trial_facilitator"])
def test_it_keeps_another_organisations_staff_out_of_the_centers_lots(
    cast: Cast, lot: Lot, who: str
) -> None:
    for url in (f"/inventory/lots/{lot.pk}/", f"/inventory/lots/{lot.pk}/ledger.csv"):
        assert cast.client(who).get(url).status_code == 404
    assert cast.api(who).get(f"/api/v1/inventory/lots/{lot.pk}").status_code == 404
    assert cast.api(who).get(f"/api/v1/inventory/lots/{lot.pk + 1000}").status_code == 404
    denied = AuditEvent.objects.filter(action="access.denied", object_type="lot")
    assert denied.count() == 4
