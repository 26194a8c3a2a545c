"""The contraindication rules engine: one partner, one substance, the rule set in data.

`evaluate` is a pure function of the intake. It matches each written medication to the
dictionary, applies every rule for the substance, and returns a decision (eligible, review or
excluded: the strictest outcome among the findings) with the findings that produced it. An
unmatched medication name is a finding of its own, never ignored; so are answers that
contradict each other. Given the partner's decision in force (an earlier screening's or a
clinical lead's), a decision that would be lower than it is raised by the rule that says so:
answering again never undoes a clinical decision.
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
    # The screening whose decision this one would have lowered.
    earlier_screening_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "rule_id": self.rule_id,
            "outcome": self.outcome,
            "message": self.message,
            "source": self.source,
            "unverified": self.unverified,
            "alert": self.alert,
            "because": list(self.because),
        }
        if self.earlier_screening_id is not None:
            found["earlier_screening_id"] = self.earlier_screening_id
        return found


@dataclass(frozen=True)
class DecisionInForce:
    """The partner's decision that counts before this screening, and where it comes from."""

    decision: str
    screening_id: int
    # Names it for the care team: "Screening #12 of 4 Dec 2026, 10:02: Not eligible".
    description: str


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
    for contradiction in rule.when.contradictions:
        if answers.get(contradiction.answered_no) is not False:
            continue
        listed = [
            f"{med.written} → {med.generic} ({classes[cls_id].name})"
            for med in medications
            for cls_id in contradiction.drug_classes
            if cls_id in med.classes
        ]
        listed += [rules.conditions[c].label for c in contradiction.conditions if c in conditions]
        asked = rules.questions[contradiction.answered_no].text
        because += [f"{item} listed, but “{asked}” — no" for item in listed]
    return because


def _strictest(findings: Iterable[Finding]) -> str:
    return max(
        (OUTCOME_DECISION[f.outcome] for f in findings), key=DECISIONS.index, default="eligible"
    )


def evaluate(
    *,
    substance: str,
    conditions: Iterable[str] = (),
    medications: Iterable[str] = (),
    answers: Mapping[str, bool] | None = None,
    in_force: DecisionInForce | None = None,
) -> Evaluation:
    """The decision for one partner and one substance, with the findings behind it; IN_FORCE
    is the partner's decision that counts so far for the substance, if there is one."""
    rules = rule_set()
    matched = match_medications([m for m in medications if m.strip()])
    condition_set = set(conditions)
    answer_map = dict(answers or {})
    findings: list[Finding] = []
    for rule in rules.rules:
        if substance not in rule.substances or rule.when.lowers_decision_in_force:
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
    if in_force is not None and not stricter_or_equal(_strictest(findings), in_force.decision):
        findings += [
            Finding(
                rule_id=rule.id,
                outcome=rule.outcome,
                message=rule.message,
                source=rule.source,
                unverified=rule.unverified,
                alert=rule.alert,
                because=(in_force.description,),
                earlier_screening_id=in_force.screening_id,
            )
            for rule in rules.rules
            if rule.when.lowers_decision_in_force and substance in rule.substances
        ]
    decision = _strictest(findings)
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
