"""Scoring a response to an instrument, and judging change between two scores.

Everything here is read from the instrument's data; no clinical number is written in code.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from holdspace.measures.library import (
    Band,
    ClusterRule,
    Condition,
    FractionRule,
    Instrument,
    InstrumentError,
    Item,
)

_OPERATORS = {
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
}
_SEVERITY_ORDER = ["none", "mild", "moderate", "moderately_severe", "severe"]


class AnswerError(ValueError):
    """Answers that do not fit the instrument; `problems` maps each item id to the reason."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{item}: {reason}" for item, reason in problems.items()))


@dataclass(frozen=True)
class ScaleScore:
    value: float | None  # None: too many items missing for the instrument's policy
    answered: int
    items: int
    prorated: bool


@dataclass(frozen=True)
class Flag:
    rule_id: str
    message: str
    source: str


@dataclass(frozen=True)
class Result:
    instrument: str
    version: str
    total: ScaleScore | None  # None for instruments scored by subscale only
    subscales: dict[str, ScaleScore]
    band: Band | None
    missing: list[str]  # scored items left unanswered, always reported
    flags: list[Flag]
    rules: dict[str, bool | None]  # diagnostic rules; None when missing items leave it open
    answers: dict[str, float] = field(default_factory=dict)


def check_answers(instrument: Instrument, answers: Mapping[str, float | None]) -> dict[str, float]:
    """The answers given, by item id, after checking each against its item's options.

    An answer of None (or no answer) is a missing item; an unknown item or a value off the
    item's scale is refused, naming the item.
    """
    items = {item.id: item for item in instrument.items}
    problems: dict[str, str] = {}
    given: dict[str, float] = {}
    for item_id, value in answers.items():
        item = items.get(item_id)
        if item is None:
            problems[item_id] = f"{instrument.code} has no item {item_id!r}"
            continue
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems[item_id] = "the answer must be a number"
            continue
        options = instrument.option_set(item)
        if not options.allows(float(value)):
            if options.continuous:
                problems[item_id] = (
                    f"the answer must be from {options.minimum:g} to {options.maximum:g}"
                )
            else:
                allowed = ", ".join(f"{o.value:g}" for o in options.options)
                problems[item_id] = f"the answer must be one of {allowed}"
            continue
        given[item_id] = float(value)
    if problems:
        raise AnswerError(problems)
    return given


def _keyed(instrument: Instrument, item: Item, value: float) -> float:
    if not item.reverse:
        return value
    options = instrument.option_set(item)
    return options.minimum + options.maximum - value


def _scale(
    instrument: Instrument, item_ids: list[str], method: str, given: Mapping[str, float]
) -> ScaleScore:
    scored = [item for item in instrument.scored_items if item.id in item_ids]
    values = [_keyed(instrument, item, given[item.id]) for item in scored if item.id in given]
    missing = len(scored) - len(values)
    policy = instrument.scoring.missing
    allowed = 0 if policy.policy == "complete" else policy.max_missing
    if missing > allowed or not values:
        return ScaleScore(None, len(values), len(scored), prorated=False)
    mean = sum(values) / len(values)
    value = mean if method == "mean" else (sum(values) if missing == 0 else mean * len(scored))
    return ScaleScore(round(value, 4), len(values), len(scored), prorated=missing > 0)


def band_for(instrument: Instrument, total: float | None) -> Band | None:
    if total is None:
        return None
    for band in instrument.bands:
        if band.min <= total <= band.max:
            return band
    return None


def _holds(
    condition: Condition, given: Mapping[str, float], total: float | None, band: Band | None
) -> bool:
    if condition.band_severity is not None:
        if band is None:
            return False
        return _SEVERITY_ORDER.index(band.severity) >= _SEVERITY_ORDER.index(
            condition.band_severity
        )
    if condition.unanswered:
        return condition.item not in given
    assert condition.op is not None and condition.value is not None
    if condition.item is not None:
        observed = given.get(condition.item)
    else:
        observed = total
    return observed is not None and _OPERATORS[condition.op](observed, condition.value)


def _cluster_rule(
    instrument: Instrument, rule: ClusterRule, given: Mapping[str, float]
) -> bool | None:
    subscales = {s.id: s for s in instrument.scoring.subscales}
    undecided = False
    for subscale_id, needed in rule.require.items():
        item_ids = subscales[subscale_id].items
        endorsed = sum(1 for i in item_ids if given.get(i, -1) >= rule.endorsed_at)
        unanswered = sum(1 for i in item_ids if i not in given)
        if endorsed >= needed:
            continue
        if endorsed + unanswered >= needed:
            undecided = True  # the missing answers could still meet it
        else:
            return False
    return None if undecided else True


def _fraction_rule(
    instrument: Instrument, rule: FractionRule, subscales: Mapping[str, ScaleScore]
) -> bool | None:
    """False as soon as any scored subscale falls short; None when only unscored ones
    (too many missing items) could still decide it."""
    by_id = {s.id: s for s in instrument.scoring.subscales}
    undecided = False
    for subscale_id in rule.subscales:
        score = subscales[subscale_id].value
        if score is None:
            undecided = True
            continue
        definition = by_id[subscale_id]
        low, high = instrument.scale_range(
            definition.items, definition.method or instrument.scoring.method
        )
        if (score - low) < rule.fraction * (high - low) - 1e-9:
            return False
    return None if undecided else True


def score(instrument: Instrument, answers: Mapping[str, float | None]) -> Result:
    """Score ANSWERS (item id to value; None or absent is missing) as INSTRUMENT says."""
    given = check_answers(instrument, answers)
    method = instrument.scoring.method
    total = None
    if instrument.scoring.total:
        total = _scale(instrument, [i.id for i in instrument.scored_items], method, given)
    subscales = {
        s.id: _scale(instrument, s.items, s.method or method, given)
        for s in instrument.scoring.subscales
    }
    total_value = total.value if total else None
    band = band_for(instrument, total_value)
    flags = [
        Flag(rule.id, rule.message, rule.source)
        for rule in instrument.safety
        if _holds(rule.when, given, total_value, band)
    ]
    rules: dict[str, bool | None] = {}
    for rule in instrument.rules:
        if isinstance(rule, ClusterRule):
            rules[rule.id] = _cluster_rule(instrument, rule, given)
        else:
            rules[rule.id] = _fraction_rule(instrument, rule, subscales)
    missing = [item.id for item in instrument.scored_items if item.id not in given]
    return Result(
        instrument.code, instrument.version, total, subscales, band, missing, flags, rules, given
    )


def answers_from_list(
    instrument: Instrument, values: list[float | None]
) -> dict[str, float | None]:
    """Answers given as a list in item order, as a map of item id to value: one for every
    item, or one for every scored item (nine numbers for the PHQ-9, without its unscored
    tenth), the others then unanswered."""
    for items in (instrument.items, instrument.scored_items):
        if len(values) == len(items):
            given = dict(zip((item.id for item in items), values, strict=True))
            return {item.id: given.get(item.id) for item in instrument.items}
    every, scored = len(instrument.items), len(instrument.scored_items)
    expected = f"{every} items" if every == scored else f"{every} items ({scored} scored)"
    raise AnswerError(
        {"answers": f"{instrument.code} has {expected}; {len(values)} answers were given"}
    )


ChangeStatus = Literal["improved", "no_reliable_change", "deteriorated"]


@dataclass(frozen=True)
class Change:
    status: ChangeStatus
    difference: float  # later minus earlier
    threshold: float  # the smallest reliable change, in points


def reliable_change(instrument: Instrument, earlier: float, later: float) -> Change:
    """Whether the change from EARLIER to LATER is more than measurement error."""
    if instrument.reliable_change is None:
        raise InstrumentError(f"{instrument.code} has no reliable-change figure")
    threshold = instrument.reliable_change.threshold
    difference = later - earlier
    if abs(difference) < threshold:
        status: ChangeStatus = "no_reliable_change"
    elif (difference > 0) == instrument.scoring.higher_is_better:
        status = "improved"
    else:
        status = "deteriorated"
    return Change(status, round(difference, 4), round(threshold, 4))
