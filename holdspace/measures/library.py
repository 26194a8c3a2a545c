"""The instrument library: one TOML file per instrument under holdspace/instruments/,
validated against the schema below when loaded.

A new instrument is a new data file; nothing here names a particular instrument. Where an
instrument's licence does not allow bundling its items, the file carries structure and
scoring only (`item_text = "organisation"`), and the organisation supplies the wording in a
file of its own (see `with_item_texts`).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from holdspace.lib.schemas import StrictModel

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "instruments"


class InstrumentError(ValueError):
    """An instrument file (or an organisation's item-text file) that does not fit the schema."""


class Option(StrictModel):
    value: float
    label: str


class OptionSet(StrictModel):
    id: str
    options: list[Option] = Field(min_length=2)
    # A visual-analogue scale: any value from min to max, not only the listed anchors.
    continuous: bool = False

    @property
    def minimum(self) -> float:
        return min(o.value for o in self.options)

    @property
    def maximum(self) -> float:
        return max(o.value for o in self.options)

    def allows(self, value: float) -> bool:
        if self.continuous:
            return self.minimum <= value <= self.maximum
        return any(o.value == value for o in self.options)


class Item(StrictModel):
    id: str
    text: str = ""
    options: str  # the id of an option set
    reverse: bool = False
    scored: bool = True
    # A safety item (PHQ-9 item 9): left unanswered it is a safety event of its own, so the
    # instrument must carry an `unanswered` safety rule naming it.
    safety: bool = False


class Licence(StrictModel):
    statement: str
    citation: str
    source: str
    unverified: bool = False


class MissingPolicy(StrictModel):
    """What to do with unanswered items in one scale.

    - complete: every item is needed; with any missing the score is not computed.
    - prorate: up to `max_missing` items may be missing; the score is the mean of the
      answered items times the number of items (for a sum), or their mean (for a mean).
    """

    policy: Literal["complete", "prorate"]
    max_missing: int = Field(default=0, ge=0)


class Subscale(StrictModel):
    id: str
    name: str
    items: list[str] = Field(min_length=1)
    method: Literal["sum", "mean"] | None = None  # the instrument's method when not given


class Band(StrictModel):
    min: float
    max: float
    label: str
    severity: Literal["none", "mild", "moderate", "moderately_severe", "severe"] = "none"


class ReliableChange(StrictModel):
    """The smallest change that is more than measurement error.

    Either a published figure (`points`), or the standard deviation and reliability from
    which the Jacobson–Truax criterion 1.96 · √2 · SD · √(1 − r) is computed.
    """

    points: float | None = Field(default=None, gt=0)
    sd: float | None = Field(default=None, gt=0)
    reliability: float | None = Field(default=None, gt=0, lt=1)
    source: str
    unverified: bool = False

    @model_validator(mode="after")
    def _one_way(self) -> ReliableChange:
        if (self.points is None) == (self.sd is None or self.reliability is None):
            raise ValueError("give either points, or both sd and reliability")
        return self

    @property
    def threshold(self) -> float:
        if self.points is not None:
            return self.points
        assert self.sd is not None and self.reliability is not None
        return float(1.96 * math.sqrt(2) * self.sd * math.sqrt(1 - self.reliability))


class Condition(StrictModel):
    """A test on one item's answer (or on its being left unanswered), the total, or the band."""

    item: str | None = None
    score: Literal["total"] | None = None
    band_severity: Literal["mild", "moderate", "moderately_severe", "severe"] | None = None
    op: Literal[">", ">=", "==", "<", "<="] | None = None
    value: float | None = None
    # Holds when ITEM was left unanswered (a skipped safety item); takes no op or value.
    unanswered: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> Condition:
        targets = [self.item is not None, self.score is not None, self.band_severity is not None]
        if sum(targets) != 1:
            raise ValueError("a condition names exactly one of item, score or band_severity")
        if self.unanswered:
            if self.item is None or self.op is not None or self.value is not None:
                raise ValueError("an unanswered condition names an item and no op or value")
        elif self.band_severity is None and (self.op is None or self.value is None):
            raise ValueError("an item or score condition needs op and value")
        return self


class SafetyRule(StrictModel):
    id: str
    when: Condition
    message: str  # for staff: what the alert means and what to do
    source: str
    unverified: bool = False


class ClusterRule(StrictModel):
    """A diagnostic rule counting endorsed items per subscale (PCL-5's DSM-5 rule)."""

    id: str
    name: str
    kind: Literal["cluster_count"]
    endorsed_at: float  # an item counts as endorsed at this answer or above
    require: dict[str, int]  # subscale id -> items needed
    source: str
    unverified: bool = False


class FractionRule(StrictModel):
    """Every named subscale at or above a fraction of its maximum (MEQ-30's complete
    mystical experience)."""

    id: str
    name: str
    kind: Literal["all_subscales_at_least"]
    fraction: float = Field(gt=0, le=1)
    subscales: list[str] = Field(min_length=1)
    source: str
    unverified: bool = False


class Scoring(StrictModel):
    method: Literal["sum", "mean"]
    missing: MissingPolicy
    higher_is_better: bool
    subscales: list[Subscale] = []
    # Scores are reported for the subscales only (MEQ-30): no total.
    total: bool = True


class Instrument(StrictModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    version: str
    domain: str  # what it measures: depression, relationship satisfaction, …
    timeframe: str = ""
    instructions: str
    item_text: Literal["bundled", "organisation"]
    licence: Licence
    option_sets: list[OptionSet] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    scoring: Scoring
    bands: list[Band] = []
    reliable_change: ReliableChange | None = None
    safety: list[SafetyRule] = []
    rules: list[Annotated[ClusterRule | FractionRule, Field(discriminator="kind")]] = []

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        problems: list[str] = []
        sets = {s.id for s in self.option_sets}
        ids = [i.id for i in self.items]
        if len(ids) != len(set(ids)):
            problems.append("item ids repeat")
        for item in self.items:
            if item.options not in sets:
                problems.append(f"item {item.id} names an unknown option set {item.options!r}")
            if self.item_text == "bundled" and not item.text:
                problems.append(f"item {item.id} has no text though item_text is bundled")
            if self.item_text == "organisation" and item.text:
                problems.append(f"item {item.id} carries text though its licence keeps it out")
        subscale_ids = {s.id for s in self.scoring.subscales}
        for subscale in self.scoring.subscales:
            for item_id in subscale.items:
                if item_id not in ids:
                    problems.append(f"subscale {subscale.id} names an unknown item {item_id}")
        safety_items = {item.id for item in self.items if item.safety}
        asked_for: set[str] = set()
        for rule in self.safety:
            if rule.when.item is not None and rule.when.item not in ids:
                problems.append(f"safety rule {rule.id} names an unknown item {rule.when.item}")
            if rule.when.unanswered and rule.when.item in ids:
                if rule.when.item not in safety_items:
                    problems.append(
                        f"safety rule {rule.id} is for an unanswered {rule.when.item}, "
                        "which is not marked as a safety item"
                    )
                asked_for.add(rule.when.item)
        for item_id in sorted(safety_items - asked_for):
            problems.append(f"safety item {item_id} has no safety rule for when it is unanswered")
        for diagnostic in self.rules:
            named = (
                diagnostic.require if isinstance(diagnostic, ClusterRule) else diagnostic.subscales
            )
            for subscale_id in named:
                if subscale_id not in subscale_ids:
                    problems.append(f"rule {diagnostic.id} names an unknown subscale {subscale_id}")
        for band in self.bands:
            if band.min > band.max:
                problems.append(f"band {band.label!r} runs from {band.min} down to {band.max}")
        if not self.scoring.total and self.bands:
            problems.append("bands need a total score")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def option_set(self, item: Item) -> OptionSet:
        return next(s for s in self.option_sets if s.id == item.options)

    @property
    def scored_items(self) -> list[Item]:
        return [item for item in self.items if item.scored]

    @property
    def safety_items(self) -> list[Item]:
        return [item for item in self.items if item.safety]

    def scale_range(self, item_ids: list[str], method: str) -> tuple[float, float]:
        items = [item for item in self.scored_items if item.id in item_ids]
        low = sum(self.option_set(i).minimum for i in items)
        high = sum(self.option_set(i).maximum for i in items)
        if method == "mean":
            return low / len(items), high / len(items)
        return low, high

    @property
    def total_range(self) -> tuple[float, float]:
        return self.scale_range([i.id for i in self.scored_items], self.scoring.method)


def _read(path: Path) -> Instrument:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{path.name}: not valid TOML: {exc}") from exc
    try:
        instrument = Instrument.model_validate(data)
    except ValidationError as exc:
        raise InstrumentError(f"{path.name}: {_explain(exc)}") from exc
    if instrument.code != path.stem:
        raise InstrumentError(f"{path.name}: its code is {instrument.code!r}, not {path.stem!r}")
    return instrument


def _explain(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'file'}: {error['msg']}"
        for error in exc.errors()
    )


def load_directory(directory: Path) -> dict[str, Instrument]:
    return {path.stem: _read(path) for path in sorted(directory.glob("*.toml"))}


@cache
def library() -> Mapping[str, Instrument]:
    """Every shipped instrument by code, read and validated once per process."""
    return load_directory(LIBRARY_DIR)


def get_instrument(code: str) -> Instrument:
    try:
        return library()[code]
    except KeyError:
        raise InstrumentError(f"no instrument has the code {code!r}") from None


def with_item_texts(instrument: Instrument, texts: Mapping[str, str]) -> Instrument:
    """INSTRUMENT with the item wording an organisation supplied for it.

    TEXTS maps every item id to its text; a missing or unknown id is refused by name, so a
    partner is never shown a form with a gap in it.
    """
    ids = [item.id for item in instrument.items]
    missing = [item_id for item_id in ids if not str(texts.get(item_id, "")).strip()]
    unknown = sorted(set(texts) - set(ids))
    if missing or unknown:
        parts = []
        if missing:
            parts.append("no text for " + ", ".join(missing))
        if unknown:
            parts.append("unknown items " + ", ".join(unknown))
        raise InstrumentError(f"{instrument.code}: " + "; ".join(parts))
    items = [
        item.model_copy(update={"text": str(texts[item.id]).strip()}) for item in instrument.items
    ]
    # Still marked "organisation": the wording is shown to this organisation's partners but is
    # never exported or served as part of the library.
    return instrument.model_copy(update={"items": items})
