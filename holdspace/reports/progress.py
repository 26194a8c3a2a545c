"""The couple progress report, in a couple variant and a clinical variant."""

from __future__ import annotations

from holdspace.accounts.models import Organisation


def seed_demo_progress(organisation: Organisation) -> None:
    """The facilitator's summary for Riley & Jordan (filled in by the report work)."""
