"""`make bench`: load the production server with a large organisation and compare each page
with a bare Django view on the same server, in the same run; then load it with event writes.

    python bench/run.py [--couples 10000] [--entries 200000] [--clients 8] [--seconds 10]
    python bench/run.py --only events [--event-sessions 50] [--event-seconds 20]

Steps: seed (or reuse) a bench database under var/bench/ (couples, entries, and every
partner's questionnaire responses), count each endpoint's queries, time the cohort query
(program outcomes) in-process, start `holdspace serve` on 127.0.0.1, check each endpoint
answers, load each in turn with concurrent keep-alive clients, stop the server, verify the
audit chain, print the tables and write var/bench/results.json.

Then the event-write benchmark (skip with --no-events; bench/events.py): a database of its own,
a medicine session per client, a server of its own, the bare view at the same concurrency, the
clients posting vitals and notes with a share of replays, then a count of what the server holds
against what the clients were answered. It writes var/bench/events.json. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import events
from load import HOST, PhaseResult, Target, fetch, make_pool, run_phase

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SEED_SCRIPT = ROOT / "bench" / "seed.py"
EVENTS_SCRIPT = ROOT / "bench" / "events.py"
HOLDSPACE = [sys.executable, "-m", "holdspace.cli"]
EXIT_SIZE_MISMATCH = 3
SERVER_START_TIMEOUT = 120.0
LOG_PROBLEMS = ("Traceback", "ERROR", "CRITICAL", "WORKER TIMEOUT", "database is locked")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark Holdspace pages against a bare Django view on the same server.",
    )
    parser.add_argument("--couples", type=int, default=10_000, help="couples to seed")
    parser.add_argument("--entries", type=int, default=200_000, help="entries to seed")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured load first")
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="cap on requests per client per phase"
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, help="threads per worker (WEB_THREADS)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        help="default: postgresql when DATABASE_URL names a PostgreSQL server, else sqlite",
    )
    parser.add_argument("--reseed", action="store_true", help="drop the bench database first")
    parser.add_argument(
        "--no-measures",
        action="store_true",
        help="do not seed questionnaire responses (nor load /outcomes/) when the database has none",
    )
    parser.add_argument(
        "--cohort-clients", type=int, default=2, help="concurrent clients for GET /outcomes/"
    )
    parser.add_argument(
        "--cohort-seconds",
        type=float,
        default=30.0,
        help="measured time for GET /outcomes/ (about a request per second per client)",
    )
    parser.add_argument(
        "--cohort-repeats", type=int, default=7, help="in-process calls of program_outcomes()"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip counting queries")
    parser.add_argument("--no-verify", action="store_true", help="skip `holdspace audit verify`")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    parser.add_argument("--seed", type=int, default=42, help="random seed for data and paths")
    parser.add_argument(
        "--only", choices=("pages", "events"), help="run only the pages or only the event writes"
    )
    parser.add_argument("--no-events", action="store_true", help="skip the event-write benchmark")
    parser.add_argument(
        "--event-sessions",
        type=int,
        default=50,
        help="medicine sessions posting events at once, one client each",
    )
    parser.add_argument(
        "--event-seconds", type=float, default=20.0, help="measured time of the event writes"
    )
    parser.add_argument(
        "--event-replay",
        type=float,
        default=0.01,
        help="share of event requests that replay an event the client already sent",
    )
    parser.add_argument(
        "--events-out", type=Path, default=BENCH_DIR / "events.json", help="event-write results"
    )
    args = parser.parse_args(argv)
    if args.only == "events" and args.no_events:
        parser.error("--only events and --no-events leave nothing to run")
    if args.event_sessions < 1 or args.event_seconds <= 0:
        parser.error("--event-sessions must be at least 1 and --event-seconds positive")
    if not 0 <= args.event_replay < 1:
        parser.error("--event-replay is a share: at least 0 and below 1")
    for name in ("couples", "clients", "max_requests", "cohort_clients", "cohort_repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.entries < 0 or args.seconds <= 0 or args.cohort_seconds <= 0 or args.warmup < 0:
        parser.error("--entries, --seconds, --cohort-seconds and --warmup must be positive")
    return args


# The bench database ------------------------------------------------------------------


class BenchDatabase:
    """A database of its own for each size, so the developer's demo database is untouched."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        # This run's sign-ins and couple ids, written by seed.py.
        self.fixture_path = BENCH_DIR / f"{self.name}-{kind}.json"
        if kind == "sqlite":
            self.path = BENCH_DIR / f"{self.name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            server = os.environ.get("DATABASE_URL", "")
            if not server.startswith(("postgres://", "postgresql://")):
                server = "postgresql://postgres@127.0.0.1:5432/postgres"
            parts = urlsplit(server)
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
            self.maintenance_url = urlunsplit(parts._replace(path="/postgres"))

    def describe(self) -> str:
        if self.kind == "sqlite":
            return str(self.path.relative_to(ROOT))
        return f"PostgreSQL database {self.name}"

    def ensure(self) -> None:
        if self.kind == "postgresql":
            with self._maintenance() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            with self._maintenance() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @contextmanager
    def _maintenance(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.maintenance_url, autocommit=True) as connection:
            with connection.cursor() as cursor:
                yield cursor


def choose_database(args: argparse.Namespace, name: str | None = None) -> BenchDatabase:
    """The pages' database for this size, or the database called NAME, on SQLite or on the
    PostgreSQL server DATABASE_URL names."""
    kind = args.database
    if kind is None:
        url = os.environ.get("DATABASE_URL", "")
        kind = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    return BenchDatabase(kind, name or f"holdspace_bench_c{args.couples}_e{args.entries}")


def bench_environment(
    database: BenchDatabase, port: int, args: argparse.Namespace
) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("ACCESS_LOG", "SECURE_SSL_REDIRECT", "BEHIND_TLS_PROXY", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        HOLDSPACE_VAR_DIR=str(BENCH_DIR),
        DATABASE_URL=database.url,
        HOLDSPACE_BENCH_VIEWS="1",
        # Production settings: no demo mode, no DEBUG (which would also record every query).
        HOLDSPACE_DEMO="0",
        DEBUG="0",
        HOST=HOST,
        PORT=str(port),
        ALLOWED_HOSTS=HOST,
        PYTHONUNBUFFERED="1",
    )
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["WEB_THREADS"] = str(args.threads)
    return env


def run_checked(command: Sequence[str], env: Mapping[str, str], what: str) -> str:
    done = subprocess.run(
        list(command), env=dict(env), cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench: {what} failed (exit {done.returncode})")
    return done.stdout


def seed(
    database: BenchDatabase, env: Mapping[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    fixture_path = database.fixture_path
    command = [
        sys.executable,
        str(SEED_SCRIPT),
        "seed",
        f"--couples={args.couples}",
        f"--entries={args.entries}",
        f"--clients={args.clients}",
        f"--seed={args.seed}",
        f"--out={fixture_path}",
    ]
    if args.no_measures:
        command.append("--no-measures")
    done = subprocess.run(command, env=dict(env), cwd=ROOT, check=False)
    if done.returncode == EXIT_SIZE_MISMATCH:
        raise SystemExit("bench: run again with --reseed to rebuild the bench database")
    if done.returncode != 0:
        raise SystemExit(f"bench: seeding failed (exit {done.returncode})")
    fixture: dict[str, Any] = json.loads(fixture_path.read_text(encoding="utf-8"))
    return fixture


def audit_event_count(env: Mapping[str, str]) -> int:
    out = run_checked([sys.executable, str(SEED_SCRIPT), "stats"], env, "counting audit events")
    return int(json.loads(out)["audit_events"])


# The server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """`holdspace serve` in its own process group, so stopping it stops every worker."""

    def __init__(self, env: Mapping[str, str], port: int, log_path: Path) -> None:
        self.env, self.port, self.log_path = dict(env), port, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*HOLDSPACE, "serve"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: the server exited at start:\n{self.log_tail()}")
            try:
                status, _body, _location = fetch(self.port, "/healthz", {})
            except OSError:
                status = 0
            if status == 200:
                return
            time.sleep(0.25)
        raise SystemExit(f"bench: the server did not answer /healthz:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        group = process.pid  # start_new_session made the server its group's leader
        try:
            os.killpg(group, signal.SIGTERM)
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's process group (gunicorn and its workers)."""
        if self.process is None:
            return math.nan
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended while we looked
            if int(fields[2]) == self.process.pid:  # fields[2] is the process group
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK") if total else math.nan

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def log_problems(self) -> dict[str, Any]:
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        counts = {word: sum(word in line for line in text) for word in LOG_PROBLEMS}
        examples = [line for line in text if any(word in line for word in LOG_PROBLEMS)][:10]
        return {"counts": {k: v for k, v in counts.items() if v}, "examples": examples}


def cpu_snapshot(server: Server) -> dict[str, float]:
    """CPU seconds used so far by the whole machine (all cores, idle and I/O wait left out),
    by PostgreSQL's processes and by the harness's client processes, to tell where the CPU
    of a phase went besides the server."""
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat", encoding="ascii") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, stat.readline().split()[1:9]
        )
    found = {"machine": user + nice + system + irq + softirq + steal, "database": 0, "clients": 0}
    server_pid = server.process.pid if server.process else -1
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = path.read_text()
            fields = text.rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        used = int(fields[11]) + int(fields[12])  # utime, stime
        if text[text.find("(") + 1 : text.rfind(")")] == "postgres":
            found["database"] += used
        elif int(fields[1]) == os.getpid() and int(path.parent.name) != server_pid:
            found["clients"] += used  # fields[1] is the parent
    return {name: ticks / tick for name, ticks in found.items()}


def _stop_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# Endpoints ----------------------------------------------------------------------------


def targets(fixture: Mapping[str, Any], args: argparse.Namespace) -> list[Target]:
    cookie = fixture["session_cookie"]
    staff = [{"Cookie": f"{cookie}={key}"} for key in fixture["sessions"]]
    api = [{"Authorization": f"Bearer {fixture['token']}", "Accept": "application/json"}]
    ids: list[int] = fixture["couple_ids"]
    pages = range(1, fixture["console_pages"] + 1)
    measures = bool(fixture.get("measures"))
    # The same page either way; with responses seeded it draws a chart per instrument.
    couple_label = "couple page with charts" if measures else "couple page (no measures)"
    found = [
        Target("bare", "bare Django view", ["/bench/bare"], [{}]),
        Target("couples_list", "couples list", [f"/console/?page={n}" for n in pages], staff),
        Target("couple_page", couple_label, [f"/couples/{i}/" for i in ids], staff),
        Target(
            "entries_api",
            "GET /api/v1/couples/{id}/entries",
            [f"/api/v1/couples/{i}/entries" for i in ids],
            api,
        ),
    ]
    if measures:
        found.append(
            Target(
                "outcomes",
                f"GET /outcomes/ ({args.cohort_clients} clients)",
                ["/outcomes/"],
                staff,
                clients=args.cohort_clients,
                seconds=args.cohort_seconds,
            )
        )
    return found


def check(port: int, target: Target) -> None:
    """One request to each endpoint before loading it, so a bad setup fails loudly."""
    path = target.paths[len(target.paths) // 2]
    status, body, location = fetch(port, path, target.headers[0])
    problem = ""
    if status != 200:
        problem = f"answered {status}" + (f" (to {location})" if location else "")
    elif target.name == "entries_api" and b'"items"' not in body:
        problem = "answered without an items list"
    elif target.name == "couples_list" and b"couple-rows" not in body:
        problem = "answered without the couples table"
    elif target.name == "couple_page" and target.label.endswith("charts") and b"<svg" not in body:
        problem = "answered without a chart"
    elif target.name == "outcomes" and (
        b'class="couples outcomes"' not in body or b"<td colspan" in body
    ):
        problem = "answered without the outcomes of any instrument"
    if problem:
        raise SystemExit(f"bench: {path} {problem}:\n{body[:500].decode(errors='replace')}")


# Report -------------------------------------------------------------------------------


def _ratio(value: float, base: float) -> float:
    return value / base if base and not math.isnan(base) and not math.isnan(value) else math.nan


def with_ratios(results: Sequence[PhaseResult]) -> list[dict[str, Any]]:
    bare = results[0]
    rows = []
    for result in results:
        row = result.as_dict()
        row["p50_vs_bare"] = _ratio(result.p50_ms, bare.p50_ms)
        row["p95_vs_bare"] = _ratio(result.p95_ms, bare.p95_ms)
        row["rps_vs_bare"] = _ratio(result.rps, bare.rps)
        rows.append(row)
    return rows


def _fmt(value: float, digits: int = 1, suffix: str = "") -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}{suffix}"


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """A Markdown table that also reads well in a terminal: first column left, rest right."""
    lines = [tuple(header), *(tuple(line) for line in body)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for number, line in enumerate(lines):
        cells = [
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("| " + " | ".join(cells) + " |")
        if number == 0:
            rules = ("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths))
            out.append("|" + "|".join(rules) + "|")
    return "\n".join(out)


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    header = (
        *("endpoint", "p50 ms", "p95 ms", "req/s", "errors"),
        *("p50 vs bare", "p95 vs bare", "req/s vs bare"),
    )
    body = [
        (
            row["label"],
            _fmt(row["p50_ms"]),
            _fmt(row["p95_ms"]),
            _fmt(row["rps"], 0),
            f"{row['errors']:,}",
            _fmt(row["p50_vs_bare"], 1, "×"),
            _fmt(row["p95_vs_bare"], 1, "×"),
            _fmt(row["rps_vs_bare"], 3),
        )
        for row in rows
    ]
    return _table(header, body)


def detail_table(rows: Sequence[Mapping[str, Any]]) -> str:
    header = (
        *("endpoint", "p99 ms", "max ms", "server CPU ms/req", "server cores busy"),
        *("audit events/req", "bytes/resp"),
    )
    body = [
        (
            row["label"],
            _fmt(row["p99_ms"]),
            _fmt(row["max_ms"]),
            _fmt(row["server_cpu_ms_per_request"], 2),
            _fmt(row["server_cpu_cores_busy"], 2),
            _fmt(row["audit_events_per_request"], 2),
            _fmt(row["mean_bytes"], 0),
        )
        for row in rows
    ]
    return _table(header, body)


def profile_table(profile: Mapping[str, Mapping[str, Any]], labels: Mapping[str, str]) -> str:
    header = ("endpoint", "queries", "of which writes", "SQL ms", "request ms", "slowest query ms")
    body = [
        (
            labels.get(name, name),
            str(row["queries"]),
            str(row["writes"]),
            _fmt(row["sql_ms"], 2),
            _fmt(row["request_ms"]),
            _fmt(row["slowest_ms"], 2),
        )
        for name, row in profile.items()
    ]
    return _table(header, body)


def cohort_table(cohort: Mapping[str, Mapping[str, Any]], responses: int) -> str:
    header = ("in-process, one call", "min ms", "median ms", "max ms", "SQL ms", "queries")
    names = {
        "program_outcomes": f"program_outcomes(), {responses:,} responses",
        "couple_measures": "couple_measures(), one couple's charts",
    }
    body = [
        (
            names.get(name, name),
            _fmt(row["min_ms"]),
            _fmt(row["median_ms"]),
            _fmt(row["max_ms"]),
            _fmt(row["sql_ms_median"]),
            str(row["queries"]),
        )
        for name, row in cohort.items()
    ]
    return _table(header, body)


def outcomes_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """What program_outcomes() answered, to show the seeded trajectories are plausible."""

    def share(value: float | None) -> str:
        return "n/a" if value is None else f"{value * 100:.1f} %"

    header = ("instrument", "partners", "mean baseline", "mean latest", "mean change")
    header += ("reliably improved", "reliably worse")
    body = [
        (
            row["instrument"],
            f"{row['partners']:,}",
            _fmt(row["mean_baseline"]),
            _fmt(row["mean_latest"]),
            _fmt(row["mean_change"], 1),
            share(row["improved"]),
            share(row["deteriorated"]),
        )
        for row in rows
    ]
    return _table(header, body)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


# Main ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    status = 0
    if args.only != "events":
        status = run_pages(args)
    if args.only != "pages" and not args.no_events:
        if args.only is None:
            print(flush=True)
        status = max(status, run_events(args))
    return status


def audit_verify(env: Mapping[str, str]) -> dict[str, Any]:
    """`holdspace audit verify` on the bench database: its exit status and the end of its output."""
    done = subprocess.run(
        [*HOLDSPACE, "audit", "verify"],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return {"exit": done.returncode, "output": (done.stdout + done.stderr).strip()[-2000:]}


def run_pages(args: argparse.Namespace) -> int:
    database = choose_database(args)
    port = args.port or free_port()
    env = bench_environment(database, port, args)
    started_at = datetime.now(UTC)

    if args.reseed:
        database.drop()
    database.ensure()
    print(f"Bench database: {database.describe()}", flush=True)
    run_checked([*HOLDSPACE, "migrate", "--noinput"], env, "migrate")
    begun = time.perf_counter()
    fixture = seed(database, env, args)
    prepare_seconds = time.perf_counter() - begun
    all_targets = targets(fixture, args)
    labels = {t.name: t.label for t in all_targets}
    fixture_arg = f"--fixture={database.fixture_path}"
    measures = int(fixture.get("measures") or 0)

    profile: dict[str, Any] = {}
    if not args.no_profile:
        # The pages need the static manifest, which `holdspace serve` would only write later.
        run_checked([*HOLDSPACE, "collectstatic", "--noinput", "-v0"], env, "collectstatic")
        out = run_checked(
            [sys.executable, str(SEED_SCRIPT), "profile", fixture_arg], env, "profiling queries"
        )
        profile = json.loads(out)

    cohort: dict[str, Any] = {}
    if measures:
        print(f"Timing the cohort query in-process ({args.cohort_repeats} calls) …", flush=True)
        out = run_checked(
            [
                *(sys.executable, str(SEED_SCRIPT), "cohort", fixture_arg),
                f"--repeats={args.cohort_repeats}",
            ],
            env,
            "timing the cohort query",
        )
        cohort = json.loads(out)

    server = Server(env, port, BENCH_DIR / "server.log")
    pool = None
    results: list[PhaseResult] = []
    audit_per_request: dict[str, float] = {}
    server_cpu: dict[str, tuple[float, float]] = {}
    try:
        print(f"Starting the server on http://{HOST}:{port} …", flush=True)
        server.start()
        for target in all_targets:
            check(port, target)
        pool = make_pool(max(t.clients or args.clients for t in all_targets))
        for number, target in enumerate(all_targets):
            clients = target.clients or args.clients
            seconds = target.seconds or args.seconds
            before = audit_event_count(env)
            cpu_before, wall_before = server.cpu_seconds(), time.monotonic()
            print(
                f"Loading {target.label}: {clients} clients, {args.warmup:g} s warm-up, "
                f"{seconds:g} s measured …",
                flush=True,
            )
            result = run_phase(
                pool,
                port=port,
                target=target,
                clients=clients,
                warmup=args.warmup,
                seconds=seconds,
                max_requests=args.max_requests,
                rng_seed=args.seed + number,
            )
            results.append(result)
            cpu, wall = server.cpu_seconds() - cpu_before, time.monotonic() - wall_before
            sent = result.ok + result.errors + result.warmup_requests
            server_cpu[target.name] = (cpu * 1000 / max(sent, 1), cpu / wall)
            audit_per_request[target.name] = (audit_event_count(env) - before) / max(sent, 1)
            print(
                f"  {result.ok:,} ok, {result.errors:,} errors, p50 {_fmt(result.p50_ms)} ms, "
                f"p95 {_fmt(result.p95_ms)} ms, {_fmt(result.rps, 0)} req/s",
                flush=True,
            )
    finally:
        try:
            server.stop()
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()

    verify: dict[str, Any] = {"skipped": True} if args.no_verify else audit_verify(env)

    rows = with_ratios(results)
    for row in rows:
        row["audit_events_per_request"] = round(audit_per_request.get(row["name"], math.nan), 3)
        cpu_ms, cores = server_cpu.get(row["name"], (math.nan, math.nan))
        row["server_cpu_ms_per_request"] = round(cpu_ms, 2)
        row["server_cpu_cores_busy"] = round(cores, 2)
    log = server.log_problems()
    seed_seconds = fixture.get("seed_seconds")
    measures_seconds = fixture.get("measures_seed_seconds")
    report = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "config": {
            "couples": fixture["couples"],
            "entries": fixture["entries"],
            "clients": args.clients,
            "cohort_clients": args.cohort_clients if measures else None,
            "cohort_seconds": args.cohort_seconds if measures else None,
            "cohort_repeats": args.cohort_repeats if measures else None,
            "measures": measures,
            "measure_instruments": fixture.get("measure_instruments", []),
            "measure_timepoints": fixture.get("measure_timepoints", []),
            "safety_alerts": fixture.get("safety_alerts", 0),
            "open_safety_alerts": fixture.get("open_safety_alerts", 0),
            "seconds": args.seconds,
            "warmup": args.warmup,
            "workers": env.get("WEB_CONCURRENCY", "2 (holdspace serve default)"),
            "threads": env.get("WEB_THREADS", "4 (holdspace serve default)"),
        },
        "environment": {
            "database": fixture["vendor"],
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "seed": {
            "seconds": seed_seconds,
            "cached": seed_seconds is None,
            "measures_seconds": measures_seconds,
            "measures_cached": measures_seconds is None,
            "prepare_seconds": round(prepare_seconds, 1),
        },
        "results": rows,
        "cohort": cohort,
        "profile": profile,
        "audit_verify": verify,
        "server_log": log,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_json_safe(report), indent=2) + "\n", encoding="utf-8")

    config = report["config"]
    assert isinstance(config, dict)
    cohort_phase = (
        f" (/outcomes/: {args.cohort_clients} clients, {args.cohort_seconds:g} s)"
        if measures
        else ""
    )
    print()
    print(
        f"{config['couples']:,} couples, {config['entries']:,} entries on {fixture['vendor']}; "
        f"{args.clients} clients, {args.seconds:g} s per endpoint"
        f"{cohort_phase}; gunicorn "
        f"{config['workers']} workers × {config['threads']} threads; {os.cpu_count()} CPUs "
        f"shared by server and clients."
    )
    seeded = "reused" if seed_seconds is None else f"seeded in {seed_seconds:.1f} s"
    if measures:
        answered = "reused" if measures_seconds is None else f"seeded in {measures_seconds:.1f} s"
        seeded += (
            f"; {measures:,} questionnaire responses "
            f"({len(config['measure_instruments'])} instruments × "
            f"{len(config['measure_timepoints'])} timepoints per partner, "
            f"{config['safety_alerts']:,} safety alerts of which "
            f"{config['open_safety_alerts']:,} open) {answered}"
        )
    else:
        seeded += "; no questionnaire responses"
    print(f"Data {seeded}.")
    print()
    print(markdown_table(rows))
    for row in rows:
        if row["errors"]:
            print(f"  {row['label']} errors: {row['error_kinds']}")
    print()
    print(detail_table(rows))
    if profile:
        print()
        print("One request of each, through Django's test client on the same data:")
        print(profile_table(profile, labels))
    if cohort:
        print()
        print(f"The cohort query and the charts, in-process ({args.cohort_repeats} calls each):")
        print(cohort_table(cohort, measures))
        print()
        print("What program_outcomes() answered:")
        print(outcomes_table(cohort["program_outcomes"]["rows"]))
    print()
    if not verify.get("skipped"):
        state = "intact" if verify["exit"] == 0 else "PROBLEM"
        print(f"Audit chain after the run: {state}: {verify['output'].splitlines()[-1:]}")
    if log["counts"]:
        print(f"Server log problems ({server.log_path.relative_to(ROOT)}): {log['counts']}")
    print(f"Results written to {args.out}")
    failed = any(row["errors"] for row in rows) or verify.get("exit", 0) != 0
    return 1 if failed else 0


# Event writes -------------------------------------------------------------------------


def event_tables(bare: Mapping[str, Any], load: Mapping[str, Any], count: Mapping[str, Any]) -> str:
    label = f"POST /api/v1/sessions/{{id}}/events ({load['clients']} clients)"
    row = {
        "label": label,
        "p50_ms": load["p50_ms"],
        "p95_ms": load["p95_ms"],
        "rps": load["requests_per_second"],
        "errors": load["status_409"] + load["status_other"],
        "p50_vs_bare": _ratio(load["p50_ms"], bare["p50_ms"]),
        "p95_vs_bare": _ratio(load["p95_ms"], bare["p95_ms"]),
        "rps_vs_bare": _ratio(load["requests_per_second"], bare["rps"]),
    }
    header = ("sessions", "requests/s", "new events/s", "p50 ms", "p95 ms")
    header += ("201", "200", "409", "other", "lost", "duplicated")
    body = [
        (
            str(load["clients"]),
            _fmt(load["requests_per_second"]),
            _fmt(load["events_per_second"]),
            _fmt(load["p50_ms"]),
            _fmt(load["p95_ms"]),
            f"{load['status_201']:,}",
            f"{load['status_200']:,}",
            f"{load['status_409']:,}",
            f"{load['status_other']:,}",
            f"{count['lost']:,}",
            f"{count['duplicated']:,}",
        )
    ]
    return markdown_table([bare, row]) + "\n\n" + _table(header, body)


def run_events(args: argparse.Namespace) -> int:
    database = choose_database(args, events.DATABASE_NAME)
    port = args.port or free_port()
    env = bench_environment(database, port, args)
    if args.reseed:
        database.drop()
    database.ensure()
    print(f"Event writes: bench database {database.describe()}", flush=True)
    run_checked([*HOLDSPACE, "migrate", "--noinput"], env, "migrate")
    run_checked(
        [
            *(sys.executable, str(EVENTS_SCRIPT), "seed"),
            f"--sessions={args.event_sessions}",
            f"--out={database.fixture_path}",
        ],
        env,
        "seeding the medicine sessions",
    )
    fixture = json.loads(database.fixture_path.read_text(encoding="utf-8"))
    sessions = fixture["sessions"]
    clients = len(sessions)
    print(
        f"{clients} new medicine sessions, each with its own facilitator and API token, "
        f"in {fixture['seed_seconds']:.1f} s ({fixture['events_before']:,} events held before).",
        flush=True,
    )
    profile: dict[str, Any] = {}
    if not args.no_profile:
        out = run_checked(
            [
                *(sys.executable, str(EVENTS_SCRIPT), "profile"),
                f"--fixture={database.fixture_path}",
            ],
            env,
            "profiling an event write",
        )
        profile = json.loads(out)

    server = Server(env, port, BENCH_DIR / "server-events.log")
    pool = None
    try:
        print(f"Starting the server on http://{HOST}:{port} …", flush=True)
        server.start()
        checked = events.check_events(port, sessions[0])
        pool = make_pool(clients)
        bare_target = Target("bare", f"bare Django view ({clients} clients)", ["/bench/bare"], [{}])
        print(
            f"Loading {bare_target.label}: {args.warmup:g} s warm-up, {args.seconds:g} s "
            "measured …",
            flush=True,
        )
        bare = run_phase(
            pool,
            port=port,
            target=bare_target,
            clients=clients,
            warmup=args.warmup,
            seconds=args.seconds,
            max_requests=args.max_requests,
            rng_seed=args.seed,
        )
        print(
            f"Posting events: {clients} sessions, {args.event_replay:.1%} replays, "
            f"{args.warmup:g} s warm-up, {args.event_seconds:g} s measured …",
            flush=True,
        )
        cpu_before, wall_before = server.cpu_seconds(), time.monotonic()
        others_before = cpu_snapshot(server)
        load, results = events.run_event_load(
            pool,
            port=port,
            sessions=sessions,
            replay_share=args.event_replay,
            warmup=args.warmup,
            seconds=args.event_seconds,
            max_requests=args.max_requests,
            rng_seed=args.seed,
        )
        cpu, wall = server.cpu_seconds() - cpu_before, time.monotonic() - wall_before
        others = {k: v - others_before[k] for k, v in cpu_snapshot(server).items()}
    finally:
        try:
            server.stop()
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()

    sent = events.sent_by_session(results)
    first = sent.setdefault(str(sessions[0]["id"]), {"sent": [], "acknowledged": []})
    first["sent"].append(checked)
    first["acknowledged"].append(checked)
    sent_path = BENCH_DIR / f"{database.name}-{database.kind}-sent.json"
    sent_path.write_text(json.dumps(sent), encoding="utf-8")
    count = json.loads(
        run_checked(
            [
                *(sys.executable, str(EVENTS_SCRIPT), "count"),
                f"--fixture={database.fixture_path}",
                f"--sent={sent_path}",
            ],
            env,
            "counting the events held",
        )
    )
    count["duplicated"] = count["duplicate_rows"] + load["replays_answered_201"]
    sent_requests = load["requests"] + load["warmup_requests"]
    load["server_cpu_ms_per_request"] = cpu * 1000 / max(sent_requests, 1)
    load["server_cpu_cores_busy"] = cpu / wall
    for name, used in others.items():
        load[f"{name}_cpu_cores_busy"] = used / wall
    verify: dict[str, Any] = {"skipped": True} if args.no_verify else audit_verify(env)
    log = server.log_problems()
    bare_row = with_ratios([bare])[0]
    failures = events.failures(load, count)
    if verify.get("exit", 0) != 0:
        failures.append("the audit chain does not verify")
    report = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "sessions": clients,
            "seconds": args.event_seconds,
            "warmup": args.warmup,
            "bare_seconds": args.seconds,
            "replay_share": args.event_replay,
            "note_share": events.NOTE_SHARE,
            "workers": env.get("WEB_CONCURRENCY", "2 (holdspace serve default)"),
            "threads": env.get("WEB_THREADS", "4 (holdspace serve default)"),
        },
        "environment": {
            "database": fixture["vendor"],
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "bare": bare_row,
        "events": load,
        "count": count,
        "profile": profile,
        "failures": failures,
        "audit_verify": verify,
        "server_log": log,
    }
    args.events_out.parent.mkdir(parents=True, exist_ok=True)
    args.events_out.write_text(json.dumps(_json_safe(report), indent=2) + "\n", encoding="utf-8")

    print()
    print(
        f"Event writes on {fixture['vendor']}: {clients} medicine sessions posting at once "
        f"({1 - events.NOTE_SHARE:.0%} vitals, {events.NOTE_SHARE:.0%} notes, "
        f"{args.event_replay:.1%} replays), {args.event_seconds:g} s measured; gunicorn "
        f"{report['config']['workers']} workers × {report['config']['threads']} threads; "
        f"{os.cpu_count()} CPUs shared by server and clients."
    )
    print()
    print(event_tables(bare_row, load, count))
    print()
    print(
        f"p99 {_fmt(load['p99_ms'])} ms, max {_fmt(load['max_ms'])} ms; new events p50/p95 "
        f"{_fmt(load['new_p50_ms'])}/{_fmt(load['new_p95_ms'])} ms, replays "
        f"{_fmt(load['replay_p50_ms'])}/{_fmt(load['replay_p95_ms'])} ms; server CPU "
        f"{_fmt(load['server_cpu_ms_per_request'], 2)} ms/request "
        f"({_fmt(load['server_cpu_cores_busy'], 2)} cores busy); requests per session "
        f"{load['per_session_min']:,} / {load['per_session_median']:,} / "
        f"{load['per_session_max']:,} (min / median / max)."
    )
    database_busy = (
        f", PostgreSQL {_fmt(load['database_cpu_cores_busy'], 2)}"
        if database.kind == "postgresql"
        else ""
    )
    print(
        f"Cores busy while posting: {_fmt(load['machine_cpu_cores_busy'], 2)} of "
        f"{os.cpu_count()} in all, the server {_fmt(load['server_cpu_cores_busy'], 2)}"
        f"{database_busy}, the clients {_fmt(load['clients_cpu_cores_busy'], 2)}; "
        "the rest is anything else the machine was doing."
    )
    print(
        f"Held after the run: {count['held']:,} events in these sessions, "
        f"{count['audit_events']:,} of their audit events, {count['safety_alerts']:,} alerts; "
        f"{count['unacknowledged_held']:,} held and {count['unacknowledged_missing']:,} not held "
        "of the events whose request failed."
    )
    if load["other_kinds"]:
        print(f"  other answers: {load['other_kinds']}")
    if profile:
        print()
        print(f"One request through Django's test client (median of {events.PROFILE_REQUESTS}):")
        header = ("request", "queries", "of which writes", "SQL ms", "request ms")
        body = [
            (
                name,
                str(row["queries"]),
                str(row["writes"]),
                _fmt(row["sql_ms"], 2),
                _fmt(row["request_ms"]),
            )
            for name, row in profile.items()
        ]
        print(_table(header, body))
        print()
    for problem in load["problems"] + count["examples"]:
        print(f"  {problem}")
    if not verify.get("skipped"):
        state = "intact" if verify["exit"] == 0 else "PROBLEM"
        print(f"Audit chain after the run: {state}: {verify['output'].splitlines()[-1:]}")
    if log["counts"]:
        print(f"Server log problems ({server.log_path.relative_to(ROOT)}): {log['counts']}")
    for failure in failures:
        print(f"FAILED: {failure}")
    print(f"Results written to {args.events_out}")
    return 1 if failures or bare.errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nbench: interrupted; the server was stopped.", file=sys.stderr)
        sys.exit(130)
