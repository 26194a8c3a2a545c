"""Background jobs of the facilitators app (run by `holdspace worker`)."""

from __future__ import annotations

from holdspace.facilitators.services import credentials_sweep


def nightly_credentials_sweep() -> str:
    result = credentials_sweep()
    return f"warned {len(result.warned)}, expired {len(result.expired)}"
