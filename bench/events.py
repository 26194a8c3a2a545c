"""The event-write benchmark: many medicine sessions at once, each posting vitals and notes
to its live event log, with a share of the requests replayed, then a count of what the server
holds against what the clients were told.

bench/run.py drives it. The Django side runs as a subprocess with the bench environment (its
own database and var directory), so the harness itself never imports Django:

    python bench/events.py seed --sessions N --out FIXTURE.json
    python bench/events.py profile --fixture FIXTURE.json
    python bench/events.py count --fixture FIXTURE.json --sent SENT.json

`seed` makes sure the organisation has N couples, each with two partners and a facilitator of
its own on its care team, then opens N new medicine sessions that started an hour ago (as
tests' make_session does, without the readiness gate) and one API token per facilitator. The
couples are reused from run to run; the sessions are new every run, so each run's count is
its own. `profile` times the queries of one new event and of one replay through Django's test
client, on a session of its own. `count` compares, session by session, the event ids the
server holds with those the clients sent and were answered 201 or 200 for.

The clients (run_event_client) run in the harness's process pool, one process and one
keep-alive connection per session, posting as fast as the server answers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

from load import HOST, REQUEST_TIMEOUT, START_LEAD, percentile

ORG_SLUG = "bench-events"
DOMAIN = "events.bench.holdspace.invalid"
DATABASE_NAME = "holdspace_bench_events"  # on SQLite, var/bench/holdspace_bench_events.sqlite3
NOTE_SHARE = 0.3  # the rest are vitals
JOINT_NOTE_SHARE = 0.5  # notes about the session as a whole, not one partner
# Well inside the profiles' alert thresholds (160/110 mmHg, 45–110 bpm, 38.5 °C), so no
# request raises a safety alert and every write is the same kind of work.
SYSTOLIC = (104, 142)
DIASTOLIC = (62, 92)
HEART_RATE = (54, 98)
TEMPERATURE_C = (36.1, 37.4)
PROBLEM_EXAMPLES = 5
PROFILE_REQUESTS = 5
WORDS = (
    "both partners resting quietly eyes shades on music low asked for water held hands for a "
    "while breathing slow and even some tearfulness reassured and settled talked about their "
    "first home laughter shifted position blanket offered nausea passed declined food wants "
    "to sit up facilitator stayed beside them partner B checked in with partner A"
).split()


# The Django side ----------------------------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "holdspace.settings")
    import django

    django.setup()
    from django.conf import settings

    # bench/run.py points DATABASE_URL at a database of its own; never write anything else.
    name = Path(str(settings.DATABASES["default"]["NAME"])).name
    if name.removesuffix(".sqlite3") != DATABASE_NAME:
        raise SystemExit(f"bench/events.py: {name!r} is not a bench database; use bench/run.py")


def _vendor() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    connection.ensure_connection()
    version = connection.pg_version  # type: ignore[attr-defined]
    return f"PostgreSQL {version // 10_000}.{version % 10_000}"


def _ensure_couples(count: int) -> tuple[int, list[tuple[int, int, int, int]]]:
    """The organisation and its first COUNT couples: (couple, partner a, partner b,
    facilitator) ids, making whatever is missing in one transaction."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from holdspace.accounts.models import Membership, Organisation, Role, User
    from holdspace.couples.models import CareTeamMember, Couple, Partner, Stage

    with transaction.atomic():
        organisation, _created = Organisation.objects.get_or_create(
            slug=ORG_SLUG,
            defaults={"name": "Event Benchmark Center", "profile": "oregon-psilocybin"},
        )
        unusable = make_password(None)  # nobody signs in: the API tokens are made below
        found = []
        for n in range(count):
            facilitator_email = f"guide{n}@{DOMAIN}"
            facilitator = User.objects.filter(email=facilitator_email).first()
            if facilitator is None:
                facilitator = User.objects.create(
                    email=facilitator_email, display_name=f"Guide {n}", password=unusable
                )
                Membership.objects.create(
                    organisation=organisation, user=facilitator, role=Role.FACILITATOR
                )
                couple = Couple.objects.create(
                    organisation=organisation,
                    name=f"Couple {n}",
                    stage=Stage.MEDICINE_SESSION,
                )
                for slot in ("a", "b"):
                    partner = User.objects.create(
                        email=f"p{n}{slot}@{DOMAIN}",
                        display_name=f"Partner {n}{slot.upper()}",
                        password=unusable,
                    )
                    Membership.objects.create(
                        organisation=organisation, user=partner, role=Role.PARTNER
                    )
                    Partner.objects.create(
                        organisation=organisation, couple=couple, user=partner, slot=slot
                    )
                CareTeamMember.objects.create(
                    organisation=organisation, couple=couple, user=facilitator
                )
            member = CareTeamMember.objects.get(organisation=organisation, user=facilitator)
            partners = list(
                Partner.objects.filter(couple_id=member.couple_id)
                .order_by("slot")
                .values_list("user_id", flat=True)
            )
            found.append((member.couple_id, partners[0], partners[1], facilitator.pk))
    return organisation.pk, found


def _open_session(organisation_id: int, couple_id: int, facilitator_id: int) -> int:
    """A medicine session for the couple that started an hour ago, its facilitator present,
    as if scheduled through the readiness gate (what tests' make_session does)."""
    from django.utils import timezone

    from holdspace.accounts.models import Organisation
    from holdspace.screening.profiles import get_profile
    from holdspace.sessions.models import MedicineSession, SessionFacilitator

    profile = get_profile(
        Organisation.objects.values_list("profile", flat=True).get(pk=organisation_id)
    )
    session = MedicineSession.objects.create(
        organisation_id=organisation_id,
        couple_id=couple_id,
        substance=profile.substances[0],
        starts_at=timezone.now() - timedelta(hours=1),
        room="Bench room",
        profile=profile.id,
        profile_version=profile.version,
        scheduled_by_id=facilitator_id,
    )
    SessionFacilitator.objects.create(
        organisation_id=organisation_id, session=session, user_id=facilitator_id
    )
    return session.pk


def command_seed(args: argparse.Namespace) -> int:
    _setup()
    from django.db import transaction

    from holdspace.accounts.models import User
    from holdspace.accounts.services import api_token_create
    from holdspace.audit.models import AuditEvent
    from holdspace.sessions.models import SessionEvent

    started = time.perf_counter()
    organisation_id, couples = _ensure_couples(args.sessions)
    sessions = []
    with transaction.atomic():
        for couple_id, partner_a, partner_b, facilitator_id in couples:
            session_id = _open_session(organisation_id, couple_id, facilitator_id)
            sessions.append((session_id, couple_id, partner_a, partner_b, facilitator_id))
    facilitators = User.objects.in_bulk([row[4] for row in sessions])
    fixture = {
        "organisation_id": organisation_id,
        "vendor": _vendor(),
        "sessions": [
            {
                "id": session_id,
                "couple_id": couple_id,
                "partner_ids": [partner_a, partner_b],
                "facilitator_id": facilitator_id,
                "token": api_token_create(user=facilitators[facilitator_id]),
            }
            for session_id, couple_id, partner_a, partner_b, facilitator_id in sessions
        ],
        "events_before": SessionEvent.objects.count(),
        "audit_events_before": AuditEvent.objects.count(),
        "seed_seconds": round(time.perf_counter() - started, 2),
    }
    Path(args.out).write_text(json.dumps(fixture), encoding="utf-8")
    return 0


def command_profile(args: argparse.Namespace) -> int:
    """The queries of one new event and of one replay, through Django's test client, on a
    session of its own for the first couple (the loaded sessions hold only what their clients
    sent): three unmeasured events, then five of each, every query timed."""
    _setup()
    from django.db import connection
    from django.test import Client

    fixture = json.loads(Path(args.fixture).read_text(encoding="utf-8"))
    first = fixture["sessions"][0]
    session_id = _open_session(
        fixture["organisation_id"], first["couple_id"], first["facilitator_id"]
    )
    client = Client(HTTP_HOST=HOST, headers={"Authorization": f"Bearer {first['token']}"})
    path = f"/api/v1/sessions/{session_id}/events"
    rng = random.Random(5)

    def post(body: bytes) -> int:
        return client.post(path, body, content_type="application/json").status_code

    for _ in range(3):
        post(event_body(rng, str(uuid.uuid4()), first["partner_ids"]))
    bodies = [
        event_body(rng, str(uuid.uuid4()), first["partner_ids"]) for _ in range(PROFILE_REQUESTS)
    ]
    queries: list[tuple[float, str]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - started) * 1000, sql))

    report: dict[str, Any] = {}
    for name, expected in (("new event", 201), ("replay", 200)):
        timings: list[float] = []
        for body in bodies:
            queries.clear()
            with connection.execute_wrapper(timed):
                started = time.perf_counter()
                status = post(body)
                timings.append((time.perf_counter() - started) * 1000)
            if status != expected:
                raise SystemExit(f"bench/events.py: a {name} answered {status}, not {expected}")
        writes = [
            sql for _ms, sql in queries if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))
        ]
        report[name] = {
            "queries": len(queries),
            "writes": len(writes),
            "sql_ms": round(sum(ms for ms, _sql in queries), 2),
            "request_ms": round(sorted(timings)[len(timings) // 2], 2),
            "sql": [f"{ms:7.2f} ms  {sql[:300]}" for ms, sql in queries],
        }
    print(json.dumps(report))
    return 0


def command_count(args: argparse.Namespace) -> int:
    """What the server holds for this run's sessions, against what the clients were told."""
    _setup()
    from holdspace.audit.models import AuditEvent
    from holdspace.measures.models import SafetyAlert
    from holdspace.sessions.models import SessionEvent

    fixture = json.loads(Path(args.fixture).read_text(encoding="utf-8"))
    sent: dict[str, dict[str, list[str]]] = json.loads(Path(args.sent).read_text("utf-8"))
    session_ids = [s["id"] for s in fixture["sessions"]]
    held: dict[int, list[str]] = {i: [] for i in session_ids}
    event_pks: list[int] = []
    for pk, session_id, event_uuid in SessionEvent.objects.filter(
        session_id__in=session_ids
    ).values_list("pk", "session_id", "uuid"):
        held[session_id].append(str(event_uuid))
        event_pks.append(pk)
    lost = unacknowledged_held = unacknowledged_missing = unknown = duplicate_rows = 0
    examples: list[str] = []
    for session_id in session_ids:
        rows = held[session_id]
        stored = set(rows)
        client = sent.get(str(session_id), {"sent": [], "acknowledged": []})
        sent_ids, acknowledged = set(client["sent"]), set(client["acknowledged"])
        duplicate_rows += len(rows) - len(stored)
        missing = acknowledged - stored
        lost += len(missing)
        unacknowledged_held += len((sent_ids - acknowledged) & stored)
        unacknowledged_missing += len(sent_ids - acknowledged - stored)
        strangers = stored - sent_ids
        unknown += len(strangers)
        for event_id in sorted(missing)[:2]:
            examples.append(f"session {session_id}: {event_id} acknowledged but not held")
        for event_id in sorted(strangers)[:2]:
            examples.append(f"session {session_id}: {event_id} held but never sent")
    # Each new event appends exactly one audit event; a replay appends none.
    audited: Counter[str] = Counter()
    ids = [str(pk) for pk in event_pks]
    for start in range(0, len(ids), 5_000):
        audited.update(
            AuditEvent.objects.filter(
                action="session_event.record",
                object_type="session_event",
                object_id__in=ids[start : start + 5_000],
            ).values_list("object_id", flat=True)
        )
    report = {
        "held": sum(len(rows) for rows in held.values()),
        "distinct": sum(len(set(rows)) for rows in held.values()),
        "duplicate_rows": duplicate_rows,
        "lost": lost,
        "unknown": unknown,
        "unacknowledged_held": unacknowledged_held,
        "unacknowledged_missing": unacknowledged_missing,
        "audit_events": sum(audited.values()),
        "events_without_one_audit_event": sum(1 for i in ids if audited[i] != 1),
        "safety_alerts": SafetyAlert.objects.filter(session_event_id__in=event_pks).count()
        if event_pks
        else 0,
        "examples": examples[:10],
    }
    print(json.dumps(report))
    return 0


# The clients --------------------------------------------------------------------------


@dataclass(frozen=True)
class EventTask:
    port: int
    session_id: int
    token: str
    partner_ids: Sequence[int]
    replay_share: float
    rng_seed: int
    start_at: float  # time.monotonic() values, the same clock in every process on Linux
    measure_from: float
    stop_at: float
    max_requests: int


@dataclass
class EventClientResult:
    session_id: int
    sent: list[str] = field(default_factory=list)  # ids of new events, in the order sent
    acknowledged: list[str] = field(default_factory=list)  # new events answered 201 or 200
    replayed_as_new: list[str] = field(default_factory=list)  # replays answered 201
    new_statuses: Counter[str] = field(default_factory=Counter)  # warm-up included
    replay_statuses: Counter[str] = field(default_factory=Counter)
    measured_new: Counter[str] = field(default_factory=Counter)
    measured_replays: Counter[str] = field(default_factory=Counter)
    new_latencies_ms: list[float] = field(default_factory=list)  # measured, 201 or 200
    replay_latencies_ms: list[float] = field(default_factory=list)
    warmup: int = 0
    last_end: float = 0.0
    problems: list[str] = field(default_factory=list)  # the first unexpected answers


def _connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)


def event_body(rng: random.Random, event_id: str, partner_ids: Sequence[int]) -> bytes:
    """A new event as a facilitator's tablet would send it: vitals of one partner, or a note
    about one partner or both, taken up to half a minute ago."""
    occurred_at = datetime.now(UTC) - timedelta(seconds=rng.uniform(0, 30))
    body: dict[str, Any] = {
        "id": event_id,
        "occurred_at": occurred_at.isoformat(timespec="milliseconds"),
    }
    if rng.random() < NOTE_SHARE:
        body["kind"] = "note"
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 40))]
        body["data"] = {"text": " ".join(words).capitalize() + "."}
        if rng.random() >= JOINT_NOTE_SHARE:
            body["partner_id"] = rng.choice(partner_ids)
    else:
        body["kind"] = "vitals"
        body["partner_id"] = rng.choice(partner_ids)
        body["data"] = {
            "systolic": rng.randint(*SYSTOLIC),
            "diastolic": rng.randint(*DIASTOLIC),
            "heart_rate": rng.randint(*HEART_RATE),
            "temperature_c": round(rng.uniform(*TEMPERATURE_C), 1),
        }
    return json.dumps(body, separators=(",", ":")).encode()


def post_event(
    connection: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes, bool]:
    """One POST: status, body, and whether the server closed the connection."""
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read(), response.will_close


def event_headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Encoding": "identity",
    }


def check_events(port: int, session: dict[str, Any]) -> str:
    """One note to SESSION, then the same again: 201, then 200, or the run stops. Returns the
    note's id, which the count afterwards expects the server to hold."""
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {
            "id": event_id,
            "kind": "note",
            "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "data": {"text": "Bench check: both partners settled."},
        }
    ).encode()
    path = f"/api/v1/sessions/{session['id']}/events"
    connection = _connect(port)
    try:
        for expected in (201, 200):
            status, answer, _closing = post_event(
                connection, path, body, event_headers(session["token"])
            )
            if status != expected:
                raise SystemExit(
                    f"bench: POST {path} answered {status}, not {expected}:\n"
                    f"{answer[:500].decode(errors='replace')}"
                )
    finally:
        connection.close()
    return event_id


def run_event_client(task: EventTask) -> EventClientResult:
    """Post to one session until stop_at: new events, and now and then (replay_share) the exact
    body of one this client was already answered 201 for, which must answer 200."""
    rng = random.Random(task.rng_seed)
    result = EventClientResult(session_id=task.session_id)
    bodies: dict[str, bytes] = {}
    path = f"/api/v1/sessions/{task.session_id}/events"
    headers = event_headers(task.token)
    connection = _connect(task.port)
    time.sleep(max(0.0, task.start_at - time.monotonic()))
    try:
        for _ in range(task.max_requests):
            started = time.perf_counter()
            if started >= task.stop_at:
                break
            measured = started >= task.measure_from
            replay = bool(result.acknowledged) and rng.random() < task.replay_share
            if replay:
                event_id = rng.choice(result.acknowledged)
            else:
                event_id = str(uuid.uuid4())
                bodies[event_id] = event_body(rng, event_id, task.partner_ids)
                result.sent.append(event_id)
            answer = b""
            try:
                code, answer, closing = post_event(connection, path, bodies[event_id], headers)
                status = str(code)
                if closing:
                    connection.close()
                    connection = _connect(task.port)
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = _connect(task.port)
                status = type(exc).__name__
            ended = time.perf_counter()
            expected = "200" if replay else "201"
            if status != expected and len(result.problems) < PROBLEM_EXAMPLES:
                kind = "replay" if replay else "new event"
                text = answer[:300].decode(errors="replace")
                result.problems.append(f"{kind} {event_id}: {status} {text}")
            if replay:
                result.replay_statuses[status] += 1
                if status == "201":
                    result.replayed_as_new.append(event_id)
            else:
                result.new_statuses[status] += 1
                if status in ("200", "201"):
                    result.acknowledged.append(event_id)
            if not measured:
                result.warmup += 1
                continue
            result.last_end = ended
            (result.measured_replays if replay else result.measured_new)[status] += 1
            if status in ("200", "201"):
                latencies = result.replay_latencies_ms if replay else result.new_latencies_ms
                latencies.append((ended - started) * 1000)
    finally:
        connection.close()
    return result


def run_event_load(
    pool: Pool,
    *,
    port: int,
    sessions: Sequence[dict[str, Any]],
    replay_share: float,
    warmup: float,
    seconds: float,
    max_requests: int,
    rng_seed: int,
) -> tuple[dict[str, Any], list[EventClientResult]]:
    """One client per session, all starting together; the figures of the measured window."""
    start_at = time.monotonic() + START_LEAD
    measure_from = start_at + warmup
    stop_at = measure_from + seconds
    tasks = [
        EventTask(
            port=port,
            session_id=session["id"],
            token=session["token"],
            partner_ids=tuple(session["partner_ids"]),
            replay_share=replay_share,
            rng_seed=rng_seed * 1000 + i,
            start_at=start_at,
            measure_from=measure_from,
            stop_at=stop_at,
            max_requests=max_requests,
        )
        for i, session in enumerate(sessions)
    ]
    timeout = START_LEAD + warmup + seconds + 120
    results: list[EventClientResult] = pool.map_async(run_event_client, tasks).get(timeout)
    return summarise(results, measure_from, stop_at), results


def summarise(
    results: Sequence[EventClientResult], measure_from: float, stop_at: float
) -> dict[str, Any]:
    def total(name: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for r in results:
            found.update(getattr(r, name))
        return found

    measured_new, measured_replays = total("measured_new"), total("measured_replays")
    new_statuses, replay_statuses = total("new_statuses"), total("replay_statuses")
    measured = measured_new + measured_replays
    new_ms = sorted(v for r in results for v in r.new_latencies_ms)
    replay_ms = sorted(v for r in results for v in r.replay_latencies_ms)
    all_ms = sorted(new_ms + replay_ms)
    ended = max((r.last_end for r in results if r.last_end), default=stop_at)
    elapsed = max(ended - measure_from, 1e-6)
    answered = measured["201"] + measured["200"]
    per_session = sorted(
        sum(r.measured_new.values()) + sum(r.measured_replays.values()) for r in results
    )
    other = {k: v for k, v in measured.items() if k not in ("200", "201", "409")}
    return {
        "clients": len(results),
        "seconds": round(elapsed, 3),
        "requests": sum(measured.values()),
        "answered": answered,
        "new_events": measured_new["201"],
        "replays": sum(measured_replays.values()),
        "status_201": measured["201"],
        "status_200": measured["200"],
        "status_409": measured["409"],
        "status_other": sum(other.values()),
        "other_kinds": other,
        "requests_per_second": answered / elapsed,
        "events_per_second": measured_new["201"] / elapsed,
        "p50_ms": percentile(all_ms, 0.50),
        "p95_ms": percentile(all_ms, 0.95),
        "p99_ms": percentile(all_ms, 0.99),
        "max_ms": all_ms[-1] if all_ms else math.nan,
        "mean_ms": sum(all_ms) / len(all_ms) if all_ms else math.nan,
        # Requests per session in the window: a wide spread means some sessions waited much
        # longer than others (gunicorn keeps each keep-alive connection on one worker).
        "per_session_min": per_session[0] if per_session else 0,
        "per_session_median": per_session[len(per_session) // 2] if per_session else 0,
        "per_session_max": per_session[-1] if per_session else 0,
        "new_p50_ms": percentile(new_ms, 0.50),
        "new_p95_ms": percentile(new_ms, 0.95),
        "replay_p50_ms": percentile(replay_ms, 0.50),
        "replay_p95_ms": percentile(replay_ms, 0.95),
        "warmup_requests": sum(r.warmup for r in results),
        # The whole run, warm-up included: what the count afterwards is checked against.
        "run_new_statuses": dict(new_statuses),
        "run_replay_statuses": dict(replay_statuses),
        "replays_answered_201": sum(len(r.replayed_as_new) for r in results),
        "new_events_not_201": sum(v for k, v in new_statuses.items() if k != "201"),
        "replays_not_200": sum(v for k, v in replay_statuses.items() if k != "200"),
        "problems": [p for r in results for p in r.problems][:10],
    }


def failures(load: dict[str, Any], count: dict[str, Any]) -> list[str]:
    """Everything that makes the event-write run fail; empty when all is well."""
    checks = (
        ("lost events (answered 201/200, not held)", count["lost"]),
        ("duplicated events", count["duplicated"]),
        ("events held that no client sent", count["unknown"]),
        ("new events not answered 201", load["new_events_not_201"]),
        ("replays not answered 200", load["replays_not_200"]),
        ("events without exactly one audit event", count["events_without_one_audit_event"]),
        (
            "safety alerts raised (the readings are meant to stay below the thresholds)",
            count["safety_alerts"],
        ),
    )
    return [f"{what}: {n:,}" for what, n in checks if n]


def sent_by_session(results: Sequence[EventClientResult]) -> dict[str, dict[str, list[str]]]:
    """What the clients sent and were answered 2xx for, as `count` reads it."""
    return {str(r.session_id): {"sent": r.sent, "acknowledged": r.acknowledged} for r in results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed")
    seed.add_argument("--sessions", type=int, required=True)
    seed.add_argument("--out", required=True)
    profile = commands.add_parser("profile")
    profile.add_argument("--fixture", required=True)
    count = commands.add_parser("count")
    count.add_argument("--fixture", required=True)
    count.add_argument("--sent", required=True)
    args = parser.parse_args(argv)
    handlers = {"seed": command_seed, "profile": command_profile, "count": command_count}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
