"""/api/v1/inventory: the organisation's product ledger. Lots received, their status, waste,
returns and adjustments (each exactly once by its client UUID) and reconciliations — the same
services and policy as the ledger's web pages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.inventory.models import (
    LabResult,
    LedgerLine,
    LineKind,
    Lot,
    LotStatus,
    MovementKind,
    ProductType,
    Reconciliation,
)
from holdspace.inventory.selectors import lot_read, lots_read
from holdspace.inventory.services import (
    MAX_MG_PER_UNIT,
    MAX_UNITS,
    InsufficientStock,
    LedgerConflict,
    LotConflict,
    LotInput,
    ReconciliationConflict,
    lot_movement_record,
    lot_receive,
    lot_reconcile,
    lot_status_change,
)
from holdspace.lib.api import ErrorOut, Input, Page, PageQuery, documented, next_offset
from holdspace.policy.core import viewer_from_request
from holdspace.policy.inventory import get_lot_for, ledger_organisation_of_call

router = Router(tags=["product ledger"])


class LotsQuery(PageQuery):
    organisation_id: int | None = Field(
        default=None,
        description="The organisation; the caller's only one whose ledger they see.",
    )
    status: LotStatus | None = Field(default=None, description="Only lots of this status.")


class OrganisationQuery(Input):
    organisation_id: int | None = Field(
        default=None,
        description="The organisation; the caller's only one whose ledger they see.",
    )


class LotIn(Input):
    id: uuid.UUID | None = Field(
        default=None,
        description="A UUID the client generates for the receipt line; a replay sends it again "
        "and answers 200 with the lot, moving nothing.",
    )
    lot_number: str = Field(max_length=100, description="The lot or package number (unique).")
    product_name: str = Field(max_length=200)
    product_type: ProductType
    source_licence: str = Field(max_length=100, description="The source licensee's licence.")
    source_name: str = Field(max_length=200, description="The source licensee's name.")
    units: int = Field(description=f"Units received: a whole number, 1 to {MAX_UNITS}.")
    mg_per_unit: float = Field(
        description=f"mg of active substance per unit, more than 0 (at most {MAX_MG_PER_UNIT:g})."
    )
    status: LotStatus = LotStatus.QUARANTINED
    expires_on: dt.date | None = None
    lab_result: LabResult
    tested_on: dt.date | None = Field(
        default=None, description="Required with a pass or fail; not in the future."
    )


class LotOut(Schema):
    id: int
    organisation_id: int
    lot_number: str
    product_name: str
    product_type: ProductType
    substance: str
    source_licence: str
    source_name: str
    units_received: int
    mg_per_unit: float
    lab_result: LabResult
    tested_on: dt.date | None
    expires_on: dt.date | None
    status: LotStatus
    on_hand: int = Field(description="Units on hand: the sum of the lot's ledger lines.")
    received_at: dt.datetime
    received_by: str


class LotListOut(Page[LotOut]):
    pass


class LineOut(Schema):
    id: uuid.UUID = Field(description="The client's id for the movement.")
    kind: LineKind
    units: int = Field(description="Signed: a receipt adds, a dose, waste or return takes away.")
    mg: float = Field(description="units × the lot's mg per unit.")
    balance: int = Field(description="The lot's on-hand after this line.")
    reason: str
    witness_id: int | None
    witness: str | None
    recorded_by_id: int
    recorded_by: str
    session_id: int | None = Field(description="A dose line's medicine session.")
    occurred_at: dt.datetime
    recorded_at: dt.datetime


class ReconciliationOut(Schema):
    id: int
    counted_units: int
    ledger_units: int = Field(description="The ledger's on-hand when the count was recorded.")
    variance: int = Field(description="counted_units − ledger_units.")
    note: str
    adjustment: uuid.UUID | None = Field(description="The adjustment line, when not zero.")
    counted_by_id: int
    counted_by: str
    counted_at: dt.datetime


class LotDetailOut(LotOut):
    lines: list[LineOut]
    reconciliations: list[ReconciliationOut]


class MovementIn(Input):
    id: uuid.UUID = Field(description="A UUID the client generates; a replay sends it again.")
    kind: MovementKind
    units: int = Field(
        description="Waste and return: the units taken away (1 or more); adjustment: the "
        "signed change (not 0)."
    )
    reason: str = Field(default="", max_length=2000, description="Required for every kind.")
    witness_id: int | None = Field(
        default=None,
        description="Waste: another active member of staff who sees the ledger (required).",
    )


class MovementRefusedOut(Schema):
    detail: str
    code: str = Field(description="`insufficient_stock` or `conflict`.")
    on_hand: int | None = Field(description="With insufficient_stock: the lot's on-hand.")


class StatusIn(Input):
    status: LotStatus
    lab_result: LabResult | None = Field(default=None, description="A new lab test result.")
    tested_on: dt.date | None = Field(default=None, description="The new test's date.")
    note: str = Field(default="", max_length=2000)


class ReconcileIn(Input):
    id: uuid.UUID = Field(description="A UUID the client generates; a replay sends it again.")
    counted_units: int = Field(description="The units physically counted, 0 or more.")
    note: str = Field(default="", max_length=2000)
    counted_by_id: int | None = Field(default=None, description="Who counted; the caller.")


def lot_out(lot: Lot) -> LotOut:
    return LotOut(
        id=lot.pk,
        organisation_id=lot.organisation_id,
        lot_number=lot.lot_number,
        product_name=lot.product_name,
        product_type=ProductType(lot.product_type),
        substance=lot.substance,
        source_licence=lot.source_licence,
        source_name=lot.source_name,
        units_received=lot.units_received,
        mg_per_unit=lot.mg_per_unit,
        lab_result=LabResult(lot.lab_result),
        tested_on=lot.tested_on,
        expires_on=lot.expires_on,
        status=LotStatus(lot.status),
        on_hand=lot.on_hand,
        received_at=lot.received_at,
        received_by=lot.received_by.display_name,
    )


def line_out(line: LedgerLine, lot: Lot) -> LineOut:
    return LineOut(
        id=line.uuid,
        kind=LineKind(line.kind),
        units=line.units,
        mg=round(line.units * lot.mg_per_unit, 3),
        balance=line.balance,
        reason=line.reason,
        witness_id=line.witness_id,
        witness=line.witness.display_name if line.witness else None,
        recorded_by_id=line.recorded_by_id,
        recorded_by=line.recorded_by.display_name,
        session_id=line.session_event.session_id if line.session_event else None,
        occurred_at=line.occurred_at,
        recorded_at=line.recorded_at,
    )


def reconciliation_out(count: Reconciliation) -> ReconciliationOut:
    return ReconciliationOut(
        id=count.pk,
        counted_units=count.counted_units,
        ledger_units=count.ledger_units,
        variance=count.variance,
        note=count.note,
        adjustment=count.adjustment.uuid if count.adjustment else None,
        counted_by_id=count.counted_by_id,
        counted_by=count.counted_by.display_name,
        counted_at=count.counted_at,
    )


@router.get(
    "/lots",
    response=documented({200: LotListOut, 403: ErrorOut}),
    summary="The organisation's lots with their on-hand, newest received first (clinical "
    "leads, org admins, facilitators)",
)
def lots(request: HttpRequest, query: Query[LotsQuery]) -> LotListOut:
    viewer = viewer_from_request(request)
    organisation = ledger_organisation_of_call(viewer, query.organisation_id)
    found = lots_read(viewer=viewer, organisation=organisation, status=query.status)
    total = found.count()
    shown = found[query.offset : query.offset + query.limit]
    return LotListOut(
        items=[lot_out(lot) for lot in shown], count=total, next=next_offset(query, total)
    )


@router.post(
    "/lots",
    response=documented({201: LotOut, 200: LotOut, 409: ErrorOut}, writes=True),
    summary="Receive a lot (clinical leads, org admins): 201 with its receipt line; 200 for a "
    "replay of the same id; 409 for a lot number already in the ledger",
)
def lot_new(request: HttpRequest, payload: LotIn, query: Query[OrganisationQuery]) -> Any:
    viewer = viewer_from_request(request)
    organisation = ledger_organisation_of_call(
        viewer, query.organisation_id, manage=True, attempted="receive lots into"
    )
    fields = payload.model_dump(exclude={"id"})
    try:
        received = lot_receive(
            viewer=viewer,
            organisation=organisation,
            data=LotInput(**fields),
            receipt_id=payload.id or uuid.uuid4(),
        )
    except LotConflict:
        return Status(409, ErrorOut(detail="A different lot was already received under this id."))
    return Status(201 if received.created else 200, lot_out(received.lot))


@router.get(
    "/lots/{lot_id}",
    response=documented({200: LotDetailOut}),
    summary="One lot with its on-hand, every ledger line (oldest first) and its counts",
)
def lot_detail(request: HttpRequest, lot_id: int) -> LotDetailOut:
    viewer = viewer_from_request(request)
    lot = get_lot_for(viewer, lot_id)
    lines, counts = lot_read(viewer=viewer, lot=lot)
    return LotDetailOut(
        **lot_out(lot).model_dump(),
        lines=[line_out(line, lot) for line in lines],
        reconciliations=[reconciliation_out(c) for c in counts],
    )


@router.post(
    "/lots/{lot_id}/movements",
    response=documented({201: LineOut, 200: LineOut, 409: MovementRefusedOut}, writes=True),
    summary="Record waste, a return or an adjustment (clinical leads, org admins): 201 the "
    "first time, 200 for an identical replay (moving nothing), 409 insufficient_stock or a "
    "different body under a known id",
)
def movement_new(request: HttpRequest, lot_id: int, payload: MovementIn) -> Any:
    viewer = viewer_from_request(request)
    lot = get_lot_for(viewer, lot_id)
    try:
        moved = lot_movement_record(
            viewer=viewer,
            lot=lot,
            line_id=payload.id,
            kind=payload.kind,
            units=payload.units,
            reason=payload.reason,
            witness_id=payload.witness_id,
        )
    except InsufficientStock as exc:
        return Status(409, MovementRefusedOut(detail=str(exc), code=exc.code, on_hand=exc.on_hand))
    except LedgerConflict:
        return Status(
            409,
            MovementRefusedOut(
                detail="A different movement was already recorded under this id.",
                code="conflict",
                on_hand=None,
            ),
        )
    return Status(201 if moved.created else 200, line_out(moved.line, lot))


@router.post(
    "/lots/{lot_id}/status",
    response=documented({200: LotOut}, writes=True),
    summary="Change a lot's status and/or its lab result (clinical leads, org admins): "
    "released needs a passing test; recalled and expired are final",
)
def status_change(request: HttpRequest, lot_id: int, payload: StatusIn) -> LotOut:
    viewer = viewer_from_request(request)
    lot = get_lot_for(viewer, lot_id)
    lot_status_change(
        viewer=viewer,
        lot=lot,
        status=payload.status,
        lab_result=payload.lab_result,
        tested_on=payload.tested_on,
        note=payload.note,
    )
    return lot_out(lot)


@router.post(
    "/lots/{lot_id}/reconciliations",
    response=documented(
        {201: ReconciliationOut, 200: ReconciliationOut, 409: ErrorOut}, writes=True
    ),
    summary="Record a physical count (clinical leads, org admins): the variance against the "
    "ledger's on-hand, and an adjustment line when it is not zero; 200 for a replay",
)
def reconciliation_new(request: HttpRequest, lot_id: int, payload: ReconcileIn) -> Any:
    viewer = viewer_from_request(request)
    lot = get_lot_for(viewer, lot_id)
    try:
        counted = lot_reconcile(
            viewer=viewer,
            lot=lot,
            count_id=payload.id,
            counted_units=payload.counted_units,
            note=payload.note,
            counted_by_id=payload.counted_by_id,
        )
    except ReconciliationConflict:
        return Status(409, ErrorOut(detail="A different count was already recorded under this id."))
    count = counted.reconciliation
    return Status(201 if counted.created else 200, reconciliation_out(count))
