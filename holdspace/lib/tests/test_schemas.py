from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from holdspace.facilitators.selectors import GuideQuestions
from holdspace.lib.schemas import DataFileError, StrictModel, load_toml
from holdspace.measures.library import Instrument
from holdspace.measures.schedule import Schedules
from holdspace.screening.profiles import Profile
from holdspace.screening.rules import Dictionary, RuleSet
from holdspace.sessions.events import VitalLimits


class _Example(StrictModel):
    name: str
    days: int


def test_it_refuses_a_key_the_schema_does_not_know_naming_it() -> None:
    with pytest.raises(ValidationError, match="dayz"):
        _Example.model_validate({"name": "x", "days": 1, "dayz": 2})


def test_it_freezes_a_loaded_file() -> None:
    example = _Example(name="x", days=1)
    with pytest.raises(ValidationError):
        example.days = 2  # type: ignore[misc]


def test_it_names_the_file_and_the_field_of_a_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "example.toml"
    path.write_text('name = "x"\ndays = "seven"\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"example\.toml: days: Input should be a valid"):
        load_toml(path, _Example)


def test_it_refuses_a_file_that_is_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("name = \n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"broken\.toml: not valid TOML"):
        load_toml(path, _Example)


@pytest.mark.parametrize(
    "schema", [Profile, RuleSet, Dictionary, Instrument, Schedules, VitalLimits, GuideQuestions]
)
def test_it_builds_every_data_file_schema_on_the_one_strict_base(schema: type) -> None:
    assert issubclass(schema, StrictModel)
    assert schema.model_config.get("extra") == "forbid"
    assert schema.model_config.get("frozen") is True
