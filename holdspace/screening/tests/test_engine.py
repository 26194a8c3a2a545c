"""The contraindication rules engine, scenario by scenario, and its medication matching.

Each scenario is one partner's intake for one substance, written as people write it, with the
decision and the exact rules expected to apply. The property tests check that the engine only
ever gets stricter as more is known about a partner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from holdspace.screening.engine import (
    DecisionInForce,
    Evaluation,
    match_medications,
    stricter_or_equal,
)
from holdspace.screening.engine import evaluate as engine_evaluate
from holdspace.screening.rules import DECISIONS, dictionary, match_medication, rule_set

# Every client-information question answered "no", unless a scenario says otherwise: an
# unanswered question is a finding of its own (tested on its own below).
ALL_NO = {
    code: False
    for code, question in rule_set().questions.items()
    if question.group == "client_information"
}


def consistent_answers(conditions: Sequence[str], medications: Sequence[str]) -> dict[str, bool]:
    """ALL_NO, except "yes" where the intake lists what a question asks about (lithium listed:
    lithium in the last 30 days, yes), as a partner answering consistently would; answers that
    contradict each other are tested on their own below."""
    classes = {cls for med in match_medications(medications) for cls in med.classes}
    answers = dict(ALL_NO)
    for rule in rule_set().rules:
        for contradiction in rule.when.contradictions:
            if classes & set(contradiction.drug_classes) or set(conditions) & set(
                contradiction.conditions
            ):
                answers[contradiction.answered_no] = True
    return answers


def evaluate(**intake: Any) -> Evaluation:
    defaults = consistent_answers(intake.get("conditions", ()), intake.get("medications", ()))
    answers = {**defaults, **(intake.pop("answers", None) or {})}
    return engine_evaluate(answers=answers, **intake)


def test_it_asks_for_review_of_an_unanswered_question_and_names_it() -> None:
    result = engine_evaluate(substance="psilocybin", answers={"lithium_last_30_days": False})
    assert result.decision == "review"
    (finding,) = result.findings
    assert finding.rule_id == "unanswered-question"
    assert any("mushrooms" in reason and "not answered" in reason for reason in finding.because)
    assert not any("lithium" in reason for reason in finding.because)
    # Support needs are optional: leaving them out asks for nothing.
    assert engine_evaluate(substance="psilocybin", answers=ALL_NO).decision == "eligible"


HARMLESS = [
    "ibuprofen 400 mg",
    "Tylenol",
    "acetaminophen 500mg",
    "cetirizine",
    "loratadine 10mg",
    "Yasmin",
    "atorvastatin 20mg",
]


def scenario(
    name: str,
    substance: str,
    decision: str,
    rule_ids: set[str],
    *,
    conditions: Sequence[str] = (),
    medications: Sequence[str] = (),
    answers: Mapping[str, bool] | None = None,
) -> Any:
    return pytest.param(
        substance,
        list(conditions),
        list(medications),
        dict(answers or {}),
        decision,
        rule_ids,
        id=name,
    )


SCENARIOS = [
    # Lithium in the last 30 days: by the medicine written, and by the intake question.
    scenario(
        "lithium-carbonate-psilocybin",
        "psilocybin",
        "excluded",
        {"lithium-psilocybin"},
        medications=["Lithium carbonate 300 mg"],
    ),
    scenario(
        "lithium-carbonate-mdma",
        "mdma",
        "excluded",
        {"lithium-mdma"},
        medications=["Lithium carbonate 300 mg"],
    ),
    scenario(
        "lithium-brand-priadel-psilocybin",
        "psilocybin",
        "excluded",
        {"lithium-psilocybin"},
        medications=["Priadel 400mg"],
    ),
    scenario(
        "lithium-answer-psilocybin",
        "psilocybin",
        "excluded",
        {"lithium-psilocybin"},
        answers={"lithium_last_30_days": True},
    ),
    scenario(
        "lithium-answer-mdma",
        "mdma",
        "excluded",
        {"lithium-mdma"},
        answers={"lithium_last_30_days": True},
    ),
    scenario(
        "lithium-answer-no-psilocybin",
        "psilocybin",
        "eligible",
        set(),
        answers={"lithium_last_30_days": False},
    ),
    scenario(
        "lithium-medicine-and-answer-mdma",
        "mdma",
        "excluded",
        {"lithium-mdma"},
        medications=["lithium 400mg bd"],
        answers={"lithium_last_30_days": True},
    ),
    # MAO inhibitors: irreversible, reversible (RIMA) and MAO-B.
    scenario("nardil-mdma", "mdma", "excluded", {"maoi-mdma"}, medications=["Nardil"]),
    scenario(
        "nardil-psilocybin", "psilocybin", "review", {"maoi-psilocybin"}, medications=["Nardil"]
    ),
    scenario(
        "moclobemide-mdma",
        "mdma",
        "excluded",
        {"maoi-mdma"},
        medications=["moclobemide 150 mg"],
    ),
    scenario(
        "moclobemide-psilocybin",
        "psilocybin",
        "review",
        {"maoi-psilocybin"},
        medications=["moclobemide 150 mg"],
    ),
    scenario(
        "maob-rasagiline-azilect-mdma", "mdma", "excluded", {"maoi-mdma"}, medications=["Azilect"]
    ),
    scenario(
        "maob-selegiline-patch-mdma",
        "mdma",
        "excluded",
        {"maoi-mdma"},
        medications=["Emsam patch"],
    ),
    scenario(
        "maob-selegiline-psilocybin",
        "psilocybin",
        "review",
        {"maoi-psilocybin"},
        medications=["selegiline 5 mg"],
    ),
    scenario(
        "maoi-acting-linezolid-mdma", "mdma", "excluded", {"maoi-mdma"}, medications=["Zyvox"]
    ),
    # Tramadol.
    scenario(
        "tramadol-ultram-mdma",
        "mdma",
        "excluded",
        {"tramadol-mdma", "serotonergic-opioid-mdma"},
        medications=["Ultram"],
    ),
    scenario(
        "tramadol-as-needed-mdma",
        "mdma",
        "excluded",
        {"tramadol-mdma", "serotonergic-opioid-mdma"},
        medications=["Tramadol 50mg as needed"],
    ),
    scenario(
        "tramadol-ultram-psilocybin",
        "psilocybin",
        "review",
        {"tramadol-psilocybin"},
        medications=["Ultram"],
    ),
    # Serotonin reuptake inhibitors and other antidepressants.
    scenario(
        "ssri-zoloft-mdma",
        "mdma",
        "review",
        {"reuptake-inhibitor-mdma"},
        medications=["Zoloft 50mg"],
    ),
    scenario(
        "ssri-sertraline-psilocybin",
        "psilocybin",
        "review",
        {"reuptake-inhibitor-psilocybin"},
        medications=["sertraline"],
    ),
    scenario(
        "ssri-paxil-mdma",
        "mdma",
        "review",
        {"reuptake-inhibitor-mdma", "cyp2d6-inhibitor-mdma"},
        medications=["PAXIL"],
    ),
    scenario(
        "ssri-paxil-psilocybin",
        "psilocybin",
        "review",
        {"reuptake-inhibitor-psilocybin"},
        medications=["PAXIL"],
    ),
    scenario(
        "snri-effexor-mdma",
        "mdma",
        "review",
        {"reuptake-inhibitor-mdma"},
        medications=["Effexor XR 75 mg"],
    ),
    scenario(
        "snri-duloxetine-psilocybin",
        "psilocybin",
        "review",
        {"reuptake-inhibitor-psilocybin"},
        medications=["duloxetine 60mg"],
    ),
    scenario(
        "tricyclic-amitriptyline-mdma",
        "mdma",
        "review",
        {"reuptake-inhibitor-mdma"},
        medications=["amitriptyline 10mg at night"],
    ),
    scenario(
        "bupropion-wellbutrin-mdma",
        "mdma",
        "review",
        {"other-antidepressant-mdma", "cyp2d6-inhibitor-mdma"},
        medications=["Wellbutrin XL 150mg"],
    ),
    scenario(
        "bupropion-wellbutrin-psilocybin",
        "psilocybin",
        "review",
        {"other-antidepressant-psilocybin"},
        medications=["Wellbutrin XL 150mg"],
    ),
    # Psychiatric history.
    scenario(
        "psychosis-psilocybin",
        "psilocybin",
        "excluded",
        {"psychosis"},
        conditions=["psychosis_history"],
    ),
    scenario("psychosis-mdma", "mdma", "excluded", {"psychosis"}, conditions=["psychosis_history"]),
    scenario(
        "psychosis-answer-psilocybin",
        "psilocybin",
        "excluded",
        {"psychosis"},
        answers={"psychosis_diagnosis": True},
    ),
    scenario(
        "bipolar-i-psilocybin", "psilocybin", "excluded", {"bipolar-i"}, conditions=["bipolar_i"]
    ),
    scenario("bipolar-i-mdma", "mdma", "excluded", {"bipolar-i"}, conditions=["bipolar_i"]),
    scenario(
        "family-psychosis-psilocybin",
        "psilocybin",
        "review",
        {"family-psychosis"},
        conditions=["family_psychosis_history"],
    ),
    scenario(
        "family-psychosis-mdma",
        "mdma",
        "review",
        {"family-psychosis"},
        conditions=["family_psychosis_history"],
    ),
    scenario(
        "self-harm-history-mdma",
        "mdma",
        "review",
        {"self-harm-history"},
        conditions=["self_harm_history"],
    ),
    scenario(
        "harm-history-answer-psilocybin",
        "psilocybin",
        "review",
        {"self-harm-history"},
        answers={"harm_history": True},
    ),
    # Risk now: excluded, and the care team is alerted (checked below).
    scenario(
        "suicidal-ideation-psilocybin",
        "psilocybin",
        "excluded",
        {"current-suicidal-ideation", "current-harm-thoughts-answer"},
        conditions=["suicidal_ideation_current"],
    ),
    scenario(
        "suicidal-ideation-mdma",
        "mdma",
        "excluded",
        {"current-suicidal-ideation", "current-harm-thoughts-answer"},
        conditions=["suicidal_ideation_current"],
    ),
    scenario(
        "harm-to-others-mdma",
        "mdma",
        "excluded",
        {"current-harm-to-others", "current-harm-thoughts-answer"},
        conditions=["harm_to_others_current"],
    ),
    scenario(
        "harm-thoughts-answer-psilocybin",
        "psilocybin",
        "excluded",
        {"current-harm-thoughts-answer"},
        answers={"harm_thoughts_current": True},
    ),
    # The heart, the liver and seizures.
    scenario(
        "heart-disease-mdma",
        "mdma",
        "excluded",
        {"cardiovascular-mdma"},
        conditions=["heart_disease"],
    ),
    scenario(
        "heart-disease-psilocybin",
        "psilocybin",
        "review",
        {"cardiovascular-psilocybin"},
        conditions=["heart_disease"],
    ),
    scenario(
        "arrhythmia-mdma", "mdma", "excluded", {"cardiovascular-mdma"}, conditions=["arrhythmia"]
    ),
    scenario(
        "arrhythmia-psilocybin",
        "psilocybin",
        "review",
        {"cardiovascular-psilocybin"},
        conditions=["arrhythmia"],
    ),
    scenario(
        "uncontrolled-hypertension-mdma",
        "mdma",
        "excluded",
        {"cardiovascular-mdma"},
        conditions=["uncontrolled_hypertension"],
    ),
    scenario(
        "uncontrolled-hypertension-psilocybin",
        "psilocybin",
        "review",
        {"cardiovascular-psilocybin"},
        conditions=["uncontrolled_hypertension"],
    ),
    scenario(
        "stroke-mdma", "mdma", "excluded", {"cardiovascular-mdma"}, conditions=["stroke_history"]
    ),
    scenario(
        "liver-disease-mdma",
        "mdma",
        "excluded",
        {"liver-disease-mdma"},
        conditions=["liver_disease"],
    ),
    scenario(
        "liver-disease-psilocybin",
        "psilocybin",
        "review",
        {"liver-disease-psilocybin"},
        conditions=["liver_disease"],
    ),
    scenario(
        "seizure-disorder-psilocybin",
        "psilocybin",
        "review",
        {"seizure-disorder"},
        conditions=["seizure_disorder"],
    ),
    # Pregnancy and breastfeeding.
    scenario(
        "pregnancy-psilocybin",
        "psilocybin",
        "excluded",
        {"pregnancy-breastfeeding"},
        conditions=["pregnancy"],
    ),
    scenario(
        "pregnancy-mdma", "mdma", "excluded", {"pregnancy-breastfeeding"}, conditions=["pregnancy"]
    ),
    scenario(
        "breastfeeding-psilocybin",
        "psilocybin",
        "excluded",
        {"pregnancy-breastfeeding"},
        conditions=["breastfeeding"],
    ),
    scenario(
        "breastfeeding-mdma",
        "mdma",
        "excluded",
        {"pregnancy-breastfeeding"},
        conditions=["breastfeeding"],
    ),
    # Mushroom allergy matters for psilocybin only.
    scenario(
        "mushroom-allergy-psilocybin",
        "psilocybin",
        "review",
        {"mushroom-allergy"},
        answers={"mushroom_allergy": True},
    ),
    scenario("mushroom-allergy-mdma", "mdma", "eligible", set(), conditions=["mushroom_allergy"]),
    # Interactions that matter with MDMA.
    scenario(
        "stimulant-adderall-mdma",
        "mdma",
        "review",
        {"stimulant-mdma"},
        medications=["Adderall XR 20 mg"],
    ),
    scenario(
        "stimulant-adderall-psilocybin-is-a-note",
        "psilocybin",
        "eligible",
        {"stimulant-psilocybin"},
        medications=["Adderall XR 20 mg"],
    ),
    scenario(
        "st-johns-wort-mdma",
        "mdma",
        "review",
        {"serotonergic-herb-mdma"},
        medications=["St. John's Wort"],
    ),
    scenario(
        "ritonavir-norvir-mdma",
        "mdma",
        "review",
        {"cyp2d6-inhibitor-mdma"},
        medications=["Norvir"],
    ),
    scenario(
        "ritonavir-paxlovid-mdma",
        "mdma",
        "review",
        {"cyp2d6-inhibitor-mdma"},
        medications=["Paxlovid"],
    ),
    scenario(
        "antipsychotic-seroquel-psilocybin",
        "psilocybin",
        "review",
        {"antipsychotic"},
        medications=["Seroquel XR 50 mg"],
    ),
    scenario(
        "benzodiazepine-xanax-mdma-is-a-note",
        "mdma",
        "eligible",
        {"benzodiazepine"},
        medications=["Xanax XR 0.5mg"],
    ),
    # Common medicines with no interaction leave the partner eligible, with nothing found.
    scenario(
        "ibuprofen-psilocybin", "psilocybin", "eligible", set(), medications=["ibuprofen 400 mg"]
    ),
    scenario("tylenol-mdma", "mdma", "eligible", set(), medications=["Tylenol"]),
    scenario("acetaminophen-mdma", "mdma", "eligible", set(), medications=["acetaminophen 500mg"]),
    scenario(
        "paracetamol-psilocybin", "psilocybin", "eligible", set(), medications=["paracetamol"]
    ),
    scenario("cetirizine-mdma", "mdma", "eligible", set(), medications=["cetirizine"]),
    scenario("loratadine-psilocybin", "psilocybin", "eligible", set(), medications=["Claritin"]),
    scenario("contraceptive-yasmin-mdma", "mdma", "eligible", set(), medications=["Yasmin"]),
    scenario(
        "statin-atorvastatin-psilocybin",
        "psilocybin",
        "eligible",
        set(),
        medications=["atorvastatin 20mg"],
    ),
    scenario("all-harmless-together-mdma", "mdma", "eligible", set(), medications=HARMLESS),
    scenario(
        "all-harmless-together-psilocybin", "psilocybin", "eligible", set(), medications=HARMLESS
    ),
    # A medicine not in the dictionary is never ignored.
    scenario(
        "unknown-psilocybin",
        "psilocybin",
        "review",
        {"unmatched-medication"},
        medications=["Zyxcorp 10 mg"],
    ),
    scenario(
        "unknown-mdma", "mdma", "review", {"unmatched-medication"}, medications=["Zyxcorp 10 mg"]
    ),
    scenario(
        "unknown-among-harmless-mdma",
        "mdma",
        "review",
        {"unmatched-medication"},
        medications=["ibuprofen 400 mg", "Zyxcorp 10 mg", "Yasmin"],
    ),
    # Combinations: the strictest outcome wins, and every finding is kept.
    scenario(
        "ssri-and-maoi-mdma",
        "mdma",
        "excluded",
        {"reuptake-inhibitor-mdma", "maoi-mdma"},
        medications=["Zoloft 50mg", "Nardil"],
    ),
    scenario(
        "ssri-and-maoi-psilocybin",
        "psilocybin",
        "review",
        {"reuptake-inhibitor-psilocybin", "maoi-psilocybin"},
        medications=["Zoloft 50mg", "Nardil"],
    ),
    scenario(
        "lithium-and-unknown-psilocybin",
        "psilocybin",
        "excluded",
        {"lithium-psilocybin", "unmatched-medication"},
        medications=["Lithium carbonate 300 mg", "Zyxcorp 10 mg"],
    ),
    scenario(
        "family-psychosis-and-heart-disease-mdma",
        "mdma",
        "excluded",
        {"family-psychosis", "cardiovascular-mdma"},
        conditions=["family_psychosis_history", "heart_disease"],
    ),
    scenario(
        "self-harm-and-stimulant-psilocybin",
        "psilocybin",
        "review",
        {"self-harm-history", "stimulant-psilocybin"},
        conditions=["self_harm_history"],
        medications=["Adderall XR 20 mg"],
    ),
    scenario(
        "suicidal-ideation-and-ssri-mdma",
        "mdma",
        "excluded",
        {"current-suicidal-ideation", "current-harm-thoughts-answer", "reuptake-inhibitor-mdma"},
        conditions=["suicidal_ideation_current"],
        medications=["sertraline"],
    ),
    scenario(
        "harmless-and-tramadol-mdma",
        "mdma",
        "excluded",
        {"tramadol-mdma", "serotonergic-opioid-mdma"},
        medications=["ibuprofen 400 mg", "Ultram", "cetirizine"],
    ),
    scenario(
        "planning-notes-only-psilocybin",
        "psilocybin",
        "eligible",
        {"under-treatment", "interpreter-needed", "support-person-needed"},
        answers={
            "treated_by_provider": True,
            "interpreter_needed": True,
            "support_person_physical": True,
            "harm_history": False,
        },
    ),
    # Nothing known against the partner.
    scenario("empty-psilocybin", "psilocybin", "eligible", set()),
    scenario("empty-mdma", "mdma", "eligible", set()),
    scenario("blank-lines-mdma", "mdma", "eligible", set(), medications=["", "   "]),
]


@pytest.mark.parametrize(
    ("substance", "conditions", "medications", "answers", "decision", "rule_ids"), SCENARIOS
)
def test_it_decides_each_scenario(
    substance: str,
    conditions: list[str],
    medications: list[str],
    answers: dict[str, bool],
    decision: str,
    rule_ids: set[str],
) -> None:
    result = evaluate(
        substance=substance, conditions=conditions, medications=medications, answers=answers
    )
    assert result.decision == decision
    assert {f.rule_id for f in result.findings} == rule_ids
    assert len(result.findings) == len(rule_ids)  # one finding per rule, however many reasons


def test_it_has_enough_scenarios_for_both_substances() -> None:
    substances = [param.values[0] for param in SCENARIOS]
    assert len(SCENARIOS) >= 45
    assert substances.count("psilocybin") >= 20
    assert substances.count("mdma") >= 20


@pytest.mark.parametrize(
    ("substance", "conditions", "answers", "rule_id"),
    [
        ("psilocybin", ["suicidal_ideation_current"], {}, "current-suicidal-ideation"),
        ("mdma", ["suicidal_ideation_current"], {}, "current-suicidal-ideation"),
        ("psilocybin", ["harm_to_others_current"], {}, "current-harm-to-others"),
        ("mdma", ["harm_to_others_current"], {}, "current-harm-to-others"),
        ("mdma", [], {"harm_thoughts_current": True}, "current-harm-thoughts-answer"),
    ],
)
def test_it_alerts_the_care_team_to_risk_now(
    substance: str, conditions: list[str], answers: dict[str, bool], rule_id: str
) -> None:
    result = evaluate(substance=substance, conditions=conditions, answers=answers)
    assert result.decision == "excluded"
    assert rule_id in {f.rule_id for f in result.findings}
    # The condition ticked and the question answered yes: each alerts, nothing else is found.
    assert all(f.alert is True for f in result.findings)
    assert result.alerts == list(result.findings)


def test_it_raises_no_alert_for_an_exclusion_that_is_not_risk_now() -> None:
    result = evaluate(substance="mdma", medications=["Nardil"], conditions=["heart_disease"])
    assert result.decision == "excluded"
    assert result.alerts == []
    assert all(f.alert is False for f in result.findings)


def test_it_lists_an_unknown_medication_as_written() -> None:
    result = evaluate(
        substance="psilocybin", medications=["ibuprofen 400 mg", "Zyxcorp 10 mg", "Zoloft 50mg"]
    )
    assert result.unmatched == ["Zyxcorp 10 mg"]
    [unknown] = [f for f in result.findings if f.rule_id == "unmatched-medication"]
    assert unknown.because == ("Zyxcorp 10 mg → not in the medication dictionary",)
    assert [(m.written, m.generic) for m in result.medications] == [
        ("ibuprofen 400 mg", "ibuprofen"),
        ("Zyxcorp 10 mg", None),
        ("Zoloft 50mg", "sertraline"),
    ]


def test_it_lists_no_unknown_medication_when_all_are_known() -> None:
    result = evaluate(substance="mdma", medications=HARMLESS)
    assert result.unmatched == []
    assert all(m.matched for m in result.medications)


def test_it_says_which_medicine_and_class_led_to_a_finding() -> None:
    result = evaluate(substance="psilocybin", medications=["Lithium carbonate 300 mg"])
    [finding] = result.findings
    assert finding.because[0] == "Lithium carbonate 300 mg → lithium (Lithium, N05AN01)"
    assert finding.source
    assert finding.message


def test_it_gives_every_reason_for_one_rule() -> None:
    result = evaluate(
        substance="mdma",
        medications=["lithium"],
        answers={"lithium_last_30_days": True},
    )
    [finding] = result.findings
    assert len(finding.because) == 2
    assert finding.because[1] == "“Have you taken lithium in the last 30 days?” — yes"


def test_it_lists_the_strictest_findings_first() -> None:
    result = evaluate(
        substance="mdma",
        conditions=["family_psychosis_history", "heart_disease"],
        medications=["Xanax", "Zoloft"],
    )
    assert [f.outcome for f in result.findings] == ["exclude", "review", "review", "note"]


def test_it_records_the_versions_it_decided_under() -> None:
    result = evaluate(substance="psilocybin")
    assert result.rule_set_version == rule_set().version
    assert result.dictionary_version == dictionary().version


def test_it_orders_decisions_by_strictness() -> None:
    assert stricter_or_equal("excluded", "review")
    assert stricter_or_equal("review", "eligible")
    assert stricter_or_equal("review", "review")
    assert not stricter_or_equal("eligible", "review")
    assert not stricter_or_equal("review", "excluded")


# Medication matching -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "generic"),
    [
        ("lithium", "lithium"),
        ("LITHIUM", "lithium"),
        ("Lithium carbonate 300 mg", "lithium"),
        ("lithium 400mg bd", "lithium"),
        ("sertraline", "sertraline"),
        ("sertraline 50MG tablets", "sertraline"),
        ("SERTRALINE 100 mg", "sertraline"),
        ("Zoloft", "sertraline"),
        ("zOlOfT 50mg", "sertraline"),
        ("PAXIL", "paroxetine"),
        ("Nardil", "phenelzine"),
        ("Norvir", "ritonavir"),
        ("Ultram", "tramadol"),
        ("Wellbutrin XL 150mg", "bupropion"),
        ("Adderall XR 20 mg", "mixed amfetamine salts"),
        ("fluoxetine hydrochloride 20mg", "fluoxetine"),
        ("venlafaxine ER 75 mg", "venlafaxine"),
        ("Effexor XR", "venlafaxine"),
        ("Xanax XR 0.5mg", "alprazolam"),
        ("Emsam patch", "selegiline"),
        ("Vitamin D 1000 IU", "colecalciferol"),
        ("St John's wort", "St John's wort"),
        ("St John’s wort", "St John's wort"),
        ("St. John's Wort", "St John's wort"),
        ("st johns wort", "St John's wort"),
        ("Saint John’s Wort", "St John's wort"),
        ("Hypericum perforatum 300 mg", "St John's wort"),
        # The longest known name wins over a name inside it.
        ("Tylenol with Codeine", "codeine and paracetamol"),
        ("Tylenol", "paracetamol"),
        ("tramadol/paracetamol", "tramadol and paracetamol"),
        ("Co-codamol 30/500mg", "codeine and paracetamol"),
    ],
)
def test_it_matches_a_medication_as_people_write_it(written: str, generic: str) -> None:
    found = match_medication(written)
    assert found is not None
    assert found.generic == generic


@pytest.mark.parametrize("written", ["Zyxcorp 10 mg", "Zyxcorp", "", "10 mg", "!!!", "the pill"])
def test_it_matches_nothing_for_an_unknown_name(written: str) -> None:
    assert match_medication(written) is None


def test_it_matches_every_dictionary_name_back_to_its_own_entry() -> None:
    for med in dictionary().medications:
        for name in med.names:
            found = match_medication(f"{name.upper()} 10 mg")
            assert found is not None and found.generic == med.generic, name


# Properties: knowing more never makes the decision more permissive -------------------

_RULES = rule_set()
CONDITIONS = sorted(_RULES.conditions)
QUESTIONS = sorted(_RULES.questions)
NAMES = sorted({name for med in dictionary().medications for name in med.names})


def _contraindicated(substance: str) -> list[str]:
    """Names of every medication in a class that a rule excludes or reviews for SUBSTANCE."""
    classes = {
        cls_id
        for rule in _RULES.rules
        if substance in rule.substances and rule.outcome in ("exclude", "review")
        for cls_id in rule.when.drug_classes
    }
    return sorted(
        name
        for med in dictionary().medications
        if classes.intersection(med.classes)
        for name in med.names
    )


CONTRAINDICATED = {substance: _contraindicated(substance) for substance in ("psilocybin", "mdma")}

substances = st.sampled_from(["psilocybin", "mdma"])
intakes = st.fixed_dictionaries(
    {
        "conditions": st.lists(st.sampled_from(CONDITIONS), unique=True, max_size=4),
        "medications": st.lists(
            st.one_of(st.sampled_from(NAMES), st.text(max_size=20)), max_size=4
        ),
        "answers": st.dictionaries(st.sampled_from(QUESTIONS), st.booleans(), max_size=4),
    }
)
written_as = st.sampled_from(["{}", "{} 10 mg", "{} 50MG tablets", "{} XR", "{} 300 mg daily"])


def _with(intake: dict[str, Any], medication: str, substance: str) -> Evaluation:
    return evaluate(
        substance=substance,
        conditions=intake["conditions"],
        medications=[*intake["medications"], medication],
        answers=intake["answers"],
    )


def _base(intake: dict[str, Any], substance: str) -> Evaluation:
    return evaluate(substance=substance, **intake)


def test_it_finds_contraindicated_medications_for_both_substances() -> None:
    assert "Nardil" in CONTRAINDICATED["psilocybin"]
    assert "Nardil" in CONTRAINDICATED["mdma"]
    assert "Norvir" in CONTRAINDICATED["mdma"]
    assert "ibuprofen" not in CONTRAINDICATED["mdma"]


@settings(max_examples=200, deadline=None)
@given(substance=substances, intake=intakes, data=st.data())
def test_it_never_relaxes_a_decision_when_a_contraindicated_medicine_is_added(
    substance: str, intake: dict[str, Any], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(CONTRAINDICATED[substance]), label="medication")
    written = data.draw(written_as, label="written as").format(name)
    before = _base(intake, substance)
    after = _with(intake, written, substance)
    assert stricter_or_equal(after.decision, before.decision)
    assert stricter_or_equal(after.decision, "review")
    assert {f.rule_id for f in before.findings} <= {f.rule_id for f in after.findings}


@settings(max_examples=200, deadline=None)
@given(substance=substances, intake=intakes, text=st.text(max_size=40))
def test_it_never_relaxes_a_decision_when_any_text_is_added_as_a_medication(
    substance: str, intake: dict[str, Any], text: str
) -> None:
    before = _base(intake, substance)
    after = _with(intake, text, substance)
    assert stricter_or_equal(after.decision, before.decision)
    assert {f.rule_id for f in before.findings} <= {f.rule_id for f in after.findings}


@pytest.mark.parametrize(
    ("line", "substance", "decision", "rules", "unmatched"),
    [
        ("Zoloft and lithium", "mdma", "excluded", {"lithium-mdma", "reuptake-inhibitor-mdma"}, 0),
        (
            "sertraline, lithium 300mg",
            "psilocybin",
            "excluded",
            {"lithium-psilocybin", "reuptake-inhibitor-psilocybin"},
            0,
        ),
        ("Zyxcorp with vitamin D", "mdma", "review", {"unmatched-medication"}, 1),
        ("Tylenol Cold + Flu", "mdma", "review", {"unmatched-medication"}, 1),
    ],
)
def test_it_counts_every_medicine_on_one_line_and_hides_none(
    line: str, substance: str, decision: str, rules: set[str], unmatched: int
) -> None:
    result = evaluate(substance=substance, medications=[line])
    assert result.decision == decision
    assert {f.rule_id for f in result.findings} == rules
    assert len(result.unmatched) == unmatched
    assert all(line in text for text in result.unmatched)


# Answers that contradict each other, inside one screening ---------------------------------


@pytest.mark.parametrize(
    ("substance", "conditions", "medications", "answered_no", "decision", "rule_id"),
    [
        ("psilocybin", [], ["Lithium carbonate 300 mg"], "lithium_last_30_days", "excluded",
         "contradiction-lithium"),
        ("mdma", [], ["Priadel 400mg"], "lithium_last_30_days", "excluded",
         "contradiction-lithium"),
        ("psilocybin", ["psychosis_history"], [], "psychosis_diagnosis", "excluded",
         "contradiction-psychosis"),
        ("psilocybin", ["mushroom_allergy"], [], "mushroom_allergy", "review",
         "contradiction-mushroom-allergy"),
        ("mdma", ["suicidal_ideation_current"], [], "harm_thoughts_current", "excluded",
         "contradiction-harm-now"),
        ("psilocybin", ["harm_to_others_current"], [], "harm_thoughts_current", "excluded",
         "contradiction-harm-now"),
        ("mdma", ["self_harm_history"], [], "harm_history", "review",
         "contradiction-harm-history"),
    ],
)  # fmt: skip
def test_it_finds_a_listed_medicine_or_condition_answered_no(
    substance: str,
    conditions: list[str],
    medications: list[str],
    answered_no: str,
    decision: str,
    rule_id: str,
) -> None:
    result = evaluate(
        substance=substance,
        conditions=conditions,
        medications=medications,
        answers={answered_no: False},
    )
    assert result.decision == decision
    [finding] = [f for f in result.findings if f.rule_id == rule_id]
    assert finding.outcome == "review"
    question = rule_set().questions[answered_no].text
    assert finding.because and all(f"“{question}” — no" in b for b in finding.because)
    # Answered consistently, the same intake holds no contradiction.
    consistent = evaluate(substance=substance, conditions=conditions, medications=medications)
    assert rule_id not in {f.rule_id for f in consistent.findings}


def test_it_names_the_medicine_listed_against_the_answer() -> None:
    result = evaluate(
        substance="psilocybin",
        medications=["Lithium carbonate 300 mg"],
        answers={"lithium_last_30_days": False},
    )
    [finding] = [f for f in result.findings if f.rule_id == "contradiction-lithium"]
    assert finding.because == (
        "Lithium carbonate 300 mg → lithium (Lithium) listed, but "
        "“Have you taken lithium in the last 30 days?” — no",
    )


def test_it_finds_no_contradiction_in_a_question_left_unanswered() -> None:
    answers = {k: v for k, v in ALL_NO.items() if k != "lithium_last_30_days"}
    result = engine_evaluate(substance="psilocybin", medications=["lithium"], answers=answers)
    assert "contradiction-lithium" not in {f.rule_id for f in result.findings}
    assert "unanswered-question" in {f.rule_id for f in result.findings}


# Answering again: never lower than the decision in force --------------------------------


def _in_force(decision: str) -> DecisionInForce:
    return DecisionInForce(
        decision=decision, screening_id=12, description="Screening #12: Not eligible"
    )


@pytest.mark.parametrize(
    ("in_force", "intake", "decision", "lowered"),
    [
        # Excluded before: anything lower now waits for a clinical lead.
        ("excluded", {}, "review", True),
        ("excluded", {"medications": ["Zoloft"]}, "review", True),
        ("excluded", {"medications": ["lithium"]}, "excluded", False),
        # Review before: eligible now waits; review or excluded now stand as they are.
        ("review", {}, "review", True),
        ("review", {"medications": ["Zoloft"]}, "review", False),
        ("review", {"conditions": ["bipolar_i"]}, "excluded", False),
        # Eligible before (or a clinical lead's eligible): nothing to lower.
        ("eligible", {}, "eligible", False),
        ("eligible", {"medications": ["lithium"]}, "excluded", False),
    ],
)
def test_it_never_lowers_the_decision_in_force_by_answering_again(
    in_force: str, intake: dict[str, Any], decision: str, lowered: bool
) -> None:
    result = evaluate(substance="psilocybin", in_force=_in_force(in_force), **intake)
    assert result.decision == decision
    found = [f for f in result.findings if f.rule_id == "lowers-decision-in-force"]
    assert bool(found) is lowered
    if lowered:
        [finding] = found
        assert finding.because == ("Screening #12: Not eligible",)
        assert finding.earlier_screening_id == 12
        assert finding.as_dict()["earlier_screening_id"] == 12
        assert "Holdspace safety policy" in finding.source


def test_it_records_no_earlier_screening_on_other_findings() -> None:
    result = evaluate(substance="mdma", medications=["Zoloft"])
    assert all("earlier_screening_id" not in f.as_dict() for f in result.findings)


@settings(max_examples=200, deadline=None)
@given(
    substance=substances,
    intake=intakes,
    in_force=st.sampled_from(["eligible", "review", "excluded"]),
)
def test_it_is_never_lower_than_the_decision_in_force_or_below_review(
    substance: str, intake: dict[str, Any], in_force: str
) -> None:
    before = _base(intake, substance)
    after = evaluate(substance=substance, in_force=_in_force(in_force), **intake)
    # At least review when it would have been lower; as strict as without it, always.
    assert stricter_or_equal(after.decision, min(in_force, "review", key=DECISIONS.index))
    assert stricter_or_equal(after.decision, before.decision)
    if stricter_or_equal(before.decision, in_force):
        assert after == before
