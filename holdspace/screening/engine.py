"""The contraindication rules engine: one partner, one substance, the rule set in data.

`evaluate` is a pure function of the intake. It matches each written medication to the
dictionary, applies every rule for the substance, and returns a decision (eligible, review or
excluded: the strictest outcome among the findings) with the findings that produced it. An
unmatched medication name is a finding of its own, never ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from holdspace.screening.rules import (
    DECISIONS,
    OUTCOME_DECISION,
    Rule,
    dictionary,
    match_medications_in,
    rule_set,
)


@dataclass(frozen=True)
class MedicationMatch:
    written: str
    generic: str | None = None
    atc: str = ""
    classes: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        return self.generic is not None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    outcome: str
    message: str
    source: str
    unverified: bool
    alert: bool
    because: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "outcome": self.outcome,
            "message": self.message,
            "source": self.source,
            "unverified": self.unverified,
            "alert": self.alert,
            "because": list(self.because),
        }


@dataclass(frozen=True)
class Evaluation:
    substance: str
    decision: str
    findings: tuple[Finding, ...]
    medications: tuple[MedicationMatch, ...] = field(default=())
    rule_set_version: str = ""
    dictionary_version: str = ""

    @property
    def unmatched(self) -> list[str]:
        return [m.written for m in self.medications if not m.matched]

    @property
    def alerts(self) -> list[Finding]:
        return [f for f in self.findings if f.alert]


def match_medications(written: Iterable[str]) -> tuple[MedicationMatch, ...]:
    """Each written line matched to every medicine it names; a line, or the part of a line,
    that names nothing known is kept as unmatched."""
    matches = []
    for name in written:
        found, leftover = match_medications_in(name)
        for med in found:
            matches.append(
                MedicationMatch(
                    written=name, generic=med.generic, atc=med.atc, classes=tuple(med.classes)
                )
            )
        if not found or leftover:
            part = f"{name} (not recognised: {' '.join(leftover)})" if found else name
            matches.append(MedicationMatch(written=part))
    return tuple(matches)


def _reasons(
    rule: Rule,
    medications: tuple[MedicationMatch, ...],
    conditions: set[str],
    answers: Mapping[str, bool],
) -> list[str]:
    rules = rule_set()
    classes = dictionary().classes
    because: list[str] = []
    for med in medications:
        for cls_id in rule.when.drug_classes:
            if cls_id in med.classes:
                code = f", {med.atc}" if med.atc else ""
                because.append(f"{med.written} → {med.generic} ({classes[cls_id].name}{code})")
        if rule.when.unmatched_medication and not med.matched:
            because.append(f"{med.written} → not in the medication dictionary")
    for code in rule.when.conditions:
        if code in conditions:
            because.append(rules.conditions[code].label)
    for code in rule.when.answers:
        if answers.get(code):
            because.append(f"“{rules.questions[code].text}” — yes")
    if rule.when.unanswered_question:
        for code, question in rules.questions.items():
            if question.group == "client_information" and code not in answers:
                because.append(f"“{question.text}” — not answered")
    return because


def evaluate(
    *,
    substance: str,
    conditions: Iterable[str] = (),
    medications: Iterable[str] = (),
    answers: Mapping[str, bool] | None = None,
) -> Evaluation:
    """The decision for one partner and one substance, with the findings behind it."""
    rules = rule_set()
    matched = match_medications([m for m in medications if m.strip()])
    condition_set = set(conditions)
    answer_map = dict(answers or {})
    findings: list[Finding] = []
    for rule in rules.rules:
        if substance not in rule.substances:
            continue
        because = _reasons(rule, matched, condition_set, answer_map)
        if because:
            findings.append(
                Finding(
                    rule_id=rule.id,
                    outcome=rule.outcome,
                    message=rule.message,
                    source=rule.source,
                    unverified=rule.unverified,
                    alert=rule.alert,
                    because=tuple(because),
                )
            )
    decision = max(
        (OUTCOME_DECISION[f.outcome] for f in findings),
        key=DECISIONS.index,
        default="eligible",
    )
    order = {"exclude": 0, "review": 1, "note": 2}
    findings.sort(key=lambda f: (order[f.outcome], f.rule_id))
    return Evaluation(
        substance=substance,
        decision=decision,
        findings=tuple(findings),
        medications=matched,
        rule_set_version=rules.version,
        dictionary_version=dictionary().version,
    )


def stricter_or_equal(first: str, second: str) -> bool:
    """Whether decision FIRST is at least as strict as SECOND."""
    return DECISIONS.index(first) >= DECISIONS.index(second)
