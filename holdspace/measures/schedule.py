"""Which instruments are due for a partner: read from schedules.toml, by profile."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from holdspace.measures.library import (
    Instrument,
    InstrumentError,
    get_instrument,
    with_item_texts,
)
from holdspace.measures.models import Timepoint

SCHEDULES = Path(__file__).resolve().parent / "schedules.toml"


@cache
def _read() -> dict[str, Any]:
    return tomllib.loads(SCHEDULES.read_text(encoding="utf-8"))


def baseline_due_days() -> int:
    days = _read().get("due_days", {}).get("baseline", 7)
    if not isinstance(days, int) or days < 0:
        raise InstrumentError("schedules.toml [due_days]: baseline must be a whole number of days")
    return days


def due_offsets() -> dict[str, int]:
    """Days from each timepoint's anchor to its due date (see schedules.toml [due_days])."""
    raw = _read().get("due_days", {})
    offsets: dict[str, int] = {}
    for name, days in raw.items():
        if not isinstance(days, int):
            raise InstrumentError(f"schedules.toml [due_days]: {name} must be a whole number")
        if name != "show_days_before" and name not in Timepoint.values:
            raise InstrumentError(f"schedules.toml [due_days]: unknown timepoint {name}")
        offsets[name] = days
    return offsets


@cache
def _schedules() -> dict[str, dict[str, list[str]]]:
    data: dict[str, dict[str, list[str]]] = {k: v for k, v in _read().items() if k != "due_days"}
    for profile, timepoints in data.items():
        for timepoint, codes in timepoints.items():
            if timepoint not in Timepoint.values:
                raise InstrumentError(f"schedules.toml [{profile}]: unknown timepoint {timepoint}")
            for code in codes:
                get_instrument(code)  # raises, naming the code, when it is not in the library
    return data


def instruments_at(profile: str, timepoint: str) -> list[str]:
    schedules = _schedules()
    return list(schedules.get(profile, schedules["default"]).get(timepoint, []))


def organisation_texts_file(organisation_slug: str, code: str) -> Path:
    return Path(settings.INSTRUMENT_TEXT_DIR) / organisation_slug / f"{code}.toml"


def instrument_for(organisation_slug: str, code: str) -> Instrument | None:
    """The instrument ready to show: bundled wording, or the wording this organisation
    supplied; None when its licence keeps the wording out and none was supplied."""
    instrument = get_instrument(code)
    if instrument.item_text == "bundled":
        return instrument
    path = organisation_texts_file(organisation_slug, code)
    if not path.exists():
        return None
    texts = tomllib.loads(path.read_text(encoding="utf-8"))
    return with_item_texts(instrument, {str(k): str(v) for k, v in texts.items()})
