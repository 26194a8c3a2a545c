"""Doses from the product ledger: where the session's profile keeps one (`ledger_required`),
the lot a dose names is resolved within the session's organisation, checked (released, not
recalled or expired on the session's day, enough units on hand, a whole number of units), and
the dose's ledger line is written in the same transaction as its session event, under the
event's UUID, so a replayed event moves nothing.

Who may draw from a lot is the session's: its care team records the dose
(`session_event_record` asks `require_session_care` first), and a lot is found only among the
session's organisation's lots, so another organisation's lot does not exist for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.inventory.models import LedgerLine, LineKind, Lot, LotStatus
from holdspace.inventory.services import InsufficientStock, LedgerConflict, ledger_line_append
from holdspace.policy.core import Viewer
from holdspace.sessions.models import MedicineSession, PartnerPlan, SessionEvent

# amount_mg / mg_per_unit within this of a whole number is that whole number (5.000000001).
UNIT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Draw:
    """What a dose, or a correction of one, moves in the ledger: UNITS (signed; negative takes
    from the lot) of LOT, as a line of KIND with REASON."""

    lot: Lot
    units: int
    kind: LineKind
    reason: str = ""


def session_day(session: MedicineSession) -> dt.date:
    return timezone.localtime(session.starts_at).date()


def dose_lots(organisation_id: int, day: dt.date) -> list[Lot]:
    """The organisation's lots a dose may come from on DAY: released, not expired by then, with
    units on hand; by lot number."""
    return list(
        Lot.objects.filter(
            organisation_id=organisation_id, status=LotStatus.RELEASED, on_hand__gt=0
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        .order_by("lot_number", "id")
    )


def lot_named(organisation_id: int, lot_number: str) -> Lot | None:
    """The organisation's lot LOT_NUMBER; None for an unknown one (or another organisation's,
    which does not exist for it)."""
    return Lot.objects.filter(
        organisation_id=organisation_id, lot_number=lot_number.strip()
    ).first()


def unknown_lot_message(lot_number: str) -> str:
    return _("Lot %(lot)s is not in this organisation's ledger.") % {"lot": lot_number}


def dose_lot_problem(lot: Lot, units: int, day: dt.date) -> str | None:
    """Why UNITS of LOT cannot be dosed on DAY, naming the lot and the reason, or None."""
    words = {"lot": lot.lot_number}
    if lot.status == LotStatus.QUARANTINED:
        return _("Lot %(lot)s is quarantined: it is not released for dosing.") % words
    if lot.status == LotStatus.RECALLED:
        return _("Lot %(lot)s is recalled: it cannot be dosed.") % words
    if lot.status == LotStatus.EXPIRED:
        return _("Lot %(lot)s is expired: it cannot be dosed.") % words
    if lot.expires_on is not None and lot.expires_on < day:
        return _("Lot %(lot)s expired on %(expired)s, before the session's day (%(day)s).") % {
            **words,
            "expired": lot.expires_on.isoformat(),
            "day": day.isoformat(),
        }
    if lot.on_hand < units:
        return cover_message(lot, lot.on_hand, units)
    return None


def cover_message(lot: Lot, on_hand: int, units: int) -> str:
    return _(
        "Lot %(lot)s cannot cover this dose: %(on_hand)d unit(s) on hand, %(units)d needed."
    ) % {"lot": lot.lot_number, "on_hand": on_hand, "units": units}


def whole_units(lot: Lot, amount_mg: float) -> int | None:
    """AMOUNT_MG as a whole number of LOT's units (at least one), or None."""
    units = amount_mg / lot.mg_per_unit
    nearest = round(units)
    if nearest < 1 or abs(units - nearest) > UNIT_TOLERANCE * max(1.0, units):
        return None
    return int(nearest)


def not_whole_message(lot: Lot, amount_mg: float) -> str:
    return _(
        "%(mg)s mg is not a whole number of units of lot %(lot)s (%(per)s mg per unit): "
        "give a multiple of %(per)s mg."
    ) % {"mg": f"{amount_mg:g}", "lot": lot.lot_number, "per": f"{lot.mg_per_unit:g}"}


def dose_units(lot: Lot, amount_mg: float, sent: Any, *, field: str = "data") -> int:
    """AMOUNT_MG in whole units of LOT, agreeing with the units SENT if any; ValidationError
    naming FIELD.amount_mg or FIELD.units otherwise."""
    units = whole_units(lot, amount_mg)
    if units is None:
        raise ValidationError({f"{field}.amount_mg": [not_whole_message(lot, amount_mg)]})
    if sent is not None:
        try:
            agrees = abs(float(sent) - units) <= UNIT_TOLERANCE
            sent = f"{float(sent):g}"
        except (TypeError, ValueError):
            agrees = False
        if not agrees:
            raise ValidationError(
                {
                    f"{field}.units": [
                        _("%(mg)s mg of lot %(lot)s is %(units)d unit(s), not %(sent)s.")
                        % {
                            "mg": f"{amount_mg:g}",
                            "lot": lot.lot_number,
                            "units": units,
                            "sent": sent,
                        }
                    ]
                }
            )
    return units


def dose_draw(
    session: MedicineSession, partner_id: int, data: Mapping[str, Any]
) -> tuple[Draw, dict[str, Any]]:
    """The lot a dose (DATA: amount_mg, lot — the partner's planned lot when left out —,
    optional product and units) comes from and the units it takes, checked; with the data the
    event stores: the lot's number and product and the units. ValidationError (422) names the
    lot and the reason."""
    number = str(data.get("lot") or "")
    if not number:
        plan = (
            PartnerPlan.objects.filter(session=session, partner_id=partner_id)
            .select_related("ledger_lot")
            .first()
        )
        if plan is None or plan.ledger_lot is None:
            raise ValidationError(
                {"data.lot": [_("Name the lot from the ledger: none is planned for this partner.")]}
            )
        lot: Lot | None = plan.ledger_lot
        number = plan.ledger_lot.lot_number
    else:
        lot = lot_named(session.organisation_id, number)
    if lot is None:
        raise ValidationError({"data.lot": [unknown_lot_message(number)]})
    product = data.get("product")
    if product and str(product).strip().casefold() != lot.product_name.strip().casefold():
        raise ValidationError(
            {
                "data.product": [
                    _("Lot %(lot)s is %(product)s: leave the product out, or give the lot's.")
                    % {"lot": lot.lot_number, "product": lot.product_name}
                ]
            }
        )
    if lot.substance != session.substance:
        raise ValidationError(
            {
                "data.lot": [
                    _("Lot %(lot)s is %(substance)s, not this session's %(session)s.")
                    % {
                        "lot": lot.lot_number,
                        "substance": lot.substance,
                        "session": session.substance,
                    }
                ]
            }
        )
    amount = float(data["amount_mg"])
    units = dose_units(lot, amount, data.get("units"))
    problem = dose_lot_problem(lot, units, session_day(session))
    if problem:
        raise ValidationError({"data.lot": [problem]})
    stored = {**data, "lot": lot.lot_number, "product": lot.product_name, "units": units}
    return Draw(lot=lot, units=-units, kind=LineKind.DOSE), stored


def plan_lot_problems(
    session: MedicineSession,
    *,
    lot_number: str,
    planned_mg: float,
    supplemental_mg: float | None,
    product: str = "",
    mg_per_unit: float | None = None,
) -> tuple[Lot | None, dict[str, list[str]]]:
    """The lot a partner's plan names, by lot number, and what is wrong with planning from it,
    by field (lot, product, mg_per_unit, planned_mg, supplemental_mg): not in the
    organisation's ledger, not usable on the session's day or short of the planned units, a
    dose that is not a whole number of its units, a product or strength that is not the lot's
    (both are copied from it, so they may be left out)."""
    number = lot_number.strip()
    if not number:
        return None, {"lot": [_("Choose a lot from the ledger.")]}
    lot = lot_named(session.organisation_id, number)
    if lot is None:
        return None, {"lot": [unknown_lot_message(number)]}
    errors: dict[str, list[str]] = {}
    if product.strip() and product.strip().casefold() != lot.product_name.strip().casefold():
        errors["product"] = [
            _("Lot %(lot)s is %(product)s: leave the product out, or give the lot's.")
            % {"lot": lot.lot_number, "product": lot.product_name}
        ]
    if mg_per_unit is not None and abs(mg_per_unit - lot.mg_per_unit) > UNIT_TOLERANCE:
        errors["mg_per_unit"] = [
            _("Lot %(lot)s has %(per)s mg per unit: leave mg_per_unit out, or give the lot's.")
            % {"lot": lot.lot_number, "per": f"{lot.mg_per_unit:g}"}
        ]
    units = 0
    for name, mg in (("planned_mg", planned_mg), ("supplemental_mg", supplemental_mg)):
        if mg is None:
            continue
        whole = whole_units(lot, mg)
        if whole is None:
            errors[name] = [not_whole_message(lot, mg)]
        else:
            units += whole
    if lot.substance != session.substance:
        errors["lot"] = [
            _("Lot %(lot)s is %(substance)s, not this session's %(session)s.")
            % {"lot": lot.lot_number, "substance": lot.substance, "session": session.substance}
        ]
    elif problem := dose_lot_problem(lot, units, session_day(session)):
        errors["lot"] = [problem]
    return lot, errors


def correction_draw(
    dose: SessionEvent, data: Mapping[str, Any]
) -> tuple[Draw | None, dict[str, Any]]:
    """What a correction (DATA: corrects, reason, data) of DOSE moves: for a dose taken from
    the ledger whose amount it changes, an adjustment line of the difference in units, and the
    corrected values with their units. A correction does not move a dose to another lot; one
    that would need units the lot lacks is refused."""
    corrected = dict(data.get("data") or {})
    line = LedgerLine.objects.filter(session_event=dose).select_related("lot").first()
    if line is None:
        return None, dict(data)
    lot = line.lot
    for name in ("lot", "product"):
        value = corrected.get(name)
        own = lot.lot_number if name == "lot" else lot.product_name
        if value is not None and str(value).strip() != own:
            raise ValidationError(
                {
                    f"data.data.{name}": [
                        _(
                            "A correction does not move a dose to another lot: correct the "
                            "amount; to change the lot, record the dose again and correct this one."
                        )
                    ]
                }
            )
    if "amount_mg" not in corrected:
        if "units" in corrected:
            raise ValidationError({"data.data.units": [_("Correct the amount in mg.")]})
        return None, dict(data)
    amount = float(corrected["amount_mg"])
    units = dose_units(lot, amount, corrected.get("units"), field="data.data")
    taken = -(
        LedgerLine.objects.filter(
            Q(session_event=dose) | Q(session_event__corrects=dose)
        ).aggregate(total=Sum("units"))["total"]
        or 0
    )
    stored = {**data, "data": {**corrected, "units": units}}
    if units == taken:
        return None, stored
    more = units - taken
    if more > 0 and lot.on_hand < more:
        raise ValidationError({"data.data.amount_mg": [cover_message(lot, lot.on_hand, more)]})
    reason = _("Correction of dose %(uuid)s: %(reason)s") % {
        "uuid": dose.uuid,
        "reason": str(data.get("reason", "")),
    }
    return Draw(lot=lot, units=-more, kind=LineKind.ADJUSTMENT, reason=reason), stored


def dose_line_write(*, viewer: Viewer, event: SessionEvent, draw: Draw) -> LedgerLine:
    """Write DRAW's line for EVENT, under the event's UUID, in the caller's transaction (the
    event's): exactly once. A movement that took the units meanwhile is refused as the check
    before it refuses (422 naming the lot), and the event is not recorded either."""
    field = "data.lot" if draw.kind == LineKind.DOSE else "data.data.amount_mg"
    try:
        moved = ledger_line_append(
            viewer=viewer,
            lot=draw.lot,
            line_id=event.uuid,
            kind=draw.kind,
            units=draw.units,
            reason=draw.reason,
            session_event_id=event.pk,
            occurred_at=event.occurred_at,
        )
    except InsufficientStock as exc:
        raise ValidationError({field: [cover_message(exc.lot, exc.on_hand, exc.asked)]}) from None
    except LedgerConflict:
        raise ValidationError(
            {
                "id": [
                    _("This id is already a movement of the ledger: send the event with a new id.")
                ]
            }
        ) from None
    return moved.line


@dataclass(frozen=True)
class DoseLedger:
    """A dose as the ledger holds it: its lot's number, the units its dose line took, and the
    units it took in all after the adjustments its corrections wrote."""

    lot_number: str
    units: int
    total_units: int

    @property
    def corrected_units(self) -> int | None:
        return self.total_units if self.total_units != self.units else None


def doses_in_ledger(doses: Iterable[SessionEvent]) -> dict[int, DoseLedger]:
    """Each of DOSES taken from the ledger, by event pk, in one query."""
    ids = [dose.pk for dose in doses]
    lots: dict[int, str] = {}
    first: dict[int, int] = {}
    total: dict[int, int] = {}
    lines = LedgerLine.objects.filter(
        Q(session_event_id__in=ids) | Q(session_event__corrects_id__in=ids)
    ).select_related("lot", "session_event")
    for line in lines.order_by("id"):
        event = line.session_event
        assert event is not None
        if line.kind == LineKind.DOSE:
            lots[event.pk] = line.lot.lot_number
            first[event.pk] = -line.units
            dose_id = event.pk
        elif event.corrects_id is not None:
            dose_id = event.corrects_id
        else:
            continue
        total[dose_id] = total.get(dose_id, 0) - line.units
    return {
        pk: DoseLedger(lot_number=lots[pk], units=first[pk], total_units=total[pk]) for pk in lots
    }
