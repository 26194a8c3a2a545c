"""The background worker, for real: `holdspace worker` runs as its own process on the test
database, registers the nightly credentials sweep and the reminders, and runs queued tasks."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule, Success
from django_q.tasks import async_task

from holdspace.conftest import build_cast
from holdspace.facilitators.models import Credential, ExpiryWarning
from holdspace.reminders.models import Reminder
from holdspace.worker import ensure_schedules

BIN = Path(sys.executable).parent / "holdspace"


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgresql://{user}@{host}:{port}/{settings['NAME']}"


def _start(tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "holdspace.settings",
        "DATABASE_URL": _database_url(),
        "HOLDSPACE_VAR_DIR": str(tmp_path),
        "SECRET_KEY": settings.SECRET_KEY,  # task payloads are signed with it
        "HOLDSPACE_AUDIT_KEY": settings.AUDIT_KEY,
    }
    log = (tmp_path / "worker.log").open("ab")
    try:
        return subprocess.Popen(
            [str(BIN), "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()


def _stop(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=3)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=5)


def _wait(worker: subprocess.Popen[bytes], tmp_path: Path, done, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while not done():
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        assert time.monotonic() < deadline, f"{what}\n" + (tmp_path / "worker.log").read_text()
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_it_registers_the_nightly_sweep_and_runs_queued_tasks(tmp_path: Path) -> None:
    cast = build_cast()
    credential = Credential.objects.filter(facilitator=cast.facilitator).get()
    Credential.objects.filter(pk=credential.pk).update(
        expires_on=timezone.localdate() + dt.timedelta(days=6)
    )
    worker = _start(tmp_path)
    try:
        deadline = time.monotonic() + 30
        while not Schedule.objects.filter(name="credentials-sweep").exists():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker did not register its schedule"
            time.sleep(0.2)
        schedule = Schedule.objects.get(name="credentials-sweep")
        assert schedule.func == "holdspace.facilitators.tasks.nightly_credentials_sweep"
        assert schedule.schedule_type == Schedule.DAILY
        assert timezone.localtime(schedule.next_run).hour == 2

        task_id = async_task("holdspace.facilitators.tasks.nightly_credentials_sweep")
        deadline = time.monotonic() + 30
        while not Success.objects.filter(id=task_id).exists():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        assert Success.objects.get(id=task_id).result == "warned 1, expired 0"
        assert ExpiryWarning.objects.filter(credential=credential, days_before=7).count() == 1
    finally:
        _stop(worker)


@pytest.mark.django_db
def test_it_registers_the_schedules_once_however_often_asked() -> None:

    morning = timezone.localtime().replace(hour=1, minute=0)
    ensure_schedules(morning)
    ensure_schedules(morning)
    schedule = Schedule.objects.get(name="credentials-sweep")
    # the sweep, the reminders and the alert notifications' minute run
    assert Schedule.objects.count() == 3
    assert timezone.localtime(schedule.next_run) == morning.replace(hour=2, second=0, microsecond=0)


@pytest.mark.django_db(transaction=True)
def test_it_sends_due_reminders_once_across_restarts(tmp_path: Path) -> None:
    cast = build_cast()
    cast.couple.created_at = timezone.now() - dt.timedelta(days=8)  # baseline is due
    cast.couple.save(update_fields=["created_at"])
    for _run in range(2):  # the worker, then the worker restarted
        worker = _start(tmp_path)
        try:
            # The schedule runs it every ten minutes; queue a run now rather than wait.
            task_id = async_task("holdspace.reminders.tasks.send_due_reminders")
            _wait(
                worker,
                tmp_path,
                lambda: Success.objects.filter(id=task_id).exists(),  # noqa: B023
                "the reminders did not run",
            )
        finally:
            _stop(worker)
    assert Schedule.objects.get(name="reminders").minutes == 10
    sent = Reminder.objects.filter(status="sent")
    assert sent.count() == 6
    assert {r.partner_id for r in sent} == {cast.partner_a.pk, cast.partner_b.pk}
    results = list(
        Success.objects.filter(func="holdspace.reminders.tasks.send_due_reminders")
        .order_by("started")
        .values_list("result", flat=True)
    )
    assert results[0] == "planned 6, cancelled 0, sent 6, failed 0"
    assert set(results[1:]) == {"planned 0, cancelled 0, sent 0, failed 0"}
    log = (tmp_path / "worker.log").read_text()
    assert log.count("Subject: [Holdspace] 3 things are waiting for you") == 2
