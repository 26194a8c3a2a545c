"""The ledger's services: receiving a lot, its status, waste, returns and adjustments, counts,
each rule and each refusal, and every movement exactly once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from holdspace.accounts.models import Membership, Role
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.inventory.models import LabResult, LedgerLine, LineKind, Lot, LotStatus
from holdspace.inventory.services import (
    InsufficientStock,
    LedgerConflict,
    LotConflict,
    LotNumberTaken,
    ReconciliationConflict,
    lot_movement_record,
    lot_receive,
    lot_reconcile,
    lot_status_change,
)
from holdspace.inventory.tests.conftest import Receive, lot_input


def _problems(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def _sum(lot: Lot) -> int:
    return int(LedgerLine.objects.filter(lot=lot).aggregate(s=Sum("units"))["s"] or 0)


# Receiving ---------------------------------------------------------------------------------


def test_it_receives_a_lot_with_its_receipt_line_and_audits_it(
    cast: Cast, receive: Receive
) -> None:
    lot = receive(units=12)
    assert (lot.on_hand, lot.units_received, lot.status) == (12, 12, LotStatus.RELEASED)
    assert lot.substance == "psilocybin"
    (line,) = LedgerLine.objects.filter(lot=lot)
    assert (line.kind, line.units, line.balance, line.recorded_by) == (
        LineKind.RECEIPT,
        12,
        12,
        cast.lead,
    )
    assert "Cascade Fungi LLC" in line.reason
    actions = set(
        AuditEvent.objects.filter(organisation_id=cast.center.pk).values_list("action", flat=True)
    )
    assert {"inventory.lot_receive", "inventory.movement"} <= actions


today = timezone.localdate


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lot_number": "  "}, "lot_number"),
        ({"lot_number": "x" * 101}, "lot_number"),
        ({"product_name": ""}, "product_name"),
        ({"source_licence": ""}, "source_licence"),
        ({"source_name": ""}, "source_name"),
        ({"product_type": "mushroom"}, "product_type"),
        ({"units": 0}, "units"),
        ({"units": -3}, "units"),
        ({"units": 2.5}, "units"),
        ({"units": 1_000_001}, "units"),
        ({"mg_per_unit": 0.0}, "mg_per_unit"),
        ({"mg_per_unit": -1.0}, "mg_per_unit"),
        ({"mg_per_unit": float("nan")}, "mg_per_unit"),
        ({"lab_result": "maybe"}, "lab_result"),
        ({"status": "lost"}, "status"),
        ({"tested_on": None}, "tested_on"),  # a pass needs its date
        ({"tested_on": "future"}, "tested_on"),
        ({"tested_on": dt.date(1999, 12, 31)}, "tested_on"),
        ({"expires_on": "before test"}, "expires_on"),
        ({"lab_result": LabResult.PENDING, "tested_on": None}, "status"),  # released, untested
        ({"lab_result": LabResult.FAIL}, "status"),
        ({"expires_on": "yesterday", "tested_on": "long ago"}, "status"),
    ],
)
def test_it_refuses_a_lot_naming_the_field(cast: Cast, changes: dict[str, Any], field: str) -> None:
    days = {
        "future": today() + dt.timedelta(days=1),
        "before test": today() - dt.timedelta(days=20),
        "yesterday": today() - dt.timedelta(days=1),
        "long ago": today() - dt.timedelta(days=400),
    }
    changes = {k: days.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    with pytest.raises(ValidationError) as refused:
        lot_receive(
            viewer=cast.viewer("lead"),
            organisation=cast.center,
            data=lot_input(**changes),
            receipt_id=uuid.uuid4(),
        )
    assert field in _problems(refused)
    assert not Lot.objects.exists() and not LedgerLine.objects.exists()


def test_it_receives_a_pending_lot_quarantined_without_a_test_date(receive: Receive) -> None:
    lot = receive(lab_result=LabResult.PENDING, tested_on=None, status=LotStatus.QUARANTINED)
    assert (lot.status, lot.lab_result, lot.tested_on) == ("quarantined", "pending", None)


def test_it_refuses_a_lot_number_already_in_the_ledger_whatever_its_case(
    cast: Cast, receive: Receive
) -> None:
    receive(lot_number="PSI-7")
    with pytest.raises(LotNumberTaken) as taken:
        receive(lot_number="psi-7 ")
    assert "PSI-7" in taken.value.message
    assert Lot.objects.count() == 1
    # Another organisation may hold the same number.
    Membership.objects.create(organisation=cast.trial, user=cast.lead, role=Role.CLINICAL_LEAD)
    assert receive(lot_number="PSI-7", organisation=cast.trial).organisation_id == cast.trial.pk


def test_it_recognises_a_replayed_receipt_and_refuses_another_lot_under_its_id(
    cast: Cast,
) -> None:
    receipt = uuid.uuid4()
    first = lot_receive(
        viewer=cast.viewer("lead"), organisation=cast.center, data=lot_input(), receipt_id=receipt
    )
    again = lot_receive(
        viewer=cast.viewer("lead"), organisation=cast.center, data=lot_input(), receipt_id=receipt
    )
    assert (first.created, again.created, again.lot.pk) == (True, False, first.lot.pk)
    assert LedgerLine.objects.count() == 1
    with pytest.raises(LotConflict):
        lot_receive(
            viewer=cast.viewer("lead"),
            organisation=cast.center,
            data=lot_input(lot_number="OTHER"),
            receipt_id=receipt,
        )


@pytest.mark.parametrize("who", ["facilitator", "researcher", "partner_a", "trial_facilitator"])
def test_it_lets_only_leads_and_admins_receive(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        lot_receive(
            viewer=cast.viewer(who),
            organisation=cast.center,
            data=lot_input(),
            receipt_id=uuid.uuid4(),
        )
    assert not Lot.objects.exists()


def test_it_lets_an_org_admin_receive(receive: Receive) -> None:
    assert receive(by="admin").on_hand == 10


# Status --------------------------------------------------------------------------------------


def test_it_releases_a_lot_only_once_its_test_has_passed(cast: Cast, receive: Receive) -> None:
    lot = receive(lab_result=LabResult.PENDING, tested_on=None, status=LotStatus.QUARANTINED)
    lead = cast.viewer("lead")
    with pytest.raises(ValidationError) as refused:
        lot_status_change(viewer=lead, lot=lot, status=LotStatus.RELEASED)
    assert "status" in _problems(refused)
    with pytest.raises(ValidationError) as undated:
        lot_status_change(viewer=lead, lot=lot, status=LotStatus.RELEASED, lab_result="pass")
    assert "tested_on" in _problems(undated)
    assert lot_status_change(
        viewer=lead,
        lot=lot,
        status=LotStatus.RELEASED,
        lab_result=LabResult.PASS,
        tested_on=today() - dt.timedelta(days=1),
    )
    lot.refresh_from_db()
    assert (lot.status, lot.lab_result) == ("released", "pass")
    # The same again changes nothing (a form posted twice) and is not audited twice.
    assert not lot_status_change(viewer=lead, lot=lot, status=LotStatus.RELEASED)
    assert AuditEvent.objects.filter(action="inventory.lot_status").count() == 1


@pytest.mark.parametrize("final", [LotStatus.RECALLED, LotStatus.EXPIRED])
@pytest.mark.parametrize("start", [LotStatus.QUARANTINED, LotStatus.RELEASED])
def test_it_recalls_or_expires_from_any_status_and_keeps_it_final(
    cast: Cast, receive: Receive, start: str, final: str
) -> None:
    lot = receive(status=start)
    lead = cast.viewer("lead")
    assert lot_status_change(viewer=lead, lot=lot, status=final, note="Notice 12")
    for other in (LotStatus.RELEASED, LotStatus.QUARANTINED):
        with pytest.raises(ValidationError) as refused:
            lot_status_change(viewer=lead, lot=lot, status=other)
        assert "status" in _problems(refused)
    lot.refresh_from_db()
    assert lot.status == final


def test_it_refuses_to_release_a_lot_past_its_expiry(cast: Cast, receive: Receive) -> None:
    lot = receive(
        status=LotStatus.QUARANTINED,
        tested_on=today() - dt.timedelta(days=400),
        expires_on=today(),
    )
    with pytest.raises(ValidationError) as refused:
        lot_status_change(viewer=cast.viewer("lead"), lot=lot, status=LotStatus.RELEASED)
    assert "expiry" in _problems(refused)["status"][0]


def test_it_refuses_a_status_change_to_a_facilitator(cast: Cast, receive: Receive) -> None:
    lot = receive()
    with pytest.raises(PermissionDenied):
        lot_status_change(viewer=cast.viewer("facilitator"), lot=lot, status="recalled")


# Movements -----------------------------------------------------------------------------------


def _move(cast: Cast, lot: Lot, kind: str, units: int, **kw: Any) -> Any:
    values: dict[str, Any] = {"reason": "Broken in transit", "witness_id": None}
    if kind == "waste":
        values["witness_id"] = cast.facilitator.pk
    values.update(kw)
    return lot_movement_record(
        viewer=cast.viewer("lead"),
        lot=lot,
        line_id=values.get("line_id") or uuid.uuid4(),
        kind=kind,
        units=units,
        reason=values["reason"],
        witness_id=values["witness_id"],
    )


@pytest.mark.parametrize(
    ("kind", "units", "change"),
    [("waste", 2, -2), ("return", 3, -3), ("adjustment", -1, -1), ("adjustment", 4, 4)],
)
def test_it_records_each_movement_with_its_sign_and_balance(
    cast: Cast, receive: Receive, kind: str, units: int, change: int
) -> None:
    lot = receive(units=10)
    moved = _move(cast, lot, kind, units)
    assert moved.created
    line = moved.line
    assert (line.kind, line.units, line.balance) == (kind, change, 10 + change)
    assert line.witness_id == (cast.facilitator.pk if kind == "waste" else None)
    lot.refresh_from_db()
    assert lot.on_hand == 10 + change == _sum(lot)


@pytest.mark.parametrize(
    ("kind", "units", "changes", "field"),
    [
        ("receipt", 1, {}, "kind"),
        ("dose", 1, {}, "kind"),
        ("waste", 0, {}, "units"),
        ("waste", -2, {}, "units"),
        ("return", 0, {}, "units"),
        ("adjustment", 0, {}, "units"),
        ("waste", 1, {"reason": "  "}, "reason"),
        ("return", 1, {"reason": ""}, "reason"),
        ("adjustment", 1, {"reason": ""}, "reason"),
        ("waste", 1, {"witness_id": None}, "witness_id"),
        ("waste", 1, {"witness": "lead"}, "witness_id"),  # the recorder
        ("waste", 1, {"witness": "partner_a"}, "witness_id"),
        ("waste", 1, {"witness": "researcher"}, "witness_id"),
        ("waste", 1, {"witness": "trial_facilitator"}, "witness_id"),
        ("waste", 1, {"witness": "deactivated"}, "witness_id"),
    ],
)
def test_it_refuses_a_movement_naming_the_field(
    cast: Cast, receive: Receive, kind: str, units: int, changes: dict[str, Any], field: str
) -> None:
    lot = receive(units=10)
    if changes.get("witness") == "deactivated":
        Membership.objects.filter(user=cast.other_facilitator).update(deactivated_at=timezone.now())
        changes = {"witness_id": cast.other_facilitator.pk}
    elif "witness" in changes:
        changes = {"witness_id": getattr(cast, changes["witness"]).pk}
    with pytest.raises(ValidationError) as refused:
        _move(cast, lot, kind, units, **changes)
    assert field in _problems(refused)
    lot.refresh_from_db()
    assert lot.on_hand == 10 and LedgerLine.objects.count() == 1


def test_it_lets_an_org_admin_witness_waste_recorded_by_the_lead(
    cast: Cast, receive: Receive
) -> None:
    lot = receive()
    line = _move(cast, lot, "waste", 1, witness_id=cast.admin.pk).line
    assert (line.recorded_by_id, line.witness_id) == (cast.lead.pk, cast.admin.pk)


def test_it_refuses_a_movement_the_lot_cannot_cover_and_moves_nothing(
    cast: Cast, receive: Receive
) -> None:
    lot = receive(units=3)
    for kind, units in (("waste", 4), ("return", 4), ("adjustment", -4)):
        with pytest.raises(InsufficientStock) as short:
            _move(cast, lot, kind, units)
        assert (short.value.on_hand, short.value.asked, short.value.code) == (
            3,
            4,
            "insufficient_stock",
        )
    lot.refresh_from_db()
    assert lot.on_hand == 3 and LedgerLine.objects.count() == 1
    assert _move(cast, lot, "waste", 3).line.balance == 0


def test_it_records_a_movement_once_across_a_replay(cast: Cast, receive: Receive) -> None:
    lot = receive(units=10)
    line_id = uuid.uuid4()
    first = _move(cast, lot, "waste", 2, line_id=line_id)
    again = _move(cast, lot, "waste", 2, line_id=line_id)
    assert (first.created, again.created, again.line.pk) == (True, False, first.line.pk)
    lot.refresh_from_db()
    assert lot.on_hand == 8 == _sum(lot)
    assert AuditEvent.objects.filter(action="inventory.movement").count() == 2  # receipt, waste
    with pytest.raises(LedgerConflict):
        _move(cast, lot, "waste", 3, line_id=line_id)
    with pytest.raises(LedgerConflict):
        _move(cast, lot, "return", 2, line_id=line_id)
    lot.refresh_from_db()
    assert lot.on_hand == 8


def test_it_answers_a_replay_even_once_the_witness_has_left(cast: Cast, receive: Receive) -> None:
    lot = receive(units=10)
    line_id = uuid.uuid4()
    _move(cast, lot, "waste", 1, line_id=line_id)
    Membership.objects.filter(user=cast.facilitator).update(deactivated_at=timezone.now())
    assert not _move(cast, lot, "waste", 1, line_id=line_id).created


@pytest.mark.parametrize("who", ["facilitator", "researcher", "partner_a", "trial_facilitator"])
def test_it_refuses_movements_to_anyone_but_leads_and_admins(
    cast: Cast, receive: Receive, who: str
) -> None:
    lot = receive()
    with pytest.raises(PermissionDenied):
        lot_movement_record(
            viewer=cast.viewer(who),
            lot=lot,
            line_id=uuid.uuid4(),
            kind="adjustment",
            units=-1,
            reason="r",
        )
    lot.refresh_from_db()
    assert lot.on_hand == 10


# Counts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moves", "counted", "ledger", "variance", "after"),
    [
        ([], 10, 10, 0, 10),  # agrees: no adjustment line
        ([], 8, 10, -2, 8),  # two short
        ([("waste", 3)], 9, 7, 2, 9),  # two more than the ledger
        ([("return", 10)], 0, 0, 0, 0),  # empty and agrees
        ([("adjustment", -4)], 0, 6, -6, 0),  # counted none
    ],
)
def test_it_reconciles_a_count_against_the_ledger(
    cast: Cast,
    receive: Receive,
    moves: list[tuple[str, int]],
    counted: int,
    ledger: int,
    variance: int,
    after: int,
) -> None:
    lot = receive(units=10)
    for kind, units in moves:
        _move(cast, lot, kind, units)
    done = lot_reconcile(
        viewer=cast.viewer("lead"),
        lot=lot,
        count_id=uuid.uuid4(),
        counted_units=counted,
        note="Quarterly count",
        counted_by_id=cast.admin.pk,
    )
    count = done.reconciliation
    assert (count.counted_units, count.ledger_units, count.variance) == (counted, ledger, variance)
    assert count.counted_by_id == cast.admin.pk
    lot.refresh_from_db()
    assert lot.on_hand == after == _sum(lot)
    if variance:
        assert count.adjustment is not None
        assert (count.adjustment.kind, count.adjustment.units) == ("adjustment", variance)
        assert count.adjustment.balance == counted
    else:
        assert count.adjustment is None
    event = AuditEvent.objects.get(action="inventory.reconcile")
    assert event.detail["variance"] == variance


def test_it_records_a_count_once_across_a_replay(cast: Cast, receive: Receive) -> None:
    lot = receive(units=10)
    count_id = uuid.uuid4()
    lead = cast.viewer("lead")
    first = lot_reconcile(viewer=lead, lot=lot, count_id=count_id, counted_units=7)
    again = lot_reconcile(viewer=lead, lot=lot, count_id=count_id, counted_units=7)
    assert (first.created, again.created) == (True, False)
    assert again.reconciliation.pk == first.reconciliation.pk
    lot.refresh_from_db()
    assert lot.on_hand == 7 and lot.reconciliations.count() == 1
    with pytest.raises(ReconciliationConflict):
        lot_reconcile(viewer=lead, lot=lot, count_id=count_id, counted_units=6)


@pytest.mark.parametrize(
    ("counted", "by", "field"),
    [
        (-1, None, "counted_units"),
        (3, "partner_a", "counted_by_id"),
        (3, "researcher", "counted_by_id"),
    ],
)
def test_it_refuses_a_count_naming_the_field(
    cast: Cast, receive: Receive, counted: int, by: str | None, field: str
) -> None:
    lot = receive()
    with pytest.raises(ValidationError) as refused:
        lot_reconcile(
            viewer=cast.viewer("lead"),
            lot=lot,
            count_id=uuid.uuid4(),
            counted_units=counted,
            counted_by_id=getattr(cast, by).pk if by else None,
        )
    assert field in _problems(refused)
    assert not lot.reconciliations.exists()


def test_it_refuses_a_count_to_a_facilitator(cast: Cast, receive: Receive) -> None:
    lot = receive()
    with pytest.raises(PermissionDenied):
        lot_reconcile(
            viewer=cast.viewer("facilitator"), lot=lot, count_id=uuid.uuid4(), counted_units=1
        )


def test_it_gives_a_trial_lot_the_trial_substance(cast: Cast, receive: Receive) -> None:
    user = user_create(email="trial-lead@example.org", display_name="Trial Lead", password="x")
    membership_ensure(organisation=cast.trial, user=user, role=Role.CLINICAL_LEAD)
    cast.people["trial_lead"] = user
    lot = receive(by="trial_lead", organisation=cast.trial, product_type="capsule")
    assert lot.substance == "mdma"
