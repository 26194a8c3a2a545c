"""The 303 report's arithmetic on a fixture of several couples, table-driven: opt-outs, a dyad
as one group session, a solo session with a declined dose, quarter bounds at local midnight,
denials by rule, reactions by severity, suppression; and the same bytes on every run."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from holdspace.conftest import Cast
from holdspace.reports.regulator.oregon303 import (
    Report,
    oregon_303_compute,
    oregon_303_facts,
)
from holdspace.reports.regulator.periods import parse_period
from holdspace.reports.regulator.render import csv_bytes, json_bytes
from holdspace.reports.regulator.suppression import SUPPRESSED
from holdspace.reports.regulator.tests import fixtures as fx
from holdspace.screening.profiles import Profile, Suppression, get_profile


def profile_with(threshold: int) -> Profile:
    profile = get_profile("oregon-psilocybin")
    assert profile.suppression is not None
    changed = profile.suppression.model_copy(update={"threshold": threshold})
    return profile.model_copy(
        update={"suppression": Suppression.model_validate(changed.model_dump())}
    )


def build(cast: Cast, quarter: str, threshold: int = 0) -> Report:
    profile = profile_with(threshold)
    report = profile.report("oregon-303")
    assert report is not None
    period = parse_period(quarter, "quarter", cast.center.tzinfo)
    return oregon_303_compute(
        oregon_303_facts(cast.center, period), profile=profile, report=report, period=period
    )


def cells(report: Report) -> dict[tuple[str, str, str], Any]:
    found: dict[tuple[str, str, str], Any] = {}
    for section in report.sections:
        for group in section.groups:
            for row in [*group.rows, *([group.total] if group.total else [])]:
                found[(section.code, group.code, row.code)] = row.value
    return found


def seed(cast: Cast) -> dict[str, fx.Pair]:
    """Several couples around 2025Q4 in Los Angeles (see each line)."""
    fx.center_in_los_angeles(cast)
    pairs: dict[str, fx.Pair] = {}
    # A dyad dosed together late on 10 Nov (local; 11 Nov in UTC): one group session of two
    # clients. Partner a answers; partner b opts out (still counted in (3), never in (2)).
    opt = pairs["opt"] = fx.pair(cast, "opt")
    s = fx.session(cast, opt, fx.local(2025, 11, 10, 23, 0))
    fx.screening(cast, opt, opt.a, fx.local(2025, 10, 1, 9), born=dt.date(1990, 11, 11))
    fx.screening(cast, opt, opt.b, fx.local(2025, 10, 1, 9), born=dt.date(1960, 1, 1))
    fx.dose(cast, s, opt.a, fx.local(2025, 11, 10, 23, 30))
    fx.dose(cast, s, opt.b, fx.local(2025, 11, 10, 23, 31))
    fx.event(cast, s, "supplemental_dose", fx.local(2025, 11, 11, 0, 30), opt.a, {"amount_mg": 5})
    fx.form(
        cast,
        opt,
        opt.a,
        {
            "race": ["chinese", "other_white"],
            "income": "50k_75k",
            "county": "lane",
            "veteran": "not_veteran",
            "reasons": ["relationship"],
        },
        other={"race": "free words"},
    )
    fx.form(cast, opt, opt.b, {"income": "25k_50k", "race": ["korean"]}, withheld=True)
    # Reactions: needing emergency services (severe); none needed (not counted); mild needing
    # a medical provider, corrected to moderate; mild needing nothing, corrected to needing a
    # medical provider.
    fx.adverse(cast, s, opt.a, fx.local(2025, 11, 11, 1), "severe", emergency=True)
    fx.adverse(cast, s, opt.a, fx.local(2025, 11, 11, 1, 5), "moderate")
    raised = fx.adverse(cast, s, opt.b, fx.local(2025, 11, 11, 1, 10), "mild", medical=True)
    fx.correct(cast, raised, fx.local(2025, 11, 11, 2), {"severity": "moderate"})
    flagged = fx.adverse(cast, s, opt.b, fx.local(2025, 11, 11, 1, 20), "mild")
    fx.correct(cast, flagged, fx.local(2025, 11, 11, 2, 5), {"medical_care": True})
    # A solo session at 23:30 local on 31 Dec (Q4; 1 Jan in UTC): partner a dosed, partner b
    # declined the dose (a denial). Partner a prefers not to say some answers; no birth date.
    solo = pairs["solo"] = fx.pair(cast, "solo")
    s = fx.session(cast, solo, fx.local(2025, 12, 31, 22))
    fx.dose(cast, s, solo.a, fx.local(2025, 12, 31, 23, 30))
    fx.declined(cast, s, solo.b, fx.local(2025, 12, 31, 23, 45))
    fx.form(cast, solo, solo.a, {"race": ["prefer_not"], "income": "prefer_not"})
    # A dyad whose first dose is at 00:30 local on 1 Jan: next year's Q1, not Q4.
    late = pairs["late"] = fx.pair(cast, "late")
    s = fx.session(cast, late, fx.local(2026, 1, 1, 0))
    fx.dose(cast, s, late.a, fx.local(2026, 1, 1, 0, 30))
    fx.dose(cast, s, late.b, fx.local(2026, 1, 1, 0, 40))
    # A dyad whose first dose is at 23:30 on 30 Sep (Q3), the second at 00:10 on 1 Oct: the
    # session belongs to Q3, where its first dose fell.
    cross = pairs["cross"] = fx.pair(cast, "cross")
    s = fx.session(cast, cross, fx.local(2025, 9, 30, 22))
    fx.dose(cast, s, cross.a, fx.local(2025, 9, 30, 23, 30))
    fx.dose(cast, s, cross.b, fx.local(2025, 10, 1, 0, 10))
    # Denials at screening: excluded by two rules in Q4; excluded by a clinical lead in Q4
    # over an eligible Q3 screening; excluded in Q4 then found eligible by a lead in Q4 (not
    # denied); excluded in Q3 (not Q4's).
    excl = pairs["excl"] = fx.pair(cast, "excl")
    fx.screening(
        cast,
        excl,
        excl.a,
        fx.local(2025, 10, 2, 9),
        decision="excluded",
        rules=("lithium", "psychosis_history"),
    )
    earlier = fx.screening(cast, excl, excl.b, fx.local(2025, 9, 20, 9))
    fx.override(cast, earlier, fx.local(2025, 10, 5, 9), "excluded")
    back = pairs["back"] = fx.pair(cast, "back")
    first = fx.screening(
        cast, back, back.a, fx.local(2025, 10, 3, 9), decision="excluded", rules=("lithium",)
    )
    fx.override(cast, first, fx.local(2025, 10, 20, 9), "eligible")
    fx.screening(
        cast, back, back.b, fx.local(2025, 9, 29, 9), decision="excluded", rules=("lithium",)
    )
    return pairs


SC, CD, AV = "service_center", "client_data", "averages"

Q4_2025 = [
    # (3) service-center data: the opted-out partner counts; the dyad is one group session.
    ((SC, "administration", "clients_served"), 3),
    ((SC, "administration", "individual_sessions"), 1),
    ((SC, "administration", "group_sessions"), 1),
    ((SC, "denied", "people_denied"), 3),
    ((SC, "denied", "declined_dose"), 1),
    ((SC, "denied", "clinical_lead_decision"), 1),
    ((SC, "denied", "screening_excluded:lithium"), 1),
    ((SC, "denied", "screening_excluded:psychosis_history"), 1),
    ((SC, "adverse_reactions", "reactions"), 3),
    ((SC, "adverse_reactions", "mild"), 1),
    ((SC, "adverse_reactions", "moderate"), 1),
    ((SC, "adverse_reactions", "severe"), 1),
    ((SC, "adverse_reactions", "life_threatening"), 0),
    # (2) client data: partner a of the dyad and the solo partner; never the opted-out one.
    ((CD, "clients", "clients"), 2),
    ((CD, "race", "chinese"), 1),
    ((CD, "race", "other_white"), 1),
    ((CD, "race", "korean"), 0),
    ((CD, "race", "prefer_not"), 1),
    ((CD, "race", "not_answered"), 0),
    ((CD, "income", "50k_75k"), 1),
    ((CD, "income", "25k_50k"), 0),
    ((CD, "income", "prefer_not"), 1),
    ((CD, "income", "total"), 2),
    ((CD, "county", "lane"), 1),
    ((CD, "county", "not_answered"), 1),
    # 34 on 10 Nov local (35 on the UTC day, 11 Nov); no birth date for the solo partner.
    ((CD, "age", "25_34"), 1),
    ((CD, "age", "35_44"), 0),
    ((CD, "age", "65_74"), 0),
    ((CD, "age", "not_answered"), 1),
    ((CD, "veteran", "not_veteran"), 1),
    ((CD, "veteran", "not_answered"), 1),
    ((CD, "reasons", "relationship"), 1),
    ((CD, "reasons", "not_answered"), 1),
    # (4) averages: 3 clients dosed 3 times in 2 sessions.
    ((AV, "averages", "administration_sessions_per_client"), "1.00"),
    ((AV, "averages", "clients_per_administration_session"), "1.50"),
]


@pytest.mark.parametrize(("cell", "expected"), Q4_2025, ids=["/".join(c) for c, _ in Q4_2025])
def test_it_counts_the_quarter(cast: Cast, cell: tuple[str, str, str], expected: Any) -> None:
    seed(cast)
    assert cells(build(cast, "2025Q4"))[cell] == expected


NEIGHBOURS = [
    ("2026Q1", "clients_served", 2),
    ("2026Q1", "group_sessions", 1),
    ("2026Q1", "individual_sessions", 0),
    ("2025Q3", "clients_served", 2),
    ("2025Q3", "group_sessions", 1),
    ("2025Q2", "clients_served", 0),
]


@pytest.mark.parametrize(("quarter", "row", "expected"), NEIGHBOURS)
def test_it_bounds_quarters_at_local_midnight(
    cast: Cast, quarter: str, row: str, expected: int
) -> None:
    seed(cast)
    assert cells(build(cast, quarter))[(SC, "administration", row)] == expected


def test_it_leaves_withheld_answers_out_but_keeps_the_client_served(cast: Cast) -> None:
    pairs = seed(cast)
    # The solo partner opts out afterwards: the newest form counts.
    fx.form(cast, pairs["solo"], pairs["solo"].a, {"income": "200k_plus"}, withheld=True)
    found = cells(build(cast, "2025Q4"))
    assert found[(CD, "clients", "clients")] == 1
    assert found[(CD, "income", "prefer_not")] == 0
    assert found[(CD, "income", "200k_plus")] == 0
    assert found[(SC, "administration", "clients_served")] == 3


def test_it_never_counts_an_old_free_text_form(cast: Cast) -> None:
    pairs = seed(cast)
    fx.form(cast, pairs["solo"], pairs["solo"].a, {"income": "prefer_not"}, version=None)
    found = cells(build(cast, "2025Q4"))
    assert found[(CD, "income", "prefer_not")] == 0
    assert found[(CD, "income", "not_answered")] == 1


def test_it_counts_an_unknown_code_as_not_answered(cast: Cast) -> None:
    pairs = seed(cast)
    fx.form(cast, pairs["solo"], pairs["solo"].a, {"income": "a million", "race": ["martian"]})
    found = cells(build(cast, "2025Q4"))
    assert found[(CD, "income", "not_answered")] == 1
    assert found[(CD, "race", "not_answered")] == 1
    assert "martian" not in json_bytes(build(cast, "2025Q4")).decode()


def test_it_counts_an_answer_in_their_own_words_as_other_never_its_words(cast: Cast) -> None:
    pairs = seed(cast)
    # The partner who answered race with codes and their own words counts under both.
    assert cells(build(cast, "2025Q4"))[(CD, "race", "other")] == 1
    # The solo partner gives only their own words for their reasons: "other", not unanswered.
    fx.form(cast, pairs["solo"], pairs["solo"].a, {}, other={"reasons": "a pilgrimage"})
    found = cells(build(cast, "2025Q4"))
    assert found[(CD, "reasons", "other")] == 1
    assert found[(CD, "reasons", "not_answered")] == 0
    assert (CD, "income", "other") not in found  # income offers no words of one's own
    body = json_bytes(build(cast, "2025Q4")).decode()
    assert "pilgrimage" not in body and "free words" not in body


def test_it_suppresses_small_cells_with_the_profiles_threshold(cast: Cast) -> None:
    seed(cast)
    found = cells(build(cast, "2025Q4", threshold=10))
    assert found[(SC, "administration", "clients_served")] == SUPPRESSED
    assert found[(SC, "adverse_reactions", "life_threatening")] == 0
    assert found[(CD, "income", "prefer_not")] == SUPPRESSED
    # Averages computed from a suppressed count are suppressed too.
    assert found[(AV, "averages", "administration_sessions_per_client")] == SUPPRESSED
    body = csv_bytes(build(cast, "2025Q4", threshold=10)).decode()
    assert ",clients_served,Clients served,suppressed\n" in body


def test_it_suppresses_a_second_cell_so_the_first_cannot_be_worked_out(cast: Cast) -> None:
    """12 clients answer income: 9 one band, 1 prefer not, 2 not answered: with the threshold
    at 1, the single 'prefer not' would be the total minus the visible cells, so the next
    smallest (2, not answered) is suppressed too; the total stays."""
    fx.center_in_los_angeles(cast)
    for i in range(6):
        p = fx.dyad(cast, f"d{i}", fx.local(2025, 11, 1 + i, 10))
        for j, partner in enumerate((p.a, p.b)):
            n = 2 * i + j
            answer = "50k_75k" if n < 9 else "prefer_not" if n == 9 else None
            fx.form(cast, p, partner, {"income": answer} if answer else {})
    found = cells(build(cast, "2025Q4", threshold=1))
    assert found[(CD, "income", "50k_75k")] == 9
    assert found[(CD, "income", "prefer_not")] == SUPPRESSED
    assert found[(CD, "income", "not_answered")] == SUPPRESSED
    assert found[(CD, "income", "total")] == 12
    assert found[(SC, "administration", "group_sessions")] == 6


def test_it_gives_the_same_bytes_on_every_run(cast: Cast) -> None:
    seed(cast)
    first = (json_bytes(build(cast, "2025Q4", 1)), csv_bytes(build(cast, "2025Q4", 1)))
    second = (json_bytes(build(cast, "2025Q4", 1)), csv_bytes(build(cast, "2025Q4", 1)))
    assert first == second
    data = json.loads(first[0])
    assert (data["period"], data["period_start"], data["period_end"], data["due_on"]) == (
        "2025Q4",
        "2025-10-01",
        "2025-12-31",
        "2026-01-15",
    )


def test_its_reads_do_not_grow_with_the_couples(cast: Cast) -> None:
    fx.center_in_los_angeles(cast)
    period = parse_period("2025Q4", "quarter", cast.center.tzinfo)

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            oregon_303_facts(cast.center, period)
        return len(seen)

    def couple(key: str, day: int) -> None:
        p = fx.dyad(cast, key, fx.local(2025, 11, day, 10), born=dt.date(1980, 1, 1))
        fx.form(cast, p, p.a, {"income": "50k_75k"})
        fx.adverse(cast, p.sessions[0], p.a, fx.local(2025, 11, day, 11), "mild", medical=True)
        fx.screening(cast, p, p.b, fx.local(2025, 10, 2, 9), decision="excluded", rules=("x",))

    couple("first", 1)
    few = queries()
    for i in range(8):
        couple(f"more{i}", 2 + i)
    assert queries() == few
