"""The screening rule set and the medication dictionary: data files under holdspace/rules/,
validated against the schemas below when loaded.

`screening.toml` holds the documented condition codes, the intake questions (Oregon's client
information questions among them), and the contraindication rules, each with the substances
it applies to, its condition, its outcome, a message for staff and a cited source.
`medications.toml` maps generic and brand names to drug classes, with WHO ATC codes.
Nothing here names a particular rule or medicine.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from holdspace.lib.schemas import StrictModel
from holdspace.screening.profiles import Substance

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"

Outcome = Literal["exclude", "review", "note"]
# From most to least permissive; a decision is the strictest outcome found.
DECISIONS = ("eligible", "review", "excluded")
OUTCOME_DECISION = {"note": "eligible", "review": "review", "exclude": "excluded"}


class RulesError(ValueError):
    """A rules or dictionary file that does not fit its schema."""


class Condition(StrictModel):
    label: str
    help: str = ""


class Question(StrictModel):
    text: str
    source: str
    # Support needs are asked as questions too; they inform planning, never eligibility alone.
    group: Literal["client_information", "support_needs"] = "client_information"
    unverified: bool = False


class Contradiction(StrictModel):
    """Answers that contradict each other inside one screening: a medicine of one of these
    classes, or one of these conditions, listed while question `answered_no` is answered no."""

    drug_classes: list[str] = []
    conditions: list[str] = []
    answered_no: str

    @model_validator(mode="after")
    def _something_listed(self) -> Contradiction:
        if not (self.drug_classes or self.conditions):
            raise ValueError("a contradiction needs a drug class or a condition")
        return self


class When(StrictModel):
    """The rule applies when ANY of these is present for the partner."""

    drug_classes: list[str] = []
    conditions: list[str] = []
    answers: list[str] = []
    unmatched_medication: bool = False
    # A client-information question left unanswered (support needs are optional).
    unanswered_question: bool = False
    contradictions: list[Contradiction] = []
    # The new screening would lower the decision in force for the partner: an earlier
    # screening's or a clinical lead's (answering again never undoes a clinical decision).
    lowers_decision_in_force: bool = False

    @model_validator(mode="after")
    def _something(self) -> When:
        others = (
            self.drug_classes
            or self.conditions
            or self.answers
            or self.unmatched_medication
            or self.unanswered_question
            or self.contradictions
        )
        if not (others or self.lowers_decision_in_force):
            raise ValueError("a rule needs at least one condition")
        if others and self.lowers_decision_in_force:
            # It is weighed after the other rules, against their decision: it stands alone.
            raise ValueError("lowers_decision_in_force cannot be combined with other conditions")
        return self


class Rule(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    substances: list[Substance] = Field(min_length=1)
    when: When
    outcome: Outcome
    # Raise a safety alert to the care team the moment the screening is saved.
    alert: bool = False
    message: str = Field(min_length=10)
    source: str = Field(min_length=3)
    unverified: bool = False


class RuleSet(StrictModel):
    version: str
    effective: dt.date
    title: str
    conditions: dict[str, Condition]
    questions: dict[str, Question]
    rules: list[Rule] = Field(min_length=1)


class DrugClass(StrictModel):
    name: str
    atc: list[str] = []
    source: str


class DictionarySource(StrictModel):
    id: str
    citation: str
    url: str = ""


class Medication(StrictModel):
    generic: str
    atc: str = ""
    classes: list[str] = Field(min_length=1)
    brands: list[str] = []
    synonyms: list[str] = []
    source: str
    unverified: bool = False

    @property
    def names(self) -> list[str]:
        return [self.generic, *self.brands, *self.synonyms]


class Dictionary(StrictModel):
    version: str
    title: str
    sources: list[DictionarySource]
    classes: dict[str, DrugClass]
    medications: list[Medication] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Dictionary:
        source_ids = {s.id for s in self.sources}
        seen: dict[str, str] = {}
        for cls_id, cls in self.classes.items():
            if cls.source not in source_ids:
                raise ValueError(f"class {cls_id}: unknown source {cls.source!r}")
        for med in self.medications:
            if med.source not in source_ids:
                raise ValueError(f"{med.generic}: unknown source {med.source!r}")
            for cls_id in med.classes:
                if cls_id not in self.classes:
                    raise ValueError(f"{med.generic}: unknown class {cls_id!r}")
            for name in med.names:
                key = normalise(name)
                if not key:
                    raise ValueError(f"{med.generic}: the name {name!r} is empty once normalised")
                if key in seen and seen[key] != med.generic:
                    raise ValueError(f"{name!r} names both {seen[key]} and {med.generic}")
                seen[key] = med.generic
        return self


# Medication names as people write them -------------------------------------------------

# Strengths, units, forms and salts people add to a name ("Lithium carbonate 300 mg ER tabs").
_NOISE = frozenset(
    """
    mg mcg µg ug g gram grams ml milligram milligrams microgram micrograms iu units unit
    tab tabs tablet tablets cap caps capsule capsules pill pills oral solution syrup liquid
    drops injection inj patch patches spray inhaler cream gel ointment suspension chewable
    dispersible soluble
    er xr sr cr la xl xl xr ir dr ec od mr cd hs es ds odt ext extended modified delayed
    immediate sustained controlled release retard prolonged
    daily day twice once nightly night morning bd bid tds tid qds qid od prn as needed at
    per a an the and of for with
    hydrochloride hcl hydrobromide hbr carbonate citrate sodium sulfate
    sulphate succinate tartrate besylate besilate maleate mesylate mesilate fumarate
    phosphate acetate dihydrate monohydrate bromide
    """.split()
)
_DOSE = re.compile(r"^\d+([.,]\d+)?(mg|mcg|µg|ug|g|ml|iu|%|x)?$")


def normalise(text: str) -> str:
    """A name reduced to lowercase words: punctuation, strengths, forms and salts dropped."""
    words = re.sub(r"[^\w\s/-]", "", text.lower().replace("’", "'").replace("'", ""))
    words = re.sub(r"[/\-]", " ", words)
    kept = [w for w in words.split() if w not in _NOISE and not _DOSE.match(w)]
    return " ".join(kept)


def _load_toml(name: str) -> dict[str, object]:
    path = RULES_DIR / name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{name}: {exc}") from exc


@cache
def rule_set() -> RuleSet:
    try:
        rules = RuleSet.model_validate(_load_toml("screening.toml"))
    except ValidationError as exc:
        raise RulesError(f"screening.toml: {exc}") from exc
    classes = dictionary().classes
    ids = [rule.id for rule in rules.rules]
    duplicates = {rule_id for rule_id in ids if ids.count(rule_id) > 1}
    if duplicates:
        raise RulesError(f"screening.toml: rule ids used twice: {sorted(duplicates)}")
    for rule in rules.rules:
        for cls_id in rule.when.drug_classes:
            if cls_id not in classes:
                raise RulesError(f"screening.toml: {rule.id} names unknown drug class {cls_id!r}")
        for code in rule.when.conditions:
            if code not in rules.conditions:
                raise RulesError(f"screening.toml: {rule.id} names unknown condition {code!r}")
        for code in rule.when.answers:
            if code not in rules.questions:
                raise RulesError(f"screening.toml: {rule.id} names unknown question {code!r}")
        for contradiction in rule.when.contradictions:
            for cls_id in contradiction.drug_classes:
                if cls_id not in classes:
                    raise RulesError(
                        f"screening.toml: {rule.id} names unknown drug class {cls_id!r}"
                    )
            for code in contradiction.conditions:
                if code not in rules.conditions:
                    raise RulesError(f"screening.toml: {rule.id} names unknown condition {code!r}")
            if contradiction.answered_no not in rules.questions:
                raise RulesError(
                    f"screening.toml: {rule.id} names unknown question "
                    f"{contradiction.answered_no!r}"
                )
    return rules


@cache
def dictionary() -> Dictionary:
    try:
        return Dictionary.model_validate(_load_toml("medications.toml"))
    except ValidationError as exc:
        raise RulesError(f"medications.toml: {exc}") from exc


@cache
def _name_index() -> dict[str, Medication]:
    return {normalise(name): med for med in dictionary().medications for name in med.names}


def match_medication(written: str) -> Medication | None:
    """The dictionary entry WRITTEN names, by generic or brand name, ignoring case, strength,
    form and salt; the longest known name found wins ("Adderall XR 20 mg" is Adderall)."""
    index = _name_index()
    words = normalise(written).split()
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            found = index.get(" ".join(words[start : start + size]))
            if found is not None:
                return found
    return None


# Words that join names on one line ("sertraline and lithium", "X with Y", "A + B").
_JOINERS = frozenset({"and", "with", "plus", "also", "or", "then"})


def match_medications_in(written: str) -> tuple[list[Medication], list[str]]:
    """Every dictionary entry named on one line, and the words left over that name nothing
    known — so "Zoloft and lithium" finds both, and "Zyxcorp with vitamin D" reports Zyxcorp
    as unmatched rather than hiding it behind vitamin D."""
    index = _name_index()
    words = normalise(written).split()
    found: list[Medication] = []
    used = [False] * len(words)
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            if any(used[start : start + size]):
                continue
            med = index.get(" ".join(words[start : start + size]))
            if med is not None:
                if med not in found:
                    found.append(med)
                for position in range(start, start + size):
                    used[position] = True
    leftover = [w for w, u in zip(words, used, strict=True) if not u and w not in _JOINERS]
    return found, leftover
