"""The data each kind of session event carries, validated by a schema per kind, and the
plausibility limits for vital signs (holdspace/rules/vitals.toml)."""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from holdspace.lib.schemas import StrictModel, load_toml
from holdspace.screening.rules import RULES_DIR
from holdspace.sessions.models import EventKind

_VITALS_FILE: Path = RULES_DIR / "vitals.toml"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DoseData(_Data):
    amount_mg: float = Field(gt=0, le=10_000)
    # Where the profile keeps a product ledger, `lot` is a lot number of the organisation's
    # ledger (the partner's planned lot when left out) and the product is the lot's; otherwise
    # both are free text and required (sessions/recording.py checks which).
    product: str | None = Field(default=None, min_length=1, max_length=200)
    lot: str | None = Field(default=None, min_length=1, max_length=100)
    units: float | None = Field(default=None, gt=0, le=1000)


class VitalsData(_Data):
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    temperature_c: float | None = None

    @field_validator("systolic", "diastolic", "heart_rate", "temperature_c")
    @classmethod
    def _plausible(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None:
            return value
        name = str(info.field_name)
        low, high, unit = vital_limits()[name]
        if not low <= value <= high:
            raise ValueError(
                f"{name} {value:g} is outside {low:g}–{high:g} {unit}: check the reading"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> VitalsData:
        if not self.model_dump(exclude_none=True):
            raise ValueError("give at least one reading")
        if (
            self.systolic is not None
            and self.diastolic is not None
            and self.diastolic >= self.systolic
        ):
            raise ValueError("diastolic must be lower than systolic: check the reading")
        return self


class NoteData(_Data):
    text: str = Field(min_length=1, max_length=20_000)


class MusicData(_Data):
    text: str = Field(min_length=1, max_length=2000)
    link: str = Field(default="", max_length=500)


class TouchData(_Data):
    by: Literal["facilitator", "partner"]
    form: Literal["hug", "hands", "feet", "shoulders", "other"] = "hands"
    note: str = Field(default="", max_length=2000)


class MonitoringBreakData(_Data):
    minutes: int = Field(ge=1, le=60)
    covered_by: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=2000)


class AdverseEventData(_Data):
    description: str = Field(min_length=1, max_length=20_000)
    severity: Literal["mild", "moderate", "severe", "life_threatening"]
    emergency_services: bool = False
    medical_care: bool = False
    action_taken: str = Field(default="", max_length=20_000)
    outcome: str = Field(default="", max_length=20_000)


class CorrectionData(_Data):
    corrects: uuid.UUID
    reason: str = Field(min_length=1, max_length=2000)
    # The corrected values, in the shape of the event corrected (shown beside the original).
    data: dict[str, Any] = {}


class EndData(_Data):
    reason: Literal["completed", "emergency_transfer"] = "completed"
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _transfer_says_where(self) -> EndData:
        if self.reason == "emergency_transfer" and not self.note:
            raise ValueError("say where the partner was transferred and by whom")
        return self


# The data of each kind of event (every EventKind has one: a test says so).
DATA: dict[str, type[_Data]] = {
    EventKind.DOSE: DoseData,
    EventKind.SUPPLEMENTAL_DOSE: DoseData,
    EventKind.VITALS: VitalsData,
    EventKind.NOTE: NoteData,
    EventKind.OBSERVATION: NoteData,
    EventKind.MUSIC: MusicData,
    EventKind.TOUCH: TouchData,
    EventKind.MONITORING_BREAK: MonitoringBreakData,
    EventKind.ADVERSE_EVENT: AdverseEventData,
    EventKind.CORRECTION: CorrectionData,
    EventKind.END: EndData,
}


class EventDataError(ValueError):
    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in problems.items()))
        self.problems = problems


def clean_data(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """DATA for KIND, validated; EventDataError names each bad field (as data.<field>)."""
    schema = DATA[kind]
    try:
        return schema.model_validate(data).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        problems: dict[str, list[str]] = {}
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "data"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.setdefault(f"data.{where}" if where != "data" else "data", []).append(message)
        raise EventDataError(problems) from None


class VitalLimit(StrictModel):
    min: float
    max: float
    unit: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> VitalLimit:
        if self.min >= self.max:
            raise ValueError(f"min {self.min:g} must be below max {self.max:g}")
        return self


class VitalLimits(StrictModel):
    """rules/vitals.toml: the plausibility limits of each reading VitalsData accepts."""

    source: str = Field(min_length=1)
    systolic: VitalLimit
    diastolic: VitalLimit
    heart_rate: VitalLimit
    temperature_c: VitalLimit


@cache
def vital_limits() -> dict[str, tuple[float, float, str]]:
    limits = load_toml(_VITALS_FILE, VitalLimits)
    return {
        name: (limit.min, limit.max, limit.unit)
        for name in VitalsData.model_fields
        for limit in [getattr(limits, name)]
    }
