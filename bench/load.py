"""Concurrent keep-alive HTTP clients against 127.0.0.1, one process per client.

Each client holds one HTTP/1.1 connection, sends a request, reads the whole answer, and
sends the next, so the concurrency is exactly the number of clients. Processes rather than
threads keep the clients' own Python work from queueing behind one GIL. Every loop is bounded
by time and by count.
"""

from __future__ import annotations

import http.client
import math
import multiprocessing
import random
import signal
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from typing import Any

HOST = "127.0.0.1"  # the only address the harness ever talks to
REQUEST_TIMEOUT = 30.0
# Clients start together a moment after the phase is handed out, once every process has it.
START_LEAD = 0.3


@dataclass(frozen=True)
class Target:
    """One endpoint: the paths a request picks from at random, and each client's headers."""

    name: str
    label: str
    paths: Sequence[str]
    headers: Sequence[Mapping[str, str]]  # client i uses headers[i % len(headers)]
    clients: int | None = None  # fewer clients than the run's for a heavy page; None: the run's
    seconds: float | None = None  # a longer measured window for a slow page; None: the run's


@dataclass(frozen=True)
class ClientTask:
    port: int
    paths: Sequence[str]
    headers: Mapping[str, str]
    rng_seed: int
    start_at: float  # time.monotonic() values, the same clock in every process on Linux
    measure_from: float
    stop_at: float
    max_requests: int


@dataclass
class ClientResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)  # measured non-200s and failures
    ok: int = 0
    warmup: int = 0
    body_bytes: int = 0
    last_end: float = 0.0


@dataclass(frozen=True)
class PhaseResult:
    name: str
    label: str
    clients: int
    seconds: float
    ok: int
    errors: int
    error_kinds: dict[str, int]
    warmup_requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    rps: float
    mean_bytes: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _client_signals() -> None:
    # Ctrl-C is the parent's to handle: it stops the server and then the pool. SIGTERM, which
    # Pool.terminate sends, must simply end a client, not run the parent's handler it inherited.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)


def run_client(task: ClientTask) -> ClientResult:
    rng = random.Random(task.rng_seed)
    result = ClientResult()
    headers = {"Accept-Encoding": "identity", **task.headers}
    connection = _connect(task.port)
    time.sleep(max(0.0, task.start_at - time.monotonic()))
    try:
        for _ in range(task.max_requests):
            started = time.perf_counter()
            if started >= task.stop_at:
                break
            measured = started >= task.measure_from
            try:
                connection.request("GET", rng.choice(task.paths), headers=headers)
                response = connection.getresponse()
                body = response.read()
                status = response.status
                if response.will_close:
                    connection.close()
                    connection = _connect(task.port)
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = _connect(task.port)
                if measured:
                    result.statuses[type(exc).__name__] += 1
                continue
            ended = time.perf_counter()
            if not measured:
                result.warmup += 1
                continue
            result.last_end = ended
            if status == 200:
                result.ok += 1
                result.latencies_ms.append((ended - started) * 1000)
                result.body_bytes += len(body)
            else:
                result.statuses[str(status)] += 1
    finally:
        connection.close()
    return result


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (nan when there are none)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def make_pool(clients: int) -> Pool:
    return multiprocessing.get_context("fork").Pool(processes=clients, initializer=_client_signals)


def run_phase(
    pool: Pool,
    *,
    port: int,
    target: Target,
    clients: int,
    warmup: float,
    seconds: float,
    max_requests: int,
    rng_seed: int,
) -> PhaseResult:
    now = time.monotonic()
    start_at = now + START_LEAD
    measure_from = start_at + warmup
    stop_at = measure_from + seconds
    tasks = [
        ClientTask(
            port=port,
            paths=target.paths,
            headers=target.headers[i % len(target.headers)],
            rng_seed=rng_seed * 1000 + i,
            start_at=start_at,
            measure_from=measure_from,
            stop_at=stop_at,
            max_requests=max_requests,
        )
        for i in range(clients)
    ]
    results = pool.map_async(run_client, tasks).get(timeout=START_LEAD + warmup + seconds + 120)
    latencies = sorted(value for r in results for value in r.latencies_ms)
    statuses: Counter[str] = Counter()
    for r in results:
        statuses.update(r.statuses)
    ok = sum(r.ok for r in results)
    ended = max((r.last_end for r in results if r.last_end), default=stop_at)
    elapsed = max(ended - measure_from, 1e-6)
    return PhaseResult(
        name=target.name,
        label=target.label,
        clients=clients,
        seconds=round(elapsed, 3),
        ok=ok,
        errors=sum(statuses.values()),
        error_kinds=dict(statuses),
        warmup_requests=sum(r.warmup for r in results),
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
        mean_ms=sum(latencies) / len(latencies) if latencies else math.nan,
        max_ms=latencies[-1] if latencies else math.nan,
        rps=ok / elapsed,
        mean_bytes=sum(r.body_bytes for r in results) / ok if ok else 0.0,
    )


def fetch(port: int, path: str, headers: Mapping[str, str]) -> tuple[int, bytes, str]:
    """One request, for checking an endpoint before loading it: status, body, Location."""
    connection = _connect(port)
    try:
        connection.request("GET", path, headers=dict(headers))
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Location") or ""
    finally:
        connection.close()
