"""/api/v1/inventory: lots received, listed and read, movements exactly once (201, 200 for a
replay, 409 insufficient_stock or conflict, 422 naming the field), status and counts; and the
web forms giving the same answer for the same input."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from holdspace.accounts.models import Membership, Role
from holdspace.conftest import Cast
from holdspace.inventory.models import LedgerLine, Lot
from holdspace.inventory.tests.conftest import Receive


def _body(**changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    body: dict[str, Any] = {
        "lot_number": "PSI-API-1",
        "product_name": "Golden Teacher, dried",
        "product_type": "whole_fungi",
        "source_licence": "PSI-MFG-00042",
        "source_name": "Cascade Fungi LLC",
        "units": 10,
        "mg_per_unit": 5,
        "status": "released",
        "expires_on": (today + dt.timedelta(days=300)).isoformat(),
        "lab_result": "pass",
        "tested_on": (today - dt.timedelta(days=3)).isoformat(),
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _fields(answer: Any) -> set[str]:
    return {str(problem["loc"][-1]) for problem in answer.json()["detail"]}


def test_it_receives_lists_and_reads_a_lot(cast: Cast) -> None:
    api = cast.api("lead")
    receipt = str(uuid.uuid4())
    made = api.post("/api/v1/inventory/lots", {**_body(), "id": receipt}, "application/json")
    assert made.status_code == 201, made.content
    lot = made.json()
    assert (lot["on_hand"], lot["status"], lot["units_received"]) == (10, "released", 10)
    again = api.post("/api/v1/inventory/lots", {**_body(), "id": receipt}, "application/json")
    assert (again.status_code, again.json()["id"]) == (200, lot["id"])
    listed = api.get("/api/v1/inventory/lots").json()
    assert (listed["count"], listed["next"], listed["items"][0]["on_hand"]) == (1, None, 10)
    assert api.get("/api/v1/inventory/lots", {"status": "recalled"}).json()["count"] == 0
    detail = api.get(f"/api/v1/inventory/lots/{lot['id']}").json()
    assert detail["on_hand"] == 10
    (line,) = detail["lines"]
    assert (line["id"], line["kind"], line["units"], line["balance"], line["mg"]) == (
        receipt,
        "receipt",
        10,
        10,
        50.0,
    )


def test_it_answers_409_for_a_lot_number_already_received(cast: Cast) -> None:
    api = cast.api("admin")
    assert api.post("/api/v1/inventory/lots", _body(), "application/json").status_code == 201
    taken = api.post("/api/v1/inventory/lots", _body(lot_number="psi-api-1"), "application/json")
    assert taken.status_code == 409
    assert "PSI-API-1 is already in the ledger" in taken.json()["detail"]
    assert Lot.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"units": 0}, "units"),
        ({"units": 2.5}, "units"),
        ({"units": -1}, "units"),
        ({"mg_per_unit": 0}, "mg_per_unit"),
        ({"lab_result": "maybe"}, "lab_result"),
        ({"product_type": "mushroom"}, "product_type"),
        ({"tested_on": "2999-01-01"}, "tested_on"),
        ({"lab_result": "fail"}, "status"),
        ({"lab_result": "pending", "tested_on": None}, "status"),
        ({"expires_on": "2001-01-01"}, "expires_on"),
        ({"lot_number": ""}, "lot_number"),
        ({"source_licence": None}, "source_licence"),
    ],
)
def test_it_answers_422_naming_the_field_on_the_api_and_the_web(
    cast: Cast, changes: dict[str, Any], field: str
) -> None:
    answer = cast.api("lead").post("/api/v1/inventory/lots", _body(**changes), "application/json")
    assert answer.status_code == 422, answer.content
    assert field in _fields(answer)
    form = {**_body(**changes), "id": str(uuid.uuid4())}
    page = cast.client("lead").post("/inventory/lots/new/", form)
    assert page.status_code == 422
    assert f'id="id_{field}_error"' in page.content.decode()
    assert not Lot.objects.exists()


@pytest.fixture
def lot(receive: Receive) -> Lot:
    return receive(units=10)


def _move(cast: Cast, lot: Lot, who: str = "lead", **changes: Any) -> Any:
    body = {
        "id": str(uuid.uuid4()),
        "kind": "waste",
        "units": 1,
        "reason": "Dropped on the floor",
        "witness_id": cast.facilitator.pk,
    }
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not None}
    return cast.api(who).post(
        f"/api/v1/inventory/lots/{lot.pk}/movements", body, "application/json"
    )


def test_it_records_a_movement_once_across_a_replay(cast: Cast, lot: Lot) -> None:
    line_id = str(uuid.uuid4())
    first = _move(cast, lot, id=line_id, units=3)
    assert first.status_code == 201, first.content
    line = first.json()
    assert (line["kind"], line["units"], line["balance"], line["witness_id"]) == (
        "waste",
        -3,
        7,
        cast.facilitator.pk,
    )
    assert line["recorded_by_id"] == cast.lead.pk
    replay = _move(cast, lot, id=line_id, units=3)
    assert (replay.status_code, replay.json()) == (200, line)
    conflict = _move(cast, lot, id=line_id, units=2)
    assert (conflict.status_code, conflict.json()["code"]) == (409, "conflict")
    lot.refresh_from_db()
    assert lot.on_hand == 7 and LedgerLine.objects.filter(lot=lot).count() == 2


def test_it_answers_409_insufficient_stock(cast: Cast, lot: Lot) -> None:
    short = _move(cast, lot, kind="adjustment", units=-11, witness_id=None, reason="Count")
    assert short.status_code == 409
    assert (short.json()["code"], short.json()["on_hand"]) == ("insufficient_stock", 10)
    assert "has 10 unit(s) on hand" in short.json()["detail"]
    lot.refresh_from_db()
    assert lot.on_hand == 10


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": None}, "reason"),
        ({"witness_id": None}, "witness_id"),
        ({"kind": "return", "reason": ""}, "reason"),
        ({"kind": "adjustment", "units": 0, "witness_id": None}, "units"),
        ({"units": 0}, "units"),
        ({"kind": "dose"}, "kind"),
        ({"id": "not-a-uuid"}, "id"),
    ],
)
def test_it_answers_422_for_a_movement_naming_the_field(
    cast: Cast, lot: Lot, changes: dict[str, Any], field: str
) -> None:
    answer = _move(cast, lot, **changes)
    assert answer.status_code == 422, answer.content
    assert field in _fields(answer)


def test_it_changes_a_status_and_reconciles_a_count(cast: Cast, lot: Lot) -> None:
    api = cast.api("lead")
    url = f"/api/v1/inventory/lots/{lot.pk}"
    recalled = api.post(
        f"{url}/status", {"status": "recalled", "note": "OHA notice"}, "application/json"
    )
    assert (recalled.status_code, recalled.json()["status"]) == (200, "recalled")
    final = api.post(f"{url}/status", {"status": "released"}, "application/json")
    assert final.status_code == 422 and "status" in _fields(final)
    count_id = str(uuid.uuid4())
    body = {"id": count_id, "counted_units": 8, "note": "Shelf count"}
    counted = api.post(f"{url}/reconciliations", body, "application/json")
    assert counted.status_code == 201, counted.content
    shown = counted.json()
    assert (shown["counted_units"], shown["ledger_units"], shown["variance"]) == (8, 10, -2)
    assert shown["adjustment"] is not None
    assert api.post(f"{url}/reconciliations", body, "application/json").status_code == 200
    other = api.post(f"{url}/reconciliations", {**body, "counted_units": 9}, "application/json")
    assert other.status_code == 409
    detail = api.get(url).json()
    assert detail["on_hand"] == 8
    assert [line["kind"] for line in detail["lines"]] == ["receipt", "adjustment"]
    assert detail["reconciliations"][0]["variance"] == -2


def test_it_asks_a_caller_on_two_staffs_to_choose_an_organisation(cast: Cast) -> None:
    Membership.objects.create(organisation=cast.trial, user=cast.lead, role=Role.CLINICAL_LEAD)
    api = cast.api("lead")
    answer = api.get("/api/v1/inventory/lots")
    assert answer.status_code == 422 and "organisation_id" in _fields(answer)
    chosen = api.get("/api/v1/inventory/lots", {"organisation_id": cast.trial.pk})
    assert chosen.status_code == 200
    made = api.post(
        f"/api/v1/inventory/lots?organisation_id={cast.trial.pk}", _body(), "application/json"
    )
    assert made.status_code == 201 and made.json()["organisation_id"] == cast.trial.pk


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": ""}, "reason", "Give the reason"),
        ({"witness_id": ""}, "witness_id", "Waste is witnessed"),
        ({"units": "0"}, "units", "at least 1"),
    ],
)
def test_it_gives_the_same_refusal_on_the_web_as_on_the_api(
    cast: Cast, lot: Lot, changes: dict[str, Any], field: str, message: str
) -> None:
    api_changes = {k: (None if v == "" and k == "witness_id" else v) for k, v in changes.items()}
    if "units" in api_changes:
        api_changes["units"] = int(api_changes["units"])
    answer = _move(cast, lot, **api_changes)
    assert answer.status_code == 422
    assert any(message in p["msg"] for p in answer.json()["detail"])
    form = {
        "id": str(uuid.uuid4()),
        "kind": "waste",
        "units": "1",
        "reason": "Dropped",
        "witness_id": str(cast.facilitator.pk),
        **changes,
    }
    page = cast.client("lead").post(f"/inventory/lots/{lot.pk}/movements", form)
    assert page.status_code == 422
    assert message in page.content.decode()
    lot.refresh_from_db()
    assert lot.on_hand == 10
