"""Oregon's 303 quarterly report (OAR 333-333-4910; ORS 475A.372): what the service center
submits each quarter, aggregated so that no client can be identified.

Two steps: `oregon_303_facts` reads what happened in the quarter in a fixed number of queries
(no names, no free text: only ids, codes, dates and flags), and `oregon_303_compute`, a pure
function, turns those facts into the report's cells, suppressed. The answers' free text
(`other`), notes and adverse-event descriptions are never read.

- (2) client data: for the partners dosed in an administration session of the quarter, except
  those whose 303 form is withheld, counts per answer code of every question of every version
  of the profile's client data form, with "prefer not to say" and "not answered"; age is the
  band of their age on the day of their first administration session of the quarter, from
  the date of birth given at screening.
- (3) service-center data: clients served, individual and group administration sessions (a
  couple dosed together is one group session of two clients), people denied services with
  the reasons by rule, adverse behavioural and medical reactions by severity. Opted-out
  clients count here.
- (4) averages: those the profile lists.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from django.db.models import Min, Q

from holdspace.accounts.models import Organisation
from holdspace.preparation.models import FormKind, PartnerForm
from holdspace.reports.regulator.periods import Period
from holdspace.reports.regulator.suppression import (
    SUPPRESSED,
    Shown,
    any_suppressed,
    suppress_count,
    suppress_group,
)
from holdspace.screening.models import Decision, Screening, ScreeningOverride
from holdspace.screening.profiles import (
    PREFER_NOT_CODE,
    ClientData,
    ClientDataQuestion,
    Profile,
    RegulatorReport,
)
from holdspace.sessions.events import AdverseEventData
from holdspace.sessions.models import DOSE_KINDS, Discharge, EventKind, SessionEvent

REPORT_ID = "oregon-303"
NOT_ANSWERED_CODE = "not_answered"
# An answer in the partner's own words ("Other") is counted as given; its words never are.
OTHER_CODE = "other"
SEVERITIES: tuple[str, ...] = get_args(AdverseEventData.model_fields["severity"].annotation)
# A reason is named by a code, never by free text: a rule id that is not a plain code is left
# out (the reason then reads as "screening_excluded").
_CODE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,79}$")
DECLINED_DOSE = "declined_dose"
LEAD_DECISION = "clinical_lead_decision"
SCREENING_PREFIX = "screening_excluded:"


# The facts of a quarter ------------------------------------------------------------------------


@dataclass(frozen=True)
class AdministrationSession:
    """A medicine session whose first dose fell in the quarter, with the partners dosed."""

    session_id: int
    first_dose_at: dt.datetime
    dosed: frozenset[int]


@dataclass(frozen=True)
class Client:
    """A partner dosed in the quarter: the day of their first administration session in it,
    their date of birth (screening), and their newest 303 form's coded content."""

    partner_id: int
    first_session_day: dt.date
    date_of_birth: dt.date | None
    form: Mapping[str, Any] | None


@dataclass(frozen=True)
class Denial:
    partner_id: int
    reasons: frozenset[str]


@dataclass(frozen=True)
class Reaction:
    """An adverse event as it stands after its corrections."""

    severity: str
    emergency_services: bool
    medical_care: bool


@dataclass(frozen=True)
class Facts:
    sessions: list[AdministrationSession]
    clients: list[Client]
    denials: list[Denial]
    reactions: list[Reaction]


def oregon_303_facts(organisation: Organisation, period: Period) -> Facts:
    """What ORGANISATION's records say about PERIOD, in eight queries whatever their size."""
    sessions = _administration_sessions(organisation.pk, period)
    first_day: dict[int, dt.date] = {}
    for session in sorted(sessions, key=lambda s: (s.first_dose_at, s.session_id)):
        day = session.first_dose_at.astimezone(period.zone).date()
        for partner_id in session.dosed:
            first_day.setdefault(partner_id, day)
    births = _dates_of_birth(organisation.pk, first_day)
    forms = _newest_forms(organisation.pk, first_day)
    clients = [
        Client(pid, first_day[pid], births.get(pid), forms.get(pid)) for pid in sorted(first_day)
    ]
    return Facts(
        sessions=sessions,
        clients=clients,
        denials=_denials(organisation.pk, period),
        reactions=_reactions(organisation.pk, period),
    )


def _administration_sessions(organisation_id: int, period: Period) -> list[AdministrationSession]:
    firsts = (
        SessionEvent.objects.filter(organisation_id=organisation_id, kind__in=DOSE_KINDS)
        .values("session_id")
        .annotate(first=Min("occurred_at"))
        .filter(first__gte=period.starts_at, first__lt=period.ends_at)
        .values("session_id")
    )
    doses = SessionEvent.objects.filter(
        organisation_id=organisation_id, kind__in=DOSE_KINDS, session_id__in=firsts
    ).values_list("session_id", "partner_id", "occurred_at")
    dosed: dict[int, set[int]] = {}
    first: dict[int, dt.datetime] = {}
    for session_id, partner_id, occurred_at in doses:
        if partner_id is not None:
            dosed.setdefault(session_id, set()).add(partner_id)
        first[session_id] = min(first.get(session_id, occurred_at), occurred_at)
    return [
        AdministrationSession(sid, first[sid], frozenset(dosed[sid]))
        for sid in sorted(first)
        if dosed.get(sid)
    ]


def _dates_of_birth(organisation_id: int, partners: Iterable[int]) -> dict[int, dt.date]:
    """Each partner's date of birth from their newest screening that gives one."""
    found: dict[int, dt.date] = {}
    rows = (
        Screening.objects.filter(
            organisation_id=organisation_id,
            partner_id__in=list(partners),
            date_of_birth__isnull=False,
        )
        .order_by("-created_at", "-id")
        .values_list("partner_id", "date_of_birth")
    )
    for partner_id, born in rows:
        if born is not None:
            found.setdefault(partner_id, born)
    return found


def _newest_forms(organisation_id: int, partners: Iterable[int]) -> dict[int, Mapping[str, Any]]:
    """Each partner's newest 303 form (the newest row counts)."""
    found: dict[int, Mapping[str, Any]] = {}
    rows = (
        PartnerForm.objects.filter(
            organisation_id=organisation_id,
            kind=FormKind.DEMOGRAPHIC_FORM,
            partner_id__in=list(partners),
        )
        .order_by("-created_at", "-id")
        .values_list("partner_id", "data")
    )
    for partner_id, data in rows:
        found.setdefault(partner_id, data if isinstance(data, Mapping) else {})
    return found


def _denials(organisation_id: int, period: Period) -> list[Denial]:
    """Partners denied services in the quarter: their screening decision in force at the end
    of the quarter is "excluded" and was reached in it (by the rules' findings, or by a
    clinical lead's decision), or they declined the dose at a session in it."""
    reasons: dict[int, set[str]] = {}
    screenings = list(
        Screening.objects.filter(organisation_id=organisation_id, created_at__lt=period.ends_at)
        .filter(
            Q(created_at__gte=period.starts_at)
            | Q(
                overrides__created_at__gte=period.starts_at,
                overrides__created_at__lt=period.ends_at,
            )
        )
        .distinct()
        .only("id", "partner_id", "decision", "findings", "created_at")
    )
    # Every decision reached about each partner, in the order reached.
    decided: dict[int, list[tuple[dt.datetime, int, str, Screening, bool]]] = {}
    by_pk = {s.pk: s for s in screenings}
    for s in screenings:
        decided.setdefault(s.partner_id, []).append((s.created_at, 0, s.decision, s, False))
    for screening_id, created_at, pk, decision in ScreeningOverride.objects.filter(
        screening_id__in=list(by_pk), created_at__lt=period.ends_at
    ).values_list("screening_id", "created_at", "id", "decision"):
        s = by_pk[screening_id]
        decided[s.partner_id].append((created_at, pk, decision, s, True))
    for partner_id, moments in decided.items():
        at, _pk, decision, s, by_lead = max(moments, key=lambda m: (m[0], m[1]))
        if decision != Decision.EXCLUDED or not period.contains(at):
            continue
        why = _exclusion_rules(s.findings)
        if by_lead:
            why.add(LEAD_DECISION)
        reasons.setdefault(partner_id, set()).update(why or {SCREENING_PREFIX.rstrip(":")})
    for partner_id in Discharge.objects.filter(
        organisation_id=organisation_id,
        declined_dose=True,
        left_at__gte=period.starts_at,
        left_at__lt=period.ends_at,
    ).values_list("partner_id", flat=True):
        reasons.setdefault(partner_id, set()).add(DECLINED_DOSE)
    return [Denial(pid, frozenset(why)) for pid, why in sorted(reasons.items())]


def _exclusion_rules(findings: object) -> set[str]:
    rules: set[str] = set()
    for finding in findings if isinstance(findings, list) else []:
        if not isinstance(finding, Mapping) or finding.get("outcome") != "exclude":
            continue
        rule_id = str(finding.get("rule_id", ""))
        if finding.get("earlier_screening_id") or not _CODE.match(rule_id):
            continue
        rules.add(SCREENING_PREFIX + rule_id)
    return rules


def _reactions(organisation_id: int, period: Period) -> list[Reaction]:
    """Adverse events of the quarter, each with its corrections applied in the order made
    (only severity and the two flags are read: never the description)."""
    events = SessionEvent.objects.filter(
        organisation_id=organisation_id,
        kind=EventKind.ADVERSE_EVENT,
        occurred_at__gte=period.starts_at,
        occurred_at__lt=period.ends_at,
    ).order_by("occurred_at", "id")
    effective: dict[int, dict[str, Any]] = {}
    for pk, data in events.values_list("id", "data"):
        effective[pk] = _reaction_fields(data if isinstance(data, Mapping) else {}, {})
    corrections = SessionEvent.objects.filter(
        organisation_id=organisation_id, kind=EventKind.CORRECTION, corrects_id__in=list(effective)
    ).order_by("occurred_at", "received_at", "id")
    for corrects_id, data in corrections.values_list("corrects_id", "data"):
        changed = data.get("data") if isinstance(data, Mapping) else None
        if corrects_id in effective and isinstance(changed, Mapping):
            effective[corrects_id] = _reaction_fields(changed, effective[corrects_id])
    return [
        Reaction(str(f["severity"]), bool(f["emergency_services"]), bool(f["medical_care"]))
        for f in effective.values()
    ]


def _reaction_fields(data: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """The severity and flags of DATA where they are valid, else those BEFORE."""
    fields = dict(before) or {"severity": "", "emergency_services": False, "medical_care": False}
    if data.get("severity") in SEVERITIES:
        fields["severity"] = data["severity"]
    for flag in ("emergency_services", "medical_care"):
        if isinstance(data.get(flag), bool):
            fields[flag] = data[flag]
    return fields


# The report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    value: Shown | None  # a count, SUPPRESSED, an average as text, or None (nothing to average)


@dataclass(frozen=True)
class Group:
    code: str
    label: str
    rows: list[Row]
    total: Row | None = None


@dataclass(frozen=True)
class Section:
    code: str
    label: str
    source: str
    groups: list[Group]


@dataclass(frozen=True)
class Report:
    report: str
    name: str
    period: str
    period_start: dt.date
    period_end: dt.date
    due_on: dt.date | None
    time_zone: str
    profile: str
    suppression_threshold: int
    sections: list[Section]


def oregon_303_compute(
    facts: Facts, *, profile: Profile, report: RegulatorReport, period: Period
) -> Report:
    """The report for FACTS: every cell, suppressed. Pure: the same facts give the same report."""
    threshold = profile.suppression.threshold if profile.suppression else 0
    sections = [_service_center(facts, threshold), _averages(facts, report, threshold)]
    if profile.client_data is not None:
        sections.insert(0, _client_data(facts, profile.client_data, threshold))
    return Report(
        report=report.id,
        name=report.name,
        period=period.label,
        period_start=period.first_day,
        period_end=period.last_day,
        due_on=period.due_on(report.due_days_after_period),
        time_zone=period.zone.key,
        profile=profile.id,
        suppression_threshold=threshold,
        sections=sections,
    )


def withheld(form: Mapping[str, Any] | None) -> bool:
    """Whether the partner asked that their 303 data not be submitted (an old free-text row's
    opt-out too)."""
    if form is None:
        return False
    return form.get("withheld") is True or form.get("opt_out") is True


def _questions(client_data: ClientData) -> list[tuple[ClientDataQuestion, list[tuple[str, str]]]]:
    """Every question of every version (the current version's order first, then questions
    only older versions asked), each with every option code any version offers."""
    ordered = [client_data.current_version] + [
        v for v in client_data.versions if v.version != client_data.current
    ]
    questions: dict[str, ClientDataQuestion] = {}
    options: dict[str, dict[str, str]] = {}
    for version in ordered:
        for question in version.questions:
            questions.setdefault(question.code, question)
            for option in question.options:
                options.setdefault(question.code, {}).setdefault(option.code, option.label)
    return [(q, list(options[code].items())) for code, q in questions.items()]


def _answer_codes(question: ClientDataQuestion, client: Client, known: set[str]) -> list[str]:
    """The codes CLIENT is counted under for QUESTION: their valid answers, else not answered."""
    if question.kind == "age":
        return [_age_band(question, client)]
    form = client.form or {}
    answers = form.get("answers") if form.get("version") else None
    given = answers.get(question.code) if isinstance(answers, Mapping) else None
    values = given if isinstance(given, list) else [given]
    codes = sorted({v for v in values if isinstance(v, str) and (v in known)})
    if question.kind == "single":
        codes = codes[:1]
    if question.other and _gave_other(form, question.code) and PREFER_NOT_CODE not in codes:
        codes.append(OTHER_CODE)
    return codes or [NOT_ANSWERED_CODE]


def _gave_other(form: Mapping[str, Any], question_code: str) -> bool:
    """Whether the form holds an answer in the partner's own words to QUESTION_CODE: only that
    there is one is read, never what it says."""
    other = form.get("other")
    text = other.get(question_code) if isinstance(other, Mapping) else None
    return isinstance(text, str) and bool(text.strip())


def _age_band(question: ClientDataQuestion, client: Client) -> str:
    born = client.date_of_birth
    if born is None:
        return NOT_ANSWERED_CODE
    day = client.first_session_day
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    for option in question.options:
        low, high = option.min_age or 0, option.max_age
        if age >= low and (high is None or age <= high):
            return option.code
    return NOT_ANSWERED_CODE


def _client_data(facts: Facts, client_data: ClientData, threshold: int) -> Section:
    counted = [c for c in facts.clients if not withheld(c.form)]
    total = len(counted)
    groups = [
        Group(
            "clients",
            "Clients whose data is reported",
            [],
            Row("clients", "Clients", suppress_count(total, threshold)),
        )
    ]
    for question, options in _questions(client_data):
        known = {code for code, _label in options} | {PREFER_NOT_CODE}
        if question.kind == "age":
            known.discard(PREFER_NOT_CODE)
        counts: dict[str, int] = {}
        for client in counted:
            for code in _answer_codes(question, client, known):
                counts[code] = counts.get(code, 0) + 1
        labelled = list(options)
        if question.other:
            labelled.append((OTHER_CODE, "Other (in their own words, not reported)"))
        if question.kind != "age":
            labelled.append((PREFER_NOT_CODE, "Prefer not to say"))
        labelled.append((NOT_ANSWERED_CODE, "Not answered"))
        parts = [counts.get(code, 0) for code, _label in labelled]
        additive = question.kind != "multiple"
        shown, shown_total = suppress_group(parts, threshold, total=total if additive else None)
        rows = [
            Row(code, label, value) for (code, label), value in zip(labelled, shown, strict=True)
        ]
        groups.append(
            Group(
                question.code,
                question.label,
                rows,
                Row("total", "Clients", shown_total) if shown_total is not None else None,
            )
        )
    return Section(
        "client_data",
        "303 client data",
        "OAR 333-333-4910(2): clients who took part in an administration session in the "
        "quarter, except those who asked that their data be withheld",
        groups,
    )


def _service_center(facts: Facts, threshold: int) -> Section:
    clients = len({pid for s in facts.sessions for pid in s.dosed})
    individual = sum(1 for s in facts.sessions if len(s.dosed) == 1)
    group = sum(1 for s in facts.sessions if len(s.dosed) >= 2)
    served = Group(
        "administration",
        "Administration sessions",
        [
            Row("clients_served", "Clients served", suppress_count(clients, threshold)),
            Row(
                "individual_sessions",
                "Individual administration sessions",
                suppress_count(individual, threshold),
            ),
            Row(
                "group_sessions", "Group administration sessions", suppress_count(group, threshold)
            ),
        ],
    )
    return Section(
        "service_center",
        "303 service center data",
        "OAR 333-333-4910(3), opted-out clients included; ORS 475A.372(2)(b)(E) (adverse "
        "reactions: those that needed emergency services or a medical provider)",
        [served, _denied(facts.denials, threshold), _reactions_group(facts.reactions, threshold)],
    )


def _reason_label(code: str) -> str:
    if code == DECLINED_DOSE:
        return "Declined the administration session (no dose taken)"
    if code == LEAD_DECISION:
        return "Not eligible: a clinical lead's decision"
    if code.startswith(SCREENING_PREFIX):
        return f"Not eligible at screening: rule {code.removeprefix(SCREENING_PREFIX)}"
    return "Not eligible at screening"


def _denied(denials: Sequence[Denial], threshold: int) -> Group:
    """People denied services, and per reason how many (a person may have several reasons,
    so the reasons do not add up to the people: primary suppression only)."""
    counts: dict[str, int] = {}
    for denial in denials:
        for reason in denial.reasons:
            counts[reason] = counts.get(reason, 0) + 1
    codes = sorted(counts, key=lambda c: (c != DECLINED_DOSE, c != LEAD_DECISION, c))
    shown, _none = suppress_group([counts[c] for c in codes], threshold)
    return Group(
        "denied",
        "People denied services, by reason",
        [Row(c, _reason_label(c), v) for c, v in zip(codes, shown, strict=True)],
        Row("people_denied", "People denied services", suppress_count(len(denials), threshold)),
    )


def _reactions_group(reactions: Sequence[Reaction], threshold: int) -> Group:
    needing = [r for r in reactions if r.emergency_services or r.medical_care]
    parts = [sum(1 for r in needing if r.severity == s) for s in SEVERITIES]
    # An event whose severity could not be read is counted in the total under "unknown".
    parts.append(len(needing) - sum(parts))
    shown, total = suppress_group(parts, threshold, total=len(needing))
    labels = [*(s.replace("_", "-").capitalize() for s in SEVERITIES), "Severity unknown"]
    return Group(
        "adverse_reactions",
        "Adverse behavioural and medical reactions, by severity",
        [
            Row(code, label, value)
            for code, label, value in zip([*SEVERITIES, "unknown"], labels, shown, strict=True)
        ][: len(SEVERITIES) + (1 if parts[-1] else 0)],
        Row("reactions", "Adverse reactions", total),
    )


def _average(numerator: int, denominator: int, *inputs: Shown) -> Shown | None:
    if any_suppressed(*inputs):
        return SUPPRESSED
    if denominator == 0:
        return None
    return f"{numerator / denominator:.2f}"


def _averages(facts: Facts, report: RegulatorReport, threshold: int) -> Section:
    clients = len({pid for s in facts.sessions for pid in s.dosed})
    sessions = len(facts.sessions)
    individual = sum(1 for s in facts.sessions if len(s.dosed) == 1)
    group = sessions - individual
    participations = sum(len(s.dosed) for s in facts.sessions)
    inputs = [suppress_count(n, threshold) for n in (clients, individual, group)]
    known = {
        "administration_sessions_per_client": (
            "Administration sessions per client",
            _average(participations, clients, *inputs),
        ),
        "clients_per_administration_session": (
            "Clients per administration session",
            _average(participations, sessions, *inputs),
        ),
    }
    rows = [
        Row(code, *known.get(code, (code.replace("_", " ").capitalize(), None)))
        for code in report.averages or ["administration_sessions_per_client"]
    ]
    return Section(
        "averages",
        "Averaged data",
        "OAR 333-333-4910(4); an average is suppressed when a count it comes from is suppressed",
        [Group("averages", "Averages", rows)],
    )
