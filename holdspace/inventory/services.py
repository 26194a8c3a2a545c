"""Writes to the product ledger. Every movement of a lot goes through `ledger_line_append`,
which locks the lot's row, so that its on-hand never goes below zero however many movements
arrive at once (SQLite serialises them at BEGIN, settings.py: IMMEDIATE), and which recognises
a replayed movement by its client UUID and moves nothing for it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import Organisation
from holdspace.accounts.zones import org_localdate
from holdspace.audit.actions import Action
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
from holdspace.lib.dates import day_text
from holdspace.policy.core import Viewer
from holdspace.policy.inventory import is_ledger_witness, require_ledger_manage
from holdspace.screening.profiles import get_profile


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


# Lots: receiving, status, movements and counts ---------------------------------------------

# The limits a lot's figures are checked against (the forms and the API use them too).
MAX_UNITS = 1_000_000
MAX_MG_PER_UNIT = 100_000.0
# No lot in the ledger was tested before this day, and none keeps for more than ten years:
# a date past either is a mistyped year.
EARLIEST_TEST = dt.date(2000, 1, 1)
EXPIRY_AHEAD = dt.timedelta(days=round(365.25 * 10))
# What a waste or a return takes away (the others' units are signed as given).
TAKEN_AWAY = (LineKind.WASTE, LineKind.RETURN)


class LotNumberTaken(Exception):
    """A lot with this number is already in the organisation's ledger (409)."""

    field = "lot_number"

    def __init__(self, existing: Lot) -> None:
        self.message = _("Lot %(number)s is already in the ledger (received %(on)s).") % {
            "number": existing.lot_number,
            "on": timezone.localdate(existing.received_at).isoformat(),
        }
        super().__init__(self.message)
        self.existing = existing


class LotConflict(Exception):
    """A different lot was already received under this receipt id (409)."""

    def __init__(self, stored: Lot) -> None:
        super().__init__("A different lot was already received under this id")
        self.stored = stored


@dataclass(frozen=True)
class LotInput:
    lot_number: str
    product_name: str
    product_type: str
    source_licence: str
    source_name: str
    units: int
    mg_per_unit: float
    lab_result: str
    tested_on: dt.date | None
    expires_on: dt.date | None
    status: str = LotStatus.QUARANTINED


@dataclass(frozen=True)
class Received:
    lot: Lot
    created: bool


@dataclass(frozen=True)
class Counted:
    reconciliation: Reconciliation
    created: bool


def _release_problem(
    status: str, lab_result: str, expires_on: dt.date | None, today: dt.date
) -> dict[str, list[str]]:
    """Why a lot may not have STATUS (released needs a passing test and an expiry to come)."""
    if status != LotStatus.RELEASED:
        return {}
    if lab_result != LabResult.PASS:
        return {"status": [_("A lot is released only once its lab test has passed.")]}
    if expires_on is not None and expires_on <= today:
        return {"status": [_("A lot past its expiry date cannot be released.")]}
    return {}


def _lot_problems(data: LotInput, today: dt.date) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    for field, limit in (
        ("lot_number", 100),
        ("product_name", 200),
        ("source_licence", 100),
        ("source_name", 200),
    ):
        value = getattr(data, field)
        if not value.strip():
            add(field, _("This is required."))
        elif len(value) > limit:
            add(field, _("At most %(n)d characters.") % {"n": limit})
    if data.product_type not in ProductType.values:
        add("product_type", _("Choose one of: %(c)s.") % {"c": ", ".join(ProductType.values)})
    if data.lab_result not in LabResult.values:
        add("lab_result", _("Choose one of: %(c)s.") % {"c": ", ".join(LabResult.values)})
    if data.status not in LotStatus.values:
        add("status", _("Choose one of: %(c)s.") % {"c": ", ".join(LotStatus.values)})
    if isinstance(data.units, bool) or not isinstance(data.units, int) or data.units < 1:
        add("units", _("Give the units received as a whole number of at least 1."))
    elif data.units > MAX_UNITS:
        add("units", _("At most %(n)d units in one lot.") % {"n": MAX_UNITS})
    if not math.isfinite(data.mg_per_unit) or data.mg_per_unit <= 0:
        add("mg_per_unit", _("Give the mg of active substance per unit, more than 0."))
    elif data.mg_per_unit > MAX_MG_PER_UNIT:
        add("mg_per_unit", _("At most %(n)g mg per unit.") % {"n": MAX_MG_PER_UNIT})
    for field, message in _test_date_problems(data.lab_result, data.tested_on, today).items():
        add(field, message)
    if data.expires_on is not None and data.tested_on is not None:
        if data.expires_on <= data.tested_on:
            add("expires_on", _("The expiry date must be after the test date."))
    if data.expires_on is not None and data.expires_on > today + EXPIRY_AHEAD:
        add(
            "expires_on",
            _("A lot cannot expire more than 10 years ahead (after %(day)s).")
            % {"day": day_text(today + EXPIRY_AHEAD)},
        )
    if "status" not in problems and "lab_result" not in problems:
        for field, messages in _release_problem(
            data.status, data.lab_result, data.expires_on, today
        ).items():
            problems.setdefault(field, []).extend(messages)
    return problems


def _test_date_problems(
    lab_result: str, tested_on: dt.date | None, today: dt.date
) -> dict[str, str]:
    if tested_on is None:
        if lab_result in (LabResult.PASS, LabResult.FAIL):
            return {"tested_on": _("Give the date of the lab test.")}
        return {}
    if tested_on > today:
        return {"tested_on": _("The test date cannot be in the future.")}
    if tested_on < EARLIEST_TEST:
        return {
            "tested_on": _("The test date cannot be before %(day)s.")
            % {"day": day_text(EARLIEST_TEST)}
        }
    return {}


def _same_receipt(lot: Lot, data: LotInput) -> bool:
    """Whether a replayed receipt is the one stored (status and test result may have changed
    since)."""
    return (
        lot.lot_number == data.lot_number.strip()
        and lot.product_name == data.product_name.strip()
        and lot.product_type == data.product_type
        and lot.source_licence == data.source_licence.strip()
        and lot.source_name == data.source_name.strip()
        and lot.units_received == data.units
        and lot.mg_per_unit == data.mg_per_unit
        and lot.expires_on == data.expires_on
    )


def lot_receive(
    *, viewer: Viewer, organisation: Organisation, data: LotInput, receipt_id: uuid.UUID
) -> Received:
    """Receive a lot into ORGANISATION's ledger with its receipt line (RECEIPT_ID, the client's
    id: a replay of the same lot returns it, created False; another lot under it raises
    LotConflict). A lot number already there raises LotNumberTaken; bad input raises
    ValidationError naming each field."""
    require_ledger_manage(viewer, organisation.pk, action="receive lots into")
    stored = (
        LedgerLine.objects.select_related("lot")
        .filter(organisation=organisation, uuid=receipt_id)
        .first()
    )
    if stored is not None:
        if stored.kind == LineKind.RECEIPT and _same_receipt(stored.lot, data):
            return Received(stored.lot, False)
        raise LotConflict(stored.lot)
    problems = _lot_problems(data, org_localdate(organisation))
    if problems:
        raise ValidationError(problems)
    number = data.lot_number.strip()
    existing = Lot.objects.filter(organisation=organisation, lot_number__iexact=number).first()
    if existing is not None:
        raise LotNumberTaken(existing)
    profile = get_profile(organisation.profile)
    try:
        with transaction.atomic():
            lot = Lot.objects.create(
                organisation=organisation,
                lot_number=number,
                product_name=data.product_name.strip(),
                product_type=data.product_type,
                substance=str(profile.substances[0]),
                source_licence=data.source_licence.strip(),
                source_name=data.source_name.strip(),
                units_received=data.units,
                mg_per_unit=data.mg_per_unit,
                lab_result=data.lab_result,
                tested_on=data.tested_on,
                expires_on=data.expires_on,
                status=data.status,
                received_by=viewer.user,
            )
            ledger_line_append(
                viewer=viewer,
                lot=lot,
                line_id=receipt_id,
                kind=LineKind.RECEIPT,
                units=data.units,
                reason=_("Received from %(name)s (%(licence)s)")
                % {"name": lot.source_name, "licence": lot.source_licence},
            )
            viewer.audit(
                Action.INVENTORY_LOT_RECEIVE,
                lot,
                lot_number=lot.lot_number,
                units=lot.units_received,
                mg_per_unit=lot.mg_per_unit,
                status=lot.status,
                lab_result=lot.lab_result,
                source_licence=lot.source_licence,
            )
    except IntegrityError:
        # Received at the same moment by someone else (the unique constraint held).
        existing = Lot.objects.filter(organisation=organisation, lot_number__iexact=number).first()
        if existing is None:
            raise
        raise LotNumberTaken(existing) from None
    return Received(lot, True)


def lot_status_change(
    *,
    viewer: Viewer,
    lot: Lot,
    status: str,
    lab_result: str | None = None,
    tested_on: dt.date | None = None,
    note: str = "",
) -> bool:
    """Set LOT's status (and its lab test result and date when given). Released needs a
    passing test; recalled and expired may be set from any status and are final. Setting what
    is already there changes nothing (False), so a form posted twice saves once."""
    require_ledger_manage(viewer, lot.organisation_id, action="change the status of lots in")
    if status not in LotStatus.values:
        raise ValidationError(
            {"status": [_("Choose one of: %(c)s.") % {"c": ", ".join(LotStatus.values)}]}
        )
    if lab_result is not None and lab_result not in LabResult.values:
        raise ValidationError(
            {"lab_result": [_("Choose one of: %(c)s.") % {"c": ", ".join(LabResult.values)}]}
        )
    if len(note) > 2000:
        raise ValidationError({"note": [_("At most 2000 characters.")]})
    with transaction.atomic():
        locked = Lot.objects.select_for_update().get(pk=lot.pk)
        result = lab_result or locked.lab_result
        tested = tested_on if tested_on is not None else locked.tested_on
        if (status, result, tested) == (locked.status, locked.lab_result, locked.tested_on):
            return False
        if locked.status in (LotStatus.RECALLED, LotStatus.EXPIRED) and status != locked.status:
            raise ValidationError(
                {
                    "status": [
                        _("Lot %(n)s is %(s)s: that is final.")
                        % {"n": locked.lot_number, "s": LotStatus(locked.status).label.lower()}
                    ]
                }
            )
        today = org_localdate(lot.organisation)
        problems = {k: [v] for k, v in _test_date_problems(result, tested, today).items()}
        if tested is not None and locked.expires_on is not None and locked.expires_on <= tested:
            problems.setdefault("tested_on", []).append(
                _("The test date must be before the lot's expiry (%(d)s).")
                % {"d": locked.expires_on.isoformat()}
            )
        problems.update(_release_problem(status, result, locked.expires_on, today))
        if problems:
            raise ValidationError(problems)
        before = (locked.status, locked.lab_result)
        locked.status, locked.lab_result, locked.tested_on = status, result, tested
        locked.save(update_fields=["status", "lab_result", "tested_on"])
        viewer.audit(
            Action.INVENTORY_LOT_STATUS,
            locked,
            lot_number=locked.lot_number,
            status=status,
            previous_status=before[0],
            lab_result=result,
            previous_lab_result=before[1],
            note=note,
        )
    lot.status, lot.lab_result, lot.tested_on = status, result, tested
    return True


def lot_movement_record(
    *,
    viewer: Viewer,
    lot: Lot,
    line_id: uuid.UUID,
    kind: str,
    units: int,
    reason: str,
    witness_id: int | None = None,
) -> Moved:
    """Record waste, a return or an adjustment of LOT, exactly once by LINE_ID. UNITS is what
    waste or a return takes away (a positive whole number) or an adjustment's signed change.
    Every kind needs a reason; waste needs a witness, another of the organisation's staff who
    see the ledger. A replay moves nothing (created False); see ledger_line_append for the
    conflicts and InsufficientStock."""
    require_ledger_manage(viewer, lot.organisation_id, action="record movements in")
    known = LedgerLine.objects.filter(organisation_id=lot.organisation_id, uuid=line_id).exists()
    if not known:  # a replay is told apart by its fingerprint, not re-validated
        _check_movement(viewer, lot, kind, units, reason, witness_id)
    signed = -units if kind in TAKEN_AWAY else units
    return ledger_line_append(
        viewer=viewer,
        lot=lot,
        line_id=line_id,
        # A replay with a kind no movement has cannot match the stored line's fingerprint: it
        # is answered as a conflict, like any other different body under a known id.
        kind=LineKind(kind) if kind in LineKind.values else LineKind.ADJUSTMENT,
        units=signed,
        reason=reason.strip(),
        witness_id=witness_id if kind == LineKind.WASTE else None,
    )


def _check_movement(
    viewer: Viewer, lot: Lot, kind: str, units: int, reason: str, witness_id: int | None
) -> None:
    problems: dict[str, list[str]] = {}
    if kind not in MovementKind.values:
        choices = ", ".join(MovementKind.values)
        problems["kind"] = [_("Choose one of: %(c)s.") % {"c": choices}]
    if isinstance(units, bool) or not isinstance(units, int):
        problems["units"] = [_("Give a whole number of units.")]
    elif kind in TAKEN_AWAY and units < 1:
        problems["units"] = [_("Give the units taken away: a whole number of at least 1.")]
    elif units == 0:
        problems["units"] = [_("An adjustment changes the count: give a number other than 0.")]
    elif abs(units) > MAX_UNITS:
        problems["units"] = [_("At most %(n)d units.") % {"n": MAX_UNITS}]
    if not reason.strip():
        problems["reason"] = [_("Give the reason for this movement.")]
    elif len(reason) > 2000:
        problems["reason"] = [_("At most 2000 characters.")]
    if kind == LineKind.WASTE:
        if witness_id is None:
            problems["witness_id"] = [_("Waste is witnessed: name the member of staff.")]
        elif witness_id == viewer.user.pk:
            problems["witness_id"] = [_("The witness is someone other than you.")]
        elif not is_ledger_witness(lot.organisation_id, witness_id):
            problems["witness_id"] = [
                _("The witness must be an active member of the organisation's staff.")
            ]
    elif witness_id is not None and not is_ledger_witness(lot.organisation_id, witness_id):
        problems["witness_id"] = [
            _("The witness must be an active member of the organisation's staff.")
        ]
    if problems:
        raise ValidationError(problems)


def lot_reconcile(
    *,
    viewer: Viewer,
    lot: Lot,
    count_id: uuid.UUID,
    counted_units: int,
    note: str = "",
    counted_by_id: int | None = None,
) -> Counted:
    """Record a physical count of LOT against its ledger's on-hand at that moment (under the
    lot's lock), and an adjustment line of the variance when it is not zero. COUNT_ID is the
    client's id: the same count sent again returns the stored one (created False); another
    count under it raises ReconciliationConflict. COUNTED_BY_ID: who counted (the viewer when
    None), one of the organisation's staff who see the ledger."""
    require_ledger_manage(viewer, lot.organisation_id, action="reconcile lots in")
    counter = counted_by_id if counted_by_id is not None else viewer.user.pk
    stored = Reconciliation.objects.filter(
        organisation_id=lot.organisation_id, uuid=count_id
    ).first()
    if stored is not None:
        return _replayed_count(stored, lot, counted_units, note, counter)
    problems: dict[str, list[str]] = {}
    if isinstance(counted_units, bool) or not isinstance(counted_units, int) or counted_units < 0:
        problems["counted_units"] = [_("Give the units counted: a whole number, 0 or more.")]
    elif counted_units > MAX_UNITS:
        problems["counted_units"] = [_("At most %(n)d units.") % {"n": MAX_UNITS}]
    if len(note) > 2000:
        problems["note"] = [_("At most 2000 characters.")]
    if counter != viewer.user.pk and not is_ledger_witness(lot.organisation_id, counter):
        problems["counted_by_id"] = [
            _("Who counted must be an active member of the organisation's staff.")
        ]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Lot.objects.select_for_update().get(pk=lot.pk)
        stored = Reconciliation.objects.filter(
            organisation_id=lot.organisation_id, uuid=count_id
        ).first()
        if stored is not None:  # the same count arrived twice at once
            return _replayed_count(stored, lot, counted_units, note, counter)
        ledger_units = locked.on_hand
        variance = counted_units - ledger_units
        adjustment = None
        if variance:
            adjustment = ledger_line_append(
                viewer=viewer,
                lot=locked,
                line_id=uuid.uuid5(count_id, "adjustment"),
                kind=LineKind.ADJUSTMENT,
                units=variance,
                reason=_("Count of %(c)d against %(l)d in the ledger%(note)s")
                % {"c": counted_units, "l": ledger_units, "note": f": {note}" if note else ""},
            ).line
        reconciliation = Reconciliation.objects.create(
            organisation_id=lot.organisation_id,
            lot=locked,
            uuid=count_id,
            counted_units=counted_units,
            ledger_units=ledger_units,
            note=note,
            adjustment=adjustment,
            counted_by_id=counter,
        )
        viewer.audit(
            Action.INVENTORY_RECONCILE,
            reconciliation,
            lot=locked.pk,
            lot_number=locked.lot_number,
            counted=counted_units,
            ledger=ledger_units,
            variance=variance,
            counted_by=counter,
        )
    lot.on_hand = locked.on_hand
    return Counted(reconciliation, True)


class ReconciliationConflict(Exception):
    """A different count was already recorded under this id (409)."""

    def __init__(self, stored: Reconciliation) -> None:
        super().__init__("A different count was already recorded under this id")
        self.stored = stored


def _replayed_count(
    stored: Reconciliation, lot: Lot, counted_units: int, note: str, counter: int
) -> Counted:
    if (stored.lot_id, stored.counted_units, stored.note, stored.counted_by_id) != (
        lot.pk,
        counted_units,
        note,
        counter,
    ):
        raise ReconciliationConflict(stored)
    return Counted(stored, False)
