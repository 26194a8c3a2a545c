"""Reads of the product ledger: the organisation's lots and recent lines, one lot with every
line and count, and the rows of the CSV for the state's tracking system. Each read is audited
(INVENTORY_LOT_READ); each runs a fixed number of queries however many lots and lines there
are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from holdspace.accounts.models import Organisation, User
from holdspace.accounts.zones import org_localdate
from holdspace.audit.actions import Action
from holdspace.inventory.models import LedgerLine, Lot, Reconciliation
from holdspace.policy.core import Viewer
from holdspace.policy.inventory import (
    can_manage_ledger,
    ledger_organisations,
    ledger_witnesses,
    lots_visible_to,
)
from holdspace.screening.profiles import get_profile

LOTS_PER_PAGE = 100
RECENT_LINES = 25


def _lines() -> QuerySet[LedgerLine]:
    return LedgerLine.objects.select_related(
        "lot", "recorded_by", "witness", "session_event"
    ).order_by("recorded_at", "id")


def lots_read(
    *, viewer: Viewer, organisation: Organisation, status: str | None = None
) -> QuerySet[Lot]:
    """ORGANISATION's lots the viewer may see (from ledger_organisation_for), newest received
    first, of STATUS when given; the read is audited."""
    lots = lots_visible_to(viewer, organisation.pk).select_related("received_by")
    if status:
        lots = lots.filter(status=status)
    viewer.audit(Action.INVENTORY_LOT_READ, organisation, object_type="ledger", status=status or "")
    return lots.order_by("-received_at", "-id")


@dataclass(frozen=True)
class LedgerPage:
    organisation: Organisation
    lots: Page[Lot]
    recent: list[LedgerLine]
    manager: bool
    required: bool
    today: dt.date


def ledger_page(
    *, viewer: Viewer, organisation: Organisation, status: str | None, page: str | None
) -> LedgerPage:
    """The organisation's ledger: its lots (a page of them) and its most recent lines."""
    lots = lots_read(viewer=viewer, organisation=organisation, status=status)
    found = Paginator(lots, LOTS_PER_PAGE).get_page(page)
    recent = list(
        _lines()
        .filter(organisation=organisation, lot__in=lots_visible_to(viewer, organisation.pk))
        .order_by("-recorded_at", "-id")[:RECENT_LINES]
    )
    return LedgerPage(
        organisation=organisation,
        lots=found,
        recent=recent,
        manager=can_manage_ledger(viewer, organisation.pk),
        required=get_profile(organisation.profile).ledger_required,
        today=org_localdate(organisation),
    )


@dataclass(frozen=True)
class LotPage:
    lot: Lot
    lines: list[LedgerLine]
    reconciliations: list[Reconciliation]
    manager: bool
    witnesses: list[User]
    today: dt.date

    @property
    def expired(self) -> bool:
        return self.lot.expires_on is not None and self.lot.expires_on <= self.today


def lot_read(*, viewer: Viewer, lot: Lot) -> tuple[list[LedgerLine], list[Reconciliation]]:
    """LOT's lines in the order they were recorded and its counts, newest first (LOT from
    get_lot_for); audited."""
    lines = list(_lines().filter(lot=lot))
    counts = list(
        Reconciliation.objects.filter(lot=lot)
        .select_related("counted_by", "adjustment")
        .order_by("-counted_at", "-id")
    )
    viewer.audit(Action.INVENTORY_LOT_READ, lot, lot_number=lot.lot_number, lines=len(lines))
    return lines, counts


def lot_page(*, viewer: Viewer, lot: Lot) -> LotPage:
    lines, counts = lot_read(viewer=viewer, lot=lot)
    manager = can_manage_ledger(viewer, lot.organisation_id)
    witnesses = (
        list(ledger_witnesses(lot.organisation_id).exclude(pk=viewer.user.pk)) if manager else []
    )
    return LotPage(
        lot=lot,
        lines=lines,
        reconciliations=counts,
        manager=manager,
        witnesses=witnesses,
        today=org_localdate(lot.organisation),
    )


def ledger_export(
    *, viewer: Viewer, organisation: Organisation, lot: Lot | None = None
) -> list[LedgerLine]:
    """Every line of ORGANISATION's ledger (of LOT alone when given), oldest first, for the
    state's tracking system: an audited read."""
    lines = _lines().filter(
        organisation=organisation, lot__in=lots_visible_to(viewer, organisation.pk)
    )
    if lot is not None:
        lines = lines.filter(lot=lot)
    found = list(lines)
    viewer.audit(
        Action.INVENTORY_LOT_READ,
        lot if lot is not None else organisation,
        object_type="lot" if lot is not None else "ledger",
        format="csv",
        lines=len(found),
    )
    return found


def keeps_a_ledger(viewer: Viewer) -> bool:
    """Whether one of the organisations whose ledger VIEWER may see keeps one: its profile
    requires it, or lots are in it (the navigation links the ledger then)."""
    readable = ledger_organisations(viewer)
    if not readable:
        return False
    profiles = Organisation.objects.filter(pk__in=readable).values_list("profile", flat=True)
    if any(get_profile(profile).ledger_required for profile in profiles):
        return True
    return Lot.objects.filter(organisation_id__in=readable).exists()
