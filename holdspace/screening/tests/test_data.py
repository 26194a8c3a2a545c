"""The data files: jurisdiction profiles, the screening rules and the medication dictionary.

Every file loads and validates against its schema, every value carries its source, and a
changed file changes behaviour without a code change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from holdspace.screening import profiles, rules
from holdspace.screening.profiles import (
    Profile,
    ProfileError,
    Sourced,
    all_profiles,
    get_profile,
)
from holdspace.screening.rules import When, dictionary, match_medication, rule_set

PROFILE_IDS = {
    "oregon-psilocybin",
    "colorado-natural-medicine",
    "mdma-clinical-trial",
    "general-therapy",
}
OREGON_FILE = profiles.PROFILES_DIR / "oregon-psilocybin.toml"


@pytest.fixture
def profiles_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder in place of holdspace/profiles/, with loaded profiles forgotten before
    and after, so no other test sees what this one wrote."""
    monkeypatch.setattr(profiles, "PROFILES_DIR", tmp_path)
    all_profiles.cache_clear()
    yield tmp_path
    all_profiles.cache_clear()


# Profiles ------------------------------------------------------------------------------


def _sourced_values(profile: Profile) -> list[tuple[str, Sourced]]:
    values: list[tuple[str, Sourced]] = [
        ("substances_source", profile.substances_source),
        ("preparation", profile.preparation),
        ("retention", profile.retention),
    ]
    values += [(f"required form {form.code}", form) for form in profile.required_forms]
    values += [(f"dose limit {d.substance}", d) for d in profile.dose_limits]
    values += [(f"duration table {t.substance}", t) for t in profile.minimum_duration]
    values += [(f"ratio table {t.substance}", t) for t in profile.facilitator_ratio]
    return values


def test_it_loads_every_profile_file() -> None:
    loaded = all_profiles()
    assert set(loaded) == PROFILE_IDS
    assert {path.stem for path in profiles.PROFILES_DIR.glob("*.toml")} == PROFILE_IDS
    for key, profile in loaded.items():
        assert profile.id == key
        assert get_profile(key) is profile


def test_it_refuses_a_profile_name_with_no_file() -> None:
    with pytest.raises(ProfileError, match="no-such-profile"):
        get_profile("no-such-profile")


@pytest.mark.parametrize("profile_id", sorted(PROFILE_IDS))
def test_it_gives_every_profile_value_a_source_and_a_date(profile_id: str) -> None:
    values = _sourced_values(get_profile(profile_id))
    assert any(label.startswith("required form") for label, _ in values)
    for label, value in values:
        assert value.source.strip(), label
        assert isinstance(value.effective, dt.date), label


def test_it_limits_an_oregon_session_to_50_mg_including_supplemental() -> None:
    limit = get_profile("oregon-psilocybin").dose_limit("psilocybin")
    assert limit is not None
    assert limit.per_session_max_mg == 50
    assert limit.includes_supplemental is True


@pytest.mark.parametrize(
    ("total_mg", "minutes"),
    [
        (1, 60),
        (4, 60),
        (5, 120),
        (10, 240),
        (24.9, 240),
        (25, 300),
        (35, 300),
        (35.1, 360),
        (50, 360),
    ],
)
def test_it_sets_the_oregon_minimum_duration_by_total_dose(total_mg: float, minutes: int) -> None:
    found = get_profile("oregon-psilocybin").minimum_minutes("psilocybin", total_mg)
    assert found is not None
    assert found[0] == minutes
    assert "OAR 333-333-5250" in found[1].source


@pytest.mark.parametrize(
    ("largest_dose_mg", "partners", "facilitators", "per_facilitator"),
    [
        (36, 2, 1, 2),
        (50, 2, 1, 2),
        (35.1, 3, 2, 2),
        (36, 5, 3, 2),
        (35, 2, 1, 4),
        (25, 2, 1, 4),
        (30, 5, 2, 4),
    ],
)
def test_it_sets_the_oregon_facilitator_ratio_by_the_largest_dose(
    largest_dose_mg: float, partners: int, facilitators: int, per_facilitator: int
) -> None:
    profile = get_profile("oregon-psilocybin")
    found = profile.facilitators_needed("psilocybin", largest_dose_mg, partners)
    assert found is not None
    needed, table = found
    assert needed == facilitators
    [row] = [row for row in table.rows if row.contains(largest_dose_mg)]
    assert row.clients_per_facilitator == per_facilitator


def test_it_keeps_the_minimum_number_of_facilitators_of_the_general_profile() -> None:
    found = get_profile("general-therapy").facilitators_needed("mdma", 120, partners=2)
    assert found is not None
    assert found[0] == 2


def test_it_sets_the_oregon_preparation_window() -> None:
    preparation = get_profile("oregon-psilocybin").preparation
    assert preparation.min_hours_before == 24
    assert preparation.max_days_before == 90


def test_it_limits_a_colorado_serving_to_10_mg() -> None:
    limit = get_profile("colorado-natural-medicine").dose_limit("psilocybin")
    assert limit is not None
    assert limit.per_serving_max_mg == 10


_OREGON = OREGON_FILE.read_text(encoding="utf-8")


def _broken(old: str, new: str) -> str:
    """The Oregon profile as a file named broken.toml, with OLD (which must be there) as NEW."""
    assert old in _OREGON
    return _OREGON.replace('id = "oregon-psilocybin"', 'id = "broken"').replace(old, new)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param('id = "broken\nname = ', "Illegal character", id="not-toml"),
        pytest.param(
            _broken("[retention]\nyears = 5", "[retention]\nyears = 0"),
            "retention.years",
            id="retention-not-positive",
        ),
        pytest.param(
            _broken("per_session_max_mg = 50", "per_session_max_mg = -50"),
            "dose_limits.0.per_session_max_mg",
            id="negative-dose-limit",
        ),
        pytest.param(
            _broken('substances = ["psilocybin"]', 'substances = ["ketamine"]'),
            "substances.0",
            id="unknown-substance",
        ),
        pytest.param(
            _broken("jurisdiction =", 'colour = "blue"\njurisdiction ='),
            "colour",
            id="unknown-key",
        ),
        pytest.param(
            _broken(
                'source = "OAR 333-333-5050; OAR 333-333-5000 (forms signed before dosing)"\n', ""
            ),
            "required_forms.0.source",
            id="form-without-source",
        ),
        pytest.param(
            _broken("min_hours_before = 24", "min_hours_before = 2400"),
            "min_hours_before must be shorter than max_days_before",
            id="preparation-window-upside-down",
        ),
        pytest.param(_OREGON, "does not match the file name", id="id-not-the-file-name"),
    ],
)
def test_it_refuses_a_profile_that_breaks_the_schema(
    profiles_dir: Path, text: str, reason: str
) -> None:
    (profiles_dir / OREGON_FILE.name).write_text(_OREGON, encoding="utf-8")
    (profiles_dir / "broken.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as refused:
        all_profiles()
    assert str(refused.value).startswith("broken.toml: ")
    assert reason in str(refused.value)


def test_it_follows_a_changed_profile_file_without_a_code_change(profiles_dir: Path) -> None:
    changed = _OREGON.replace("per_session_max_mg = 50", "per_session_max_mg = 40")
    assert changed != _OREGON
    (profiles_dir / OREGON_FILE.name).write_text(changed, encoding="utf-8")
    limit = get_profile("oregon-psilocybin").dose_limit("psilocybin")
    assert limit is not None
    assert limit.per_session_max_mg == 40


# Screening rules -----------------------------------------------------------------------

REQUIRED_CONDITIONS = {
    "psychosis_history",
    "family_psychosis_history",
    "bipolar_i",
    "seizure_disorder",
    "heart_disease",
    "arrhythmia",
    "uncontrolled_hypertension",
    "stroke_history",
    "liver_disease",
    "pregnancy",
    "breastfeeding",
    "suicidal_ideation_current",
    "self_harm_history",
    "harm_to_others_current",
    "mushroom_allergy",
}


def test_it_gives_every_rule_a_source_and_a_message() -> None:
    for rule in rule_set().rules:
        assert rule.source.strip(), rule.id
        assert rule.message.strip(), rule.id


def test_it_names_only_known_classes_conditions_and_questions_in_rules() -> None:
    rules = rule_set()
    classes = dictionary().classes
    for rule in rules.rules:
        assert set(rule.when.drug_classes) <= set(classes), rule.id
        assert set(rule.when.conditions) <= set(rules.conditions), rule.id
        assert set(rule.when.answers) <= set(rules.questions), rule.id


def test_it_uses_every_rule_id_once() -> None:
    ids = [rule.id for rule in rule_set().rules]
    assert len(ids) == len(set(ids))


def test_it_has_every_required_condition_code() -> None:
    assert REQUIRED_CONDITIONS <= set(rule_set().conditions)


def test_it_lets_support_needs_inform_planning_but_never_decide_eligibility() -> None:
    rules = rule_set()
    support = {code for code, q in rules.questions.items() if q.group == "support_needs"}
    assert support
    for rule in rules.rules:
        if support.intersection(rule.when.answers):
            assert rule.outcome == "note", rule.id


def test_it_raises_alerts_only_with_an_exclusion() -> None:
    alerting = [rule for rule in rule_set().rules if rule.alert]
    assert alerting
    assert all(rule.outcome == "exclude" for rule in alerting)


# The medication dictionary -------------------------------------------------------------


def test_it_cites_a_known_source_for_every_medication_and_class() -> None:
    meds = dictionary()
    source_ids = {source.id for source in meds.sources}
    for med in meds.medications:
        assert med.source in source_ids, med.generic
    for cls_id, cls in meds.classes.items():
        assert cls.source in source_ids, cls_id


def test_it_has_medicines_in_every_class_a_rule_names() -> None:
    in_use = {cls_id for med in dictionary().medications for cls_id in med.classes}
    for rule in rule_set().rules:
        assert set(rule.when.drug_classes) <= in_use, rule.id


def test_it_has_at_least_250_medications() -> None:
    assert len(dictionary().medications) >= 250


@pytest.mark.parametrize(
    ("name", "drug_class"),
    [
        ("lithium", "lithium"),
        ("sertraline", "ssri"),
        ("fluoxetine", "ssri"),
        ("venlafaxine", "snri"),
        ("duloxetine", "snri"),
        ("phenelzine", "maoi"),
        ("tranylcypromine", "maoi"),
        ("moclobemide", "maoi_reversible"),
        ("selegiline", "maob_inhibitor"),
        ("amitriptyline", "tricyclic"),
        ("bupropion", "other_antidepressant"),
        ("tramadol", "tramadol"),
        ("methylphenidate", "stimulant"),
        ("Adderall", "stimulant"),
        ("quetiapine", "antipsychotic"),
        ("olanzapine", "antipsychotic"),
        ("diazepam", "benzodiazepine"),
        ("alprazolam", "benzodiazepine"),
        ("sumatriptan", "triptan"),
        ("St John's wort", "st_johns_wort"),
        ("ritonavir", "hiv_protease_inhibitor"),
        ("ibuprofen", "no_known_interaction"),
        ("paracetamol", "no_known_interaction"),
        ("acetaminophen", "no_known_interaction"),
        ("cetirizine", "no_known_interaction"),
        ("loratadine", "no_known_interaction"),
        ("Yasmin", "no_known_interaction"),
        ("Microgynon", "no_known_interaction"),
        ("atorvastatin", "no_known_interaction"),
        ("simvastatin", "no_known_interaction"),
    ],
)
def test_it_covers_the_medicines_screening_must_know(name: str, drug_class: str) -> None:
    found = match_medication(name)
    assert found is not None
    assert drug_class in found.classes


# Answering again and contradictions, as rules ---------------------------------------------


def test_it_has_a_rule_against_lowering_the_decision_in_force_for_every_substance() -> None:
    lowering = [rule for rule in rule_set().rules if rule.when.lowers_decision_in_force]
    assert {s for rule in lowering for s in rule.substances} == {"psilocybin", "mdma"}
    for rule in lowering:
        assert rule.outcome == "review"
        assert rule.source.startswith("Holdspace safety policy")


def test_it_checks_a_listed_lithium_against_the_lithium_question() -> None:
    [rule] = [r for r in rule_set().rules if r.id == "contradiction-lithium"]
    [contradiction] = rule.when.contradictions
    assert (contradiction.drug_classes, contradiction.answered_no) == (
        ["lithium"],
        "lithium_last_30_days",
    )


@pytest.mark.parametrize(
    "when",
    [
        {"lowers_decision_in_force": True, "drug_classes": ["lithium"]},
        {"contradictions": [{"answered_no": "lithium_last_30_days"}]},
        {"contradictions": [{"drug_classes": ["lithium"]}]},
        {"lowers_decision_in_force": False},
    ],
)
def test_it_refuses_a_rule_condition_that_cannot_be_weighed(when: dict[str, object]) -> None:

    with pytest.raises(ValidationError):
        When.model_validate(when)


@pytest.mark.parametrize(
    ("contradiction", "named"),
    [
        ('{ drug_classes = ["lithum"], answered_no = "lithium_last_30_days" }', "lithum"),
        ('{ conditions = ["psychosis"], answered_no = "psychosis_diagnosis" }', "psychosis"),
        ('{ drug_classes = ["lithium"], answered_no = "lithium_30_days" }', "lithium_30_days"),
    ],
)
def test_it_refuses_a_contradiction_naming_what_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, contradiction: str, named: str
) -> None:
    text = (rules.RULES_DIR / "screening.toml").read_text(encoding="utf-8")
    text = text.replace(
        '{ drug_classes = ["lithium"], answered_no = "lithium_last_30_days" }', contradiction
    )
    (tmp_path / "screening.toml").write_text(text, encoding="utf-8")
    (tmp_path / "medications.toml").write_text(
        (rules.RULES_DIR / "medications.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    monkeypatch.setattr(rules, "RULES_DIR", tmp_path)
    rules.rule_set.cache_clear()
    try:
        with pytest.raises(rules.RulesError, match=named):
            rules.rule_set()
    finally:
        monkeypatch.undo()
        rules.rule_set.cache_clear()
