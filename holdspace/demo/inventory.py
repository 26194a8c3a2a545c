"""The service center's product ledger: the lots of inventory.toml, each received with its
receipt line, before the sessions whose doses come from them."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import F
from django.utils import timezone

from holdspace.accounts.models import Organisation, User
from holdspace.demo.schemas import DemoLot, Inventory, load
from holdspace.inventory.models import LedgerLine, LineKind, Lot, LotStatus
from holdspace.inventory.services import LotInput, lot_receive, lot_reconcile
from holdspace.policy.core import viewer_for
from holdspace.screening.profiles import get_profile


def seed_lots(organisation: Organisation) -> None:
    """Each lot of inventory.toml received into ORGANISATION's ledger, where its profile keeps
    one; a lot already there is left as it is."""
    if not get_profile(organisation.profile).ledger_required:
        return
    for demo in load("inventory", Inventory).lots:
        if not Lot.objects.filter(organisation=organisation, lot_number=demo.lot_number).exists():
            _receive(organisation, demo)


def seed_count(organisation: Organisation) -> None:
    """After the demo's doses, the clinical lead's count of each released lot, matching its
    ledger: on-hand agrees with a reconciliation."""
    if not get_profile(organisation.profile).ledger_required:
        return
    # The demo's past doses were recorded as they were given, not today when it was seeded.
    LedgerLine.objects.filter(organisation=organisation, kind=LineKind.DOSE).update(
        recorded_at=F("occurred_at")
    )
    for lot in Lot.objects.filter(organisation=organisation, status=LotStatus.RELEASED):
        if lot.reconciliations.exists():
            continue
        viewer = viewer_for(lot.received_by)
        lot_reconcile(
            viewer=viewer,
            lot=lot,
            count_id=uuid.uuid4(),
            counted_units=lot.on_hand,
            note="Monthly count after the last session: capsules counted twice.",
        )


def _receive(organisation: Organisation, demo: DemoLot) -> Lot:
    """The lot and its receipt line, through the ledger's receiving service, then dated back to
    the day the demo says it arrived."""
    viewer = viewer_for(
        User.objects.get(email=demo.received_by, memberships__organisation=organisation)
    )
    today = timezone.localdate()
    received = lot_receive(
        viewer=viewer,
        organisation=organisation,
        data=LotInput(
            lot_number=demo.lot_number,
            product_name=demo.product_name,
            product_type=demo.product_type,
            source_licence=demo.source_licence,
            source_name=demo.source_name,
            units=demo.units,
            mg_per_unit=demo.mg_per_unit,
            lab_result=demo.lab_result,
            tested_on=(
                today - dt.timedelta(days=demo.tested_days_ago)
                if demo.tested_days_ago is not None
                else None
            ),
            expires_on=today + dt.timedelta(days=demo.expires_in_days),
            status=demo.status,
        ),
        receipt_id=uuid.uuid4(),
    )
    received_at = timezone.now() - dt.timedelta(days=demo.received_days_ago)
    Lot.objects.filter(pk=received.lot.pk).update(received_at=received_at)
    LedgerLine.objects.filter(lot=received.lot, kind=LineKind.RECEIPT).update(
        occurred_at=received_at, recorded_at=received_at
    )
    received.lot.refresh_from_db()
    return received.lot
