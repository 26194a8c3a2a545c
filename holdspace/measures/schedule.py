"""Which instruments are due for a partner: read from schedules.toml, by profile."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from pydantic import Field, model_validator

from holdspace.lib.schemas import DataFileError, StrictModel, load_toml
from holdspace.measures.library import (
    Instrument,
    InstrumentError,
    get_instrument,
    with_item_texts,
)

SCHEDULES = Path(__file__).resolve().parent / "schedules.toml"


class DueDays(StrictModel):
    """[due_days]: days from each timepoint's anchor to its due date, and how far ahead a
    timepoint is offered."""

    baseline: int = Field(ge=0)
    before_session: int = Field(le=0)
    day_after: int = Field(ge=0)
    week_1: int = Field(ge=0)
    month_1: int = Field(ge=0)
    month_3: int = Field(ge=0)
    month_6: int = Field(ge=0)
    show_days_before: int = Field(ge=0)


class TimepointInstruments(StrictModel):
    """One profile's table: the instrument codes completed at each timepoint."""

    baseline: list[str] = []
    before_session: list[str] = []
    day_after: list[str] = []
    week_1: list[str] = []
    month_1: list[str] = []
    month_3: list[str] = []
    month_6: list[str] = []

    @model_validator(mode="after")
    def _known_codes(self) -> TimepointInstruments:
        for codes in self.model_dump().values():
            for code in codes:
                get_instrument(code)  # raises, naming the code, when it is not in the library
        return self


class Schedules(StrictModel):
    """schedules.toml: [due_days], [default] and one table per jurisdiction profile by name."""

    due_days: DueDays
    profiles: dict[str, TimepointInstruments]

    @model_validator(mode="before")
    @classmethod
    def _tables(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        tables = {k: v for k, v in data.items() if k != "due_days"}
        return {"due_days": data.get("due_days"), "profiles": tables}

    @model_validator(mode="after")
    def _has_default(self) -> Schedules:
        if "default" not in self.profiles:
            raise ValueError("a [default] table is required")
        return self


@cache
def schedules() -> Schedules:
    """schedules.toml, read and validated once per process."""
    try:
        return load_toml(SCHEDULES, Schedules)
    except (DataFileError, InstrumentError) as exc:
        raise InstrumentError(str(exc)) from exc


def due_offsets() -> dict[str, int]:
    """Days from each timepoint's anchor to its due date (see schedules.toml [due_days])."""
    return schedules().due_days.model_dump()


def instruments_at(profile: str, timepoint: str) -> list[str]:
    tables = schedules().profiles
    return list(getattr(tables.get(profile, tables["default"]), timepoint, []))


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
