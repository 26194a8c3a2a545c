"""The Django side of the benchmark: seed a large organisation, profile, count audit events.

Run by bench/run.py as a subprocess with the bench environment (its own database and var
directory), so the harness itself never imports Django:

    python bench/seed.py seed --couples N --entries N --clients N --out FIXTURE.json [--no-measures]
    python bench/seed.py profile --fixture FIXTURE.json
    python bench/seed.py cohort --fixture FIXTURE.json [--repeats N]
    python bench/seed.py stats

`seed` is idempotent: when the organisation is already there with the asked-for sizes it only
makes fresh sign-ins (sessions and an API token) for this run. The questionnaire responses
(4 instruments at 6 timepoints for every partner) are a second step: added, in a transaction
of their own, to a bench database that does not have them yet, so an existing database keeps
its couples and entries. Rows are written with bulk_create, not the services, because the
services append one audit event per write.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ORG_SLUG = "bench"
DOMAIN = "bench.holdspace.invalid"
LEAD_EMAIL = f"lead@{DOMAIN}"
LEAD_PASSWORD = "holdspace-bench"
COUPLES_PER_FACILITATOR = 50
CHUNK = 5_000
EXIT_SIZE_MISMATCH = 3
PROFILE_REQUESTS = 5

# Questionnaire responses: every partner answers each instrument at each timepoint.
MEASURE_INSTRUMENTS = ("phq9", "gad7", "pcl5", "rdas")
# Timepoint, days after the couple's baseline, and the share of the partner's eventual change
# reached by then (the change comes mostly after the medicine session).
MEASURE_TIMEPOINTS = (
    ("baseline", 0, 0.0),
    ("before_session", 14, 0.05),
    ("day_after", 15, 0.5),
    ("week_1", 22, 0.65),
    ("month_1", 45, 0.85),
    ("month_3", 105, 1.0),
)
MEASURES_SPAN_DAYS = 180  # baselines fall in the first 74 days, so month 3 is never future
ANSWER_POOL = 400  # scored answer sets per instrument, reused at random
MEASURE_COUPLES_PER_CHUNK = 500
MEASURE_BATCH = 2_000
ALERTS_OPEN_DAYS = 14  # alerts older than this were acknowledged, as in a service that works

FIRST_NAMES = (
    "Alex Sam Jordan Riley Casey Morgan Taylor Jamie Avery Quinn Rowan Sage Emerson Harper "
    "Finley Hayden Kendall Logan Parker Reese Skyler Dakota Elliot Frankie Gray Jules Kai "
    "Lennon Marlowe Noor Oakley Peyton Remy Shiloh Tatum Wren Aiden Bea Cleo Dev Esme Farah "
    "Gus Hana Ines Joel Kofi Lina Mateo Nia Omar Priya Ravi Sofia Tomas Uma Vera Yusuf Zara"
).split()
SURNAMES = (
    "Reyes Hale Okafor Tanaka Lind Haddad Novak Silva Byrne Chen Dubois Eriksen Fischer Garcia "
    "Hughes Ivanova Jensen Kowalski Larsen Moreau Nakamura Oliveira Petrov Quist Rossi Santos "
    "Takahashi Usman Varga Weber Xu Yilmaz Zielinski Abara Brennan Costa Dalton Ekwueme Flores"
).split()
WORDS = (
    "we talked about the move again and it felt different this time because nobody raised "
    "their voice I noticed my shoulders drop when Sam laughed the breathing exercise helped "
    "before bed I am still scared of the session but less than last week our guide asked what "
    "safety means and I did not have an answer yet I want us to stop keeping score the walk "
    "on Sunday was the first quiet hour in months I wrote down three things I am grateful for "
    "it is hard to say out loud that I feel alone even when we are in the same room"
).split()


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "holdspace.settings")
    import django

    django.setup()
    from django.conf import settings

    # bench/run.py points DATABASE_URL at a database of its own; never seed anything else.
    name = Path(str(settings.DATABASES["default"]["NAME"])).name
    if not name.startswith("holdspace_bench_"):
        raise SystemExit(f"bench/seed.py: {name!r} is not a bench database; use bench/run.py")


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def _chunks(count: int) -> Iterator[range]:
    for start in range(0, count, CHUNK):
        yield range(start, min(count, start + CHUNK))


def _existing_sizes() -> tuple[int, int, int] | None:
    from holdspace.accounts.models import Organisation
    from holdspace.couples.models import Couple, Entry

    organisation = Organisation.objects.filter(slug=ORG_SLUG).first()
    if organisation is None:
        return None
    couples = Couple.objects.filter(organisation=organisation).count()
    entries = Entry.objects.filter(organisation=organisation).count()
    return organisation.pk, couples, entries


def _seed(*, couples: int, entries: int, seed: int) -> None:
    """Write the whole organisation in one transaction, so a broken seed leaves nothing."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from holdspace.accounts.models import Membership, Organisation, Role, User
    from holdspace.couples.models import (
        CareTeamMember,
        Couple,
        Entry,
        EntryKind,
        Partner,
        Stage,
        Visibility,
    )

    rng = random.Random(seed)
    now = timezone.now()
    # One Argon2 hash for everyone: hashing 20,000 passwords would dominate the seed time.
    password = make_password(LEAD_PASSWORD)
    facilitator_count = max(1, math.ceil(couples / COUPLES_PER_FACILITATOR))

    def person(email: str, name: str) -> User:
        return User(email=email, display_name=name, password=password, date_joined=now)

    with transaction.atomic():
        organisation = Organisation.objects.create(
            name="Benchmark Service Center", slug=ORG_SLUG, profile="oregon-psilocybin"
        )
        lead = person(LEAD_EMAIL, "Bench Lead (clinical lead)")
        lead.save()
        EmailAddress.objects.create(user=lead, email=lead.email, verified=True, primary=True)
        Membership.objects.create(organisation=organisation, user=lead, role=Role.CLINICAL_LEAD)

        facilitators = User.objects.bulk_create(
            [
                person(f"guide{n}@{DOMAIN}", f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}")
                for n in range(facilitator_count)
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(organisation=organisation, user=f, role=Role.FACILITATOR)
                for f in facilitators
            ]
        )

        stages = list(Stage.values)
        couple_ids: list[int] = []
        partner_ids: list[tuple[int, int]] = []
        for chunk in _chunks(couples):
            names = [
                (rng.choice(FIRST_NAMES), rng.choice(FIRST_NAMES), rng.choice(SURNAMES))
                for _ in chunk
            ]
            made = Couple.objects.bulk_create(
                [
                    Couple(
                        organisation=organisation,
                        name=f"{a} & {b} {surname}",
                        stage=rng.choice(stages),
                        created_at=now - timedelta(days=rng.randint(0, 720)),
                    )
                    for a, b, surname in names
                ]
            )
            users = User.objects.bulk_create(
                [
                    person(f"p{n}{slot}@{DOMAIN}", f"{first} {surname}")
                    for n, (a, b, surname) in zip(chunk, names, strict=True)
                    for slot, first in (("a", a), ("b", b))
                ]
            )
            Membership.objects.bulk_create(
                [Membership(organisation=organisation, user=u, role=Role.PARTNER) for u in users]
            )
            Partner.objects.bulk_create(
                [
                    Partner(organisation=organisation, couple=c, user=u, slot=slot)
                    for i, c in enumerate(made)
                    for slot, u in (("a", users[2 * i]), ("b", users[2 * i + 1]))
                ]
            )
            CareTeamMember.objects.bulk_create(
                [
                    CareTeamMember(
                        organisation=organisation,
                        couple=c,
                        user=facilitators[(chunk.start + i) % facilitator_count],
                    )
                    for i, c in enumerate(made)
                ]
            )
            couple_ids.extend(c.pk for c in made)
            partner_ids.extend((users[2 * i].pk, users[2 * i + 1].pk) for i in range(len(made)))

        # Some couples write much more than others, as in life.
        weights = [rng.expovariate(1.0) for _ in couple_ids]
        kinds = list(EntryKind.values)
        visibilities = [Visibility.PRIVATE, Visibility.TEAM, Visibility.COUPLE]
        for chunk in _chunks(entries):
            picks = rng.choices(range(len(couple_ids)), weights=weights, k=len(chunk))
            batch = []
            for index in picks:
                written = now - timedelta(seconds=rng.randint(0, 720 * 86_400))
                batch.append(
                    Entry(
                        organisation=organisation,
                        couple_id=couple_ids[index],
                        author_id=partner_ids[index][rng.randint(0, 1)],
                        kind=rng.choice(kinds),
                        visibility=rng.choices(visibilities, weights=(4, 3, 3))[0],
                        body=" ".join(_sentence(rng, 8, 30) for _ in range(rng.randint(1, 6))),
                        created_at=written,
                        updated_at=written,
                    )
                )
            Entry.objects.bulk_create(batch)


@dataclass(frozen=True)
class _Scored:
    """One answer set and everything score() made of it, as response_submit stores it."""

    answers: dict[str, float]
    total: float | None
    subscales: dict[str, float | None]
    band: str
    missing: list[str]
    rules: dict[str, bool | None]
    flags: tuple[Any, ...]  # scoring.Flag


class _AnswerPool:
    """A few hundred answer sets of one instrument, each scored once, looked up by total.

    Each set is drawn around a random level, item by item within the item's own option values,
    so the totals cover the instrument's range and the per-item answers agree with the total.
    Items a safety rule reads on their own (PHQ-9 item 9) are mostly left at their lowest
    answer, as they are in life, so alerts stay a minority of responses.
    """

    def __init__(self, code: str, rng: random.Random, size: int) -> None:
        from holdspace.measures.library import get_instrument
        from holdspace.measures.scoring import score

        self.instrument = get_instrument(code)
        instrument = self.instrument
        watched = {rule.when.item for rule in instrument.safety if rule.when.item}
        by_total: dict[float, list[_Scored]] = {}
        for _ in range(size):
            level = rng.random()
            answers: dict[str, float] = {}
            for item in instrument.items:
                values = sorted(o.value for o in instrument.option_set(item).options)
                if item.id in watched and rng.random() < 0.9:
                    answers[item.id] = values[0]
                    continue
                position = round(level * (len(values) - 1) + rng.gauss(0, 0.7))
                value = values[min(len(values) - 1, max(0, position))]
                if item.reverse:  # keep the keyed value, and so the total, following the level
                    value = values[0] + values[-1] - value
                answers[item.id] = value
            result = score(instrument, answers)
            total = result.total.value if result.total else None
            scored = _Scored(
                answers=result.answers,
                total=total,
                subscales={k: v.value for k, v in result.subscales.items()},
                band=result.band.label if result.band else "",
                missing=result.missing,
                rules=result.rules,
                flags=tuple(result.flags),
            )
            by_total.setdefault(total if total is not None else 0.0, []).append(scored)
        self.totals = sorted(by_total)
        self.by_total = [by_total[t] for t in self.totals]
        self.low, self.high = instrument.total_range

    def near(self, target: float, rng: random.Random) -> _Scored:
        """An answer set whose total is the nearest the pool has to TARGET."""
        index = bisect.bisect_left(self.totals, target)
        if index == len(self.totals) or (
            index > 0 and target - self.totals[index - 1] < self.totals[index] - target
        ):
            index -= 1
        return rng.choice(self.by_total[index])


def _trajectory(pool: _AnswerPool, rng: random.Random) -> list[float]:
    """Target totals at each timepoint for one partner and instrument: a baseline somewhere
    on the troubled side, then about half improve a lot, a third barely move and the rest
    get somewhat worse, with measurement noise on every score."""
    low, high = pool.low, pool.high
    span = high - low
    worse = rng.betavariate(2.0, 3.0)  # 0: best possible score, 1: worst
    better = 1 if pool.instrument.scoring.higher_is_better else -1
    baseline = high - worse * span if better > 0 else low + worse * span
    kind = rng.random()
    if kind < 0.5:
        effect = span * rng.uniform(0.12, 0.35)
    elif kind < 0.85:
        effect = span * rng.gauss(0.02, 0.03)
    else:
        effect = -span * rng.uniform(0.04, 0.15)
    return [
        min(high, max(low, baseline + better * effect * share + rng.gauss(0, span * 0.03)))
        for _timepoint, _days, share in MEASURE_TIMEPOINTS
    ]


def _expected_measures(partners: int) -> int:
    return partners * len(MEASURE_INSTRUMENTS) * len(MEASURE_TIMEPOINTS)


def _measure_sizes(organisation_id: int) -> tuple[int, int]:
    from holdspace.measures.models import MeasureResponse, SafetyAlert

    responses = MeasureResponse.objects.filter(organisation_id=organisation_id).count()
    alerts = SafetyAlert.objects.filter(organisation_id=organisation_id).count()
    return responses, alerts


def _seed_measures(*, organisation_id: int, seed: int) -> None:
    """Every partner answers every bench instrument at every timepoint, in one transaction.

    As response_submit would store them (scored, banded, the diagnostic rules decided, and one
    safety alert per flag), but with bulk_create and no audit events. Alerts older than
    ALERTS_OPEN_DAYS are acknowledged by the clinical lead.
    """
    from django.db import transaction
    from django.utils import timezone

    from holdspace.accounts.models import User
    from holdspace.couples.models import Partner
    from holdspace.measures.models import MeasureResponse, SafetyAlert

    rng = random.Random(seed + 1)
    now = timezone.now()
    pools = {code: _AnswerPool(code, rng, ANSWER_POOL) for code in MEASURE_INSTRUMENTS}
    lead_id = User.objects.values_list("pk", flat=True).get(email=LEAD_EMAIL)
    couples: dict[int, list[int]] = {}
    for couple_id, user_id in (
        Partner.objects.filter(organisation_id=organisation_id)
        .order_by("couple_id", "slot")
        .values_list("couple_id", "user_id")
    ):
        couples.setdefault(couple_id, []).append(user_id)
    couple_ids = list(couples)
    open_after = now - timedelta(days=ALERTS_OPEN_DAYS)
    # A day to spare: each sitting is some hours into its day, and none may be in the future.
    latest_start = MEASURES_SPAN_DAYS - MEASURE_TIMEPOINTS[-1][1] - 1

    with transaction.atomic():
        for start in range(0, len(couple_ids), MEASURE_COUPLES_PER_CHUNK):
            rows: list[MeasureResponse] = []
            flags: list[tuple[Any, ...]] = []
            for couple_id in couple_ids[start : start + MEASURE_COUPLES_PER_CHUNK]:
                began = now - timedelta(days=MEASURES_SPAN_DAYS - rng.uniform(0, latest_start))
                for partner_id in couples[couple_id]:
                    targets = {code: _trajectory(pools[code], rng) for code in pools}
                    for step, (timepoint, days, _share) in enumerate(MEASURE_TIMEPOINTS):
                        # Both partners on the same day, each at a time of their own; the
                        # instruments one after another, a few minutes apart.
                        sat = began + timedelta(days=days, hours=rng.uniform(8, 21))
                        for n, code in enumerate(MEASURE_INSTRUMENTS):
                            scored = pools[code].near(targets[code][step], rng)
                            rows.append(
                                MeasureResponse(
                                    organisation_id=organisation_id,
                                    couple_id=couple_id,
                                    partner_id=partner_id,
                                    instrument=code,
                                    instrument_version=pools[code].instrument.version,
                                    timepoint=timepoint,
                                    answers=scored.answers,
                                    total=scored.total,
                                    subscales=scored.subscales,
                                    band=scored.band,
                                    missing=scored.missing,
                                    rules=scored.rules,
                                    created_at=sat + timedelta(minutes=4 * n),
                                )
                            )
                            flags.append(scored.flags)
            made = MeasureResponse.objects.bulk_create(rows, batch_size=MEASURE_BATCH)
            alerts = []
            for response, raised in zip(made, flags, strict=True):
                for flag in raised:
                    seen = response.created_at < open_after
                    alerts.append(
                        SafetyAlert(
                            organisation_id=organisation_id,
                            couple_id=response.couple_id,
                            partner_id=response.partner_id,
                            response_id=response.pk,
                            rule_id=flag.rule_id,
                            message=flag.message,
                            source=flag.source,
                            created_at=response.created_at,
                            acknowledged_by_id=lead_id if seen else None,
                            acknowledged_at=response.created_at + timedelta(hours=20)
                            if seen
                            else None,
                            note="Followed up with the partner the next day." if seen else "",
                        )
                    )
            SafetyAlert.objects.bulk_create(alerts, batch_size=MEASURE_BATCH)


def _sign_in(clients: int) -> tuple[list[str], str]:
    """Fresh staff sessions (one per client) and an API token for the clinical lead."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from holdspace.accounts.models import User
    from holdspace.accounts.services import api_token_create

    lead = User.objects.get(email=LEAD_EMAIL)
    store_class: Any = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for _ in range(clients):
        session = store_class()
        session[SESSION_KEY] = str(lead.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = lead.get_session_auth_hash()
        session["holdspace_session_started"] = int(time.time())
        # What RequireStaffMFAMiddleware records once a staff member has passed TOTP.
        session["holdspace_mfa_ok"] = True
        session.create()
        keys.append(session.session_key)
    return keys, api_token_create(user=lead)


def command_seed(args: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings
    from django.db import connection

    from holdspace.audit.models import AuditEvent
    from holdspace.couples.models import Couple, Partner
    from holdspace.couples.selectors import COUPLES_PER_PAGE
    from holdspace.measures.models import SafetyAlert

    started = time.perf_counter()
    existing = _existing_sizes()
    if existing is None:
        print(f"Seeding {args.couples:,} couples and {args.entries:,} entries…", flush=True)
        _seed(couples=args.couples, entries=args.entries, seed=args.seed)
        seed_seconds: float | None = time.perf_counter() - started
        print(f"Seeded in {seed_seconds:.1f} s", flush=True)
    elif existing[1:] != (args.couples, args.entries):
        print(
            f"The bench database holds {existing[1]:,} couples and {existing[2]:,} entries, "
            f"not {args.couples:,} and {args.entries:,}.",
            file=sys.stderr,
        )
        return EXIT_SIZE_MISMATCH
    else:
        seed_seconds = None
        print("Bench data already seeded; reusing it.", flush=True)

    organisation_id = (_existing_sizes() or (0, 0, 0))[0]
    partners = Partner.objects.filter(organisation_id=organisation_id).count()
    expected = _expected_measures(partners)
    responses, _alerts = _measure_sizes(organisation_id)
    measures_seconds: float | None = None
    if responses == 0 and args.measures:
        print(
            f"Seeding {expected:,} questionnaire responses ({len(MEASURE_INSTRUMENTS)} "
            f"instruments × {len(MEASURE_TIMEPOINTS)} timepoints × {partners:,} partners)…",
            flush=True,
        )
        begun = time.perf_counter()
        _seed_measures(organisation_id=organisation_id, seed=args.seed)
        measures_seconds = time.perf_counter() - begun
        print(f"Seeded the responses in {measures_seconds:.1f} s", flush=True)
    elif responses not in (0, expected):
        print(
            f"The bench database holds {responses:,} questionnaire responses, not {expected:,}.",
            file=sys.stderr,
        )
        return EXIT_SIZE_MISMATCH
    elif responses:
        print("Questionnaire responses already seeded; reusing them.", flush=True)
    else:
        print("No questionnaire responses (--no-measures).", flush=True)

    # Planner statistics, as a database in service has them (autovacuum, or SQLite's ANALYZE);
    # without them PostgreSQL plans the bulk-loaded tables as if they were empty.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    organisation_id, couple_count, entry_count = _existing_sizes() or (0, 0, 0)
    responses, alerts = _measure_sizes(organisation_id)
    open_alerts = SafetyAlert.objects.filter(
        organisation_id=organisation_id, acknowledged_at__isnull=True
    ).count()
    sessions, token = _sign_in(args.clients)
    couple_ids = list(
        Couple.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True)
    )
    fixture = {
        "organisation_id": organisation_id,
        "couples": couple_count,
        "entries": entry_count,
        "couple_ids": couple_ids,
        "console_pages": max(1, math.ceil(couple_count / COUPLES_PER_PAGE)),
        "sessions": sessions,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "token": token,
        "seed_seconds": seed_seconds,
        "measures": responses,
        "measure_instruments": list(MEASURE_INSTRUMENTS) if responses else [],
        "measure_timepoints": [t for t, _d, _s in MEASURE_TIMEPOINTS] if responses else [],
        "safety_alerts": alerts,
        "open_safety_alerts": open_alerts,
        "measures_seed_seconds": measures_seconds,
        "audit_events": AuditEvent.objects.count(),
        "vendor": _vendor(),
    }
    Path(args.out).write_text(json.dumps(fixture), encoding="utf-8")
    return 0


def _vendor() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    connection.ensure_connection()
    version = connection.pg_version  # type: ignore[attr-defined]
    return f"PostgreSQL {version // 10_000}.{version % 10_000}"


class _QueryTimer:
    """Times every query a request makes (Django's own capture rounds to whole milliseconds)."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(((time.perf_counter() - started) * 1000, sql))


def command_profile(args: argparse.Namespace) -> int:
    """Queries each measured request makes, through Django's test client on the bench data."""
    _setup()
    from django.db import connection
    from django.test import Client

    fixture = json.loads(Path(args.fixture).read_text(encoding="utf-8"))
    rng = random.Random(7)
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.cookies[fixture["session_cookie"]] = fixture["sessions"][0]
    anonymous = Client(HTTP_HOST="127.0.0.1")
    auth = {"Authorization": f"Bearer {fixture['token']}"}
    ids: Sequence[int] = fixture["couple_ids"]
    pages = fixture["console_pages"]
    targets: dict[str, tuple[Client, Any, dict[str, str]]] = {
        "bare": (anonymous, lambda: "/bench/bare", {}),
        "couples_list": (staff, lambda: f"/console/?page={rng.randint(1, pages)}", {}),
        "couple_page": (staff, lambda: f"/couples/{rng.choice(ids)}/", {}),
        "entries_api": (anonymous, lambda: f"/api/v1/couples/{rng.choice(ids)}/entries", auth),
    }
    if fixture.get("measures"):
        targets["outcomes"] = (staff, lambda: "/outcomes/", {})
    report: dict[str, Any] = {}
    for name, (client, path_for, extra) in targets.items():
        for _ in range(3):  # warm the templates, the connection and the database cache
            client.get(path_for(), headers=extra)
        timings = []
        for _ in range(PROFILE_REQUESTS):
            timer = _QueryTimer()
            path = path_for()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = client.get(path, headers=extra)
                timings.append((time.perf_counter() - started) * 1000)
        queries = timer.queries
        slowest = max(queries, default=(0.0, ""))
        writes = sum(
            1 for _ms, sql in queries if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))
        )
        report[name] = {
            "path": path,
            "status": response.status_code,
            "queries": len(queries),
            "writes": writes,
            "sql_ms": round(sum(ms for ms, _sql in queries), 2),
            "request_ms": round(sorted(timings)[len(timings) // 2], 2),
            "slowest_ms": round(slowest[0], 2),
            "slowest_sql": slowest[1][:400],
            "sql": [f"{ms:7.2f} ms  {sql[:300]}" for ms, sql in queries],
        }
    print(json.dumps(report))
    return 0


def _timed(call: Any, repeats: int) -> dict[str, Any]:
    """Run CALL (after one unmeasured call) REPEATS times with every query timed."""
    from django.db import connection

    call()
    runs: list[tuple[float, list[tuple[float, str]]]] = []
    for _ in range(repeats):
        timer = _QueryTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            call()
            runs.append(((time.perf_counter() - started) * 1000, timer.queries))
    times = sorted(ms for ms, _queries in runs)
    sql = sorted(sum(ms for ms, _sql in queries) for _ms, queries in runs)
    last = runs[-1][1]
    return {
        "repeats": repeats,
        "min_ms": round(times[0], 2),
        "median_ms": round(statistics.median(times), 2),
        "max_ms": round(times[-1], 2),
        "sql_ms_median": round(statistics.median(sql), 2),
        "queries": len(last),
        "writes": sum(1 for _ms, s in last if s.lstrip().upper().startswith(("INSERT", "UPDATE"))),
        "sql": [f"{ms:8.2f} ms  {s[:300]}" for ms, s in last],
    }


def command_cohort(args: argparse.Namespace) -> int:
    """The cohort query in-process: program_outcomes() over the whole organisation, and the
    charts of one couple (couple_measures()), each timed over several calls."""
    _setup()
    from holdspace.accounts.models import User
    from holdspace.measures.selectors import couple_measures
    from holdspace.policy.core import viewer_for
    from holdspace.policy.couples import get_couple_for
    from holdspace.reports.selectors import program_outcomes

    fixture = json.loads(Path(args.fixture).read_text(encoding="utf-8"))
    organisation_id = fixture["organisation_id"]
    viewer = viewer_for(User.objects.get(email=LEAD_EMAIL), "127.0.0.1")

    def outcomes() -> Any:
        return program_outcomes(viewer=viewer, organisation_id=organisation_id)

    report: dict[str, Any] = {"program_outcomes": _timed(outcomes, args.repeats)}
    report["program_outcomes"]["rows"] = [
        {
            "instrument": row.code,
            "partners": row.partners,
            "mean_baseline": round(row.mean_baseline, 2),
            "mean_latest": round(row.mean_latest, 2),
            "mean_change": round(row.mean_change, 2),
            "improved": None if row.improved is None else round(row.improved, 4),
            "deteriorated": None if row.deteriorated is None else round(row.deteriorated, 4),
        }
        for row in outcomes()
    ]

    rng = random.Random(11)
    ids: Sequence[int] = fixture["couple_ids"]
    couples = [get_couple_for(viewer, rng.choice(ids)) for _ in range(args.repeats + 1)]
    picks = iter(couples)

    def charts() -> Any:
        return couple_measures(viewer=viewer, couple=next(picks))

    report["couple_measures"] = _timed(charts, args.repeats)
    print(json.dumps(report))
    return 0


def command_stats(args: argparse.Namespace) -> int:
    _setup()
    from holdspace.audit.models import AuditEvent

    print(json.dumps({"audit_events": AuditEvent.objects.count()}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed")
    seed.add_argument("--couples", type=int, required=True)
    seed.add_argument("--entries", type=int, required=True)
    seed.add_argument("--clients", type=int, required=True)
    seed.add_argument("--seed", type=int, default=42)
    seed.add_argument("--out", required=True)
    seed.add_argument(
        "--no-measures",
        dest="measures",
        action="store_false",
        help="do not add questionnaire responses to a database that has none",
    )
    profile = commands.add_parser("profile")
    profile.add_argument("--fixture", required=True)
    cohort = commands.add_parser("cohort")
    cohort.add_argument("--fixture", required=True)
    cohort.add_argument("--repeats", type=int, default=7)
    commands.add_parser("stats")
    args = parser.parse_args(argv)
    handlers = {
        "seed": command_seed,
        "profile": command_profile,
        "cohort": command_cohort,
        "stats": command_stats,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
