"""`make run` as a newcomer meets it: one line saying where to sign in, on the first run and
every run after, and Ctrl-C stopping the server and the worker within a few seconds, every
time: while they start, once they serve, pressed once or twice.

`make demo` is `make run` without the install step; `holdspace run` is its last command."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent / "holdspace"
STOPPED_WITHIN = 6.0  # seconds after Ctrl-C (holdspace.cli.STOP_SECONDS is 4)
READY = re.compile(
    r"^Holdspace is ready: sign in at (http://\S+), where the demo accounts are listed\."
)
GUNICORN = re.compile(r"^\[[^]]+\] \[\d+\] \[INFO\] ")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    tag: str  # in the environment of every process the run starts
    log: Path

    def output(self) -> str:
        return self.log.read_text()

    def processes(self) -> list[int]:
        """The live processes of this run, found by the tag in their environment (whatever
        process group or session they put themselves in)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if f"HOLDSPACE_RUN_TAG={self.tag}".encode() in environ and state != "Z":
                found.append(int(entry.name))
        return found

    def ctrl_c(self, presses: int = 1) -> float:
        """Press Ctrl-C as a terminal does (SIGINT to the foreground process group); the
        seconds until nothing of the run is left."""
        pressed = time.monotonic()
        for press in range(presses):
            if press:
                time.sleep(0.2)
            try:
                os.killpg(self.process.pid, signal.SIGINT)
            except ProcessLookupError:
                break
        while self.processes() and time.monotonic() - pressed < 30:
            time.sleep(0.05)
        took = time.monotonic() - pressed
        self.process.wait(timeout=30)
        return took

    def kill(self) -> None:
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def start(tmp_path_factory: pytest.TempPathFactory) -> Iterator:  # type: ignore[type-arg]
    var = tmp_path_factory.mktemp("run")
    runs: list[Run] = []
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "SITE_URL", "HOST", "EMAIL_HOST", "MAKEFLAGS"}
    }
    env.update(
        {
            "HOLDSPACE_VAR_DIR": str(var),
            "DATABASE_URL": f"sqlite:///{var / 'demo.sqlite3'}",
            "PORT": str(_free_port()),
            "WEB_CONCURRENCY": "1",
        }
    )

    def start(command: list[str]) -> Run:
        tag = uuid.uuid4().hex
        log = var / f"run-{len(runs)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**env, "HOLDSPACE_RUN_TAG": tag},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # as a terminal's foreground job: its own group
            )
        run = Run(process, tag, log)
        runs.append(run)
        return run

    start.env = env  # type: ignore[attr-defined]
    yield start
    for run in runs:
        run.kill()


def _until_ready(run: Run, within: float = 240) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = [m for line in run.output().splitlines() if (m := READY.match(line))]
        if found:
            return found[0].group(1)
        assert run.process.poll() is None, run.output()
        time.sleep(0.2)
    raise AssertionError("never said it was ready:\n" + run.output())


def _make_demo(start) -> Run:  # type: ignore[no-untyped-def]
    return start(["make", "--no-print-directory", "demo"])


def test_it_says_where_to_sign_in_in_one_line_on_the_first_run_and_after(start) -> None:  # type: ignore[no-untyped-def]
    for run_number in range(2):  # the first run loads the demo; the second finds it there
        run = _make_demo(start)
        try:
            sign_in = _until_ready(run)
            assert sign_in == f"http://127.0.0.1:{start.env['PORT']}/accounts/login/"
            with urllib.request.urlopen(sign_in, timeout=10) as page:  # noqa: S310 (loopback)
                html = page.read().decode()
            assert "lead@demo.holdspace.org" in html
            assert "holdspace-demo" in html
            lines = run.output().splitlines()
        finally:
            took = run.ctrl_c()
        assert took < STOPPED_WITHIN, (run_number, took, run.output())
        # Gunicorn's usual start lines and the one line: no e-mails, no migrations.
        ours = [line for line in lines if not GUNICORN.match(line)]
        assert len(ours) == 1, (run_number, lines)
        assert READY.match(ours[0])


def test_it_stops_the_server_and_the_worker_at_ctrl_c_every_time(start) -> None:  # type: ignore[no-untyped-def]
    subprocess.run(
        [str(BIN), "migrate", "--noinput", "--verbosity", "0"],
        env=start.env,
        check=True,
        timeout=300,
    )
    start.env["HOLDSPACE_DEMO"] = "1"
    # While it starts (the children still importing), once it serves, and pressed twice.
    for wait, presses in ((0.3, 1), (1.5, 2), (None, 2)):
        run = start([str(BIN), "run"])
        if wait is None:
            _until_ready(run)
        else:
            time.sleep(wait)
        took = run.ctrl_c(presses)
        assert took < STOPPED_WITHIN, (wait, presses, took, run.output())
        assert run.process.returncode == 128 + signal.SIGINT, run.output()
        assert "Traceback" not in run.output()


def test_it_refuses_a_bad_port_before_starting_anything(start) -> None:  # type: ignore[no-untyped-def]
    start.env["PORT"] = "eighty"
    run = start([str(BIN), "run"])
    assert run.process.wait(timeout=60) == 2
    assert "holdspace run: PORT='eighty' is not a whole number" in run.output()
    assert run.processes() == []
