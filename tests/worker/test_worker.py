"""The background worker, for real: `holdspace worker` runs as its own process on the test
database, registers the nightly credentials sweep, and runs queued tasks."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from holdspace.conftest import build_cast
from holdspace.facilitators.models import Credential, ExpiryWarning

BIN = Path(sys.executable).parent / "holdspace"


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgresql://{user}@{host}:{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_worker_registers_the_nightly_sweep_and_runs_queued_tasks(tmp_path: Path) -> None:
    from django.conf import settings
    from django_q.models import Schedule, Success
    from django_q.tasks import async_task

    cast = build_cast()
    credential = Credential.objects.filter(facilitator=cast.facilitator).get()
    Credential.objects.filter(pk=credential.pk).update(
        expires_on=timezone.localdate() + dt.timedelta(days=6)
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "holdspace.settings",
        "DATABASE_URL": _database_url(),
        "HOLDSPACE_VAR_DIR": str(tmp_path),
        "SECRET_KEY": settings.SECRET_KEY,  # task payloads are signed with it
        "HOLDSPACE_AUDIT_KEY": settings.AUDIT_KEY,
    }
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [str(BIN), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
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
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=5)
        log.close()


@pytest.mark.django_db
def test_registering_the_schedules_is_idempotent() -> None:
    from django_q.models import Schedule

    from holdspace.worker import ensure_schedules

    morning = timezone.localtime().replace(hour=1, minute=0)
    ensure_schedules(morning)
    ensure_schedules(morning)
    schedule = Schedule.objects.get(name="credentials-sweep")
    assert Schedule.objects.count() == 1
    assert timezone.localtime(schedule.next_run) == morning.replace(hour=2, second=0, microsecond=0)
