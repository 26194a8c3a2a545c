"""The service center's product ledger: the lots of inventory.toml, each received with its
receipt line, before the sessions whose doses come from them."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from holdspace.accounts.models import Organisation, User
from holdspace.audit.actions import Action
from holdspace.demo.schemas import DemoLot, Inventory, load
from holdspace.inventory.models import LineKind, Lot
from holdspace.inventory.services import ledger_line_append
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


def _receive(organisation: Organisation, demo: DemoLot) -> Lot:
    """The lot and its receipt line. (The ledger's own receiving service takes this over once
    it is there: it writes the same lot, line and audit events.)"""
    viewer = viewer_for(
        User.objects.get(email=demo.received_by, memberships__organisation=organisation)
    )
    today = timezone.localdate()
    received_at = timezone.now() - dt.timedelta(days=demo.received_days_ago)
    lot = Lot.objects.create(
        organisation=organisation,
        lot_number=demo.lot_number,
        product_name=demo.product_name,
        product_type=demo.product_type,
        source_licence=demo.source_licence,
        source_name=demo.source_name,
        units_received=demo.units,
        mg_per_unit=demo.mg_per_unit,
        lab_result=demo.lab_result,
        tested_on=(
            today - dt.timedelta(days=demo.tested_days_ago)
            if demo.tested_days_ago is not None
            else None
        ),
        expires_on=today + dt.timedelta(days=demo.expires_in_days),
        status=demo.status,
        received_at=received_at,
        received_by=viewer.user,
    )
    viewer.audit(
        Action.INVENTORY_LOT_RECEIVE,
        lot,
        lot_number=lot.lot_number,
        units=demo.units,
        status=demo.status,
    )
    ledger_line_append(
        viewer=viewer,
        lot=lot,
        line_id=uuid.uuid4(),
        kind=LineKind.RECEIPT,
        units=demo.units,
        reason=f"Received from {demo.source_name} ({demo.source_licence})",
        occurred_at=received_at,
    )
    return lot
