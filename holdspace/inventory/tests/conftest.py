"""Lots for the ledger's tests, received through the service as a clinical lead would."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from holdspace.conftest import Cast
from holdspace.inventory.models import LabResult, Lot, LotStatus, ProductType
from holdspace.inventory.services import LotInput, lot_receive


def lot_input(**changes: Any) -> LotInput:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "lot_number": "PSI-2026-001",
        "product_name": "Golden Teacher, dried",
        "product_type": ProductType.WHOLE_FUNGI,
        "source_licence": "PSI-MFG-00042",
        "source_name": "Cascade Fungi LLC",
        "units": 10,
        "mg_per_unit": 5.0,
        "lab_result": LabResult.PASS,
        "tested_on": today - dt.timedelta(days=10),
        "expires_on": today + dt.timedelta(days=365),
        "status": LotStatus.RELEASED,
    }
    values.update(changes)
    return LotInput(**values)


Receive = Callable[..., Lot]


@pytest.fixture
def receive(cast: Cast) -> Receive:
    """receive(units=…, lot_number=…, organisation=…, by=…): a lot received by the lead."""

    def make(*, organisation: Any = None, by: str = "lead", **changes: Any) -> Lot:
        return lot_receive(
            viewer=cast.viewer(by),
            organisation=organisation or cast.center,
            data=lot_input(**changes),
            receipt_id=uuid.uuid4(),
        ).lot

    return make
