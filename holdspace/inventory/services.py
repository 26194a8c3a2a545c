"""Writes to the product ledger. Every movement of a lot goes through `ledger_line_append`,
which locks the lot's row, so that its on-hand never goes below zero however many movements
arrive at once (SQLite serialises them at BEGIN, settings.py: IMMEDIATE), and which recognises
a replayed movement by its client UUID and moves nothing for it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from holdspace.audit.actions import Action
from holdspace.inventory.models import LedgerLine, LineKind, Lot
from holdspace.policy.core import Viewer


class InsufficientStock(Exception):
    """The lot cannot cover the movement: answered 409 `insufficient_stock`."""

    code = "insufficient_stock"

    def __init__(self, lot: Lot, on_hand: int, asked: int) -> None:
        super().__init__(
            f"Lot {lot.lot_number} has {on_hand} unit(s) on hand; {asked} cannot be taken."
        )
        self.lot, self.on_hand, self.asked = lot, on_hand, asked


class LedgerConflict(Exception):
    """A different movement was already recorded under this id (409)."""

    def __init__(self, stored: LedgerLine) -> None:
        super().__init__("A different movement was already recorded under this id")
        self.stored = stored


@dataclass(frozen=True)
class Moved:
    line: LedgerLine
    created: bool


def movement_fingerprint(lot_id: int, kind: str, units: int, detail: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"lot": lot_id, "kind": kind, "units": units, **detail},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def ledger_line_append(
    *,
    viewer: Viewer,
    lot: Lot,
    line_id: uuid.UUID,
    kind: LineKind,
    units: int,
    reason: str = "",
    witness_id: int | None = None,
    session_event_id: int | None = None,
    occurred_at: dt.datetime | None = None,
) -> Moved:
    """Append one line of UNITS (signed: negative takes from the lot) to LOT, exactly once.

    The caller has checked the viewer may move the lot and that the movement makes sense; this
    holds the arithmetic. A replay of LINE_ID with the same movement returns the stored line
    (created False); a different movement under it raises LedgerConflict; a movement the lot
    cannot cover raises InsufficientStock and writes nothing."""
    fingerprint = movement_fingerprint(
        lot.pk,
        kind,
        units,
        {"reason": reason, "witness": witness_id, "event": session_event_id},
    )
    with transaction.atomic():
        locked = Lot.objects.select_for_update().get(pk=lot.pk)
        stored = LedgerLine.objects.filter(
            organisation_id=lot.organisation_id, uuid=line_id
        ).first()
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise LedgerConflict(stored)
            return Moved(stored, False)
        if locked.on_hand + units < 0:
            raise InsufficientStock(locked, locked.on_hand, -units)
        locked.on_hand += units
        locked.save(update_fields=["on_hand"])
        now = timezone.now()
        line = LedgerLine.objects.create(
            organisation_id=lot.organisation_id,
            lot=locked,
            uuid=line_id,
            kind=kind,
            units=units,
            balance=locked.on_hand,
            reason=reason,
            witness_id=witness_id,
            session_event_id=session_event_id,
            fingerprint=fingerprint,
            recorded_by=viewer.user,
            occurred_at=occurred_at or now,
            recorded_at=now,
        )
        viewer.audit(
            Action.INVENTORY_MOVEMENT,
            line,
            lot=locked.pk,
            lot_number=locked.lot_number,
            kind=str(kind),
            units=units,
            balance=locked.on_hand,
        )
    lot.on_hand = locked.on_hand
    return Moved(line, True)
