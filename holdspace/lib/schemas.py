"""The shared strict base of every data-file schema (profiles, rules, instruments, schedules,
vital-sign limits, guide questions, journal prompts).

A key the schema does not know is refused rather than ignored, so a misspelt field in a data
file fails when it is loaded instead of silently taking a default; a loaded file cannot be
changed afterwards.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def explain(exc: ValidationError) -> str:
    """Each problem as `field.path: message`, so the error names the field at fault."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'file'}: {error['msg']}"
        for error in exc.errors()
    )


class DataFileError(ValueError):
    """A data file that is not valid TOML or does not fit its schema; the message names the
    file and the field."""


Model = TypeVar("Model", bound=BaseModel)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(f"{path.name}: not valid TOML: {exc}") from exc


def load_toml(path: Path, schema: type[Model]) -> Model:
    """PATH read and validated against SCHEMA; DataFileError naming the field otherwise."""
    try:
        return schema.model_validate(read_toml(path))
    except ValidationError as exc:
        raise DataFileError(f"{path.name}: {explain(exc)}") from exc
