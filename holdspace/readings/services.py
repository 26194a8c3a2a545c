"""The organisation's psychoeducation library, assignments, and reads."""

from __future__ import annotations

from holdspace.accounts.models import Organisation


def seed_demo_readings(organisation: Organisation) -> None:
    """The demo library and its assignments (filled in by the readings work)."""
