"""The background worker: `holdspace worker` registers the scheduled jobs, then runs django-q2's
cluster, which takes tasks from the database queue (so it works on SQLite and PostgreSQL with
no other service). Jobs are plain functions; each says what it did in its result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    hour: int  # local time of day it runs, daily


JOBS = (Job("credentials-sweep", "holdspace.facilitators.tasks.nightly_credentials_sweep", hour=2),)


def ensure_schedules(now: dt.datetime | None = None) -> list[str]:
    """Create or correct each job's daily schedule (idempotent); the names registered."""
    from django_q.models import Schedule

    now = timezone.localtime(now or timezone.now())
    for job in JOBS:
        first = now.replace(hour=job.hour, minute=0, second=0, microsecond=0)
        if first <= now:
            first += dt.timedelta(days=1)
        schedule = Schedule.objects.filter(name=job.name).first()
        if schedule is None:
            Schedule.objects.create(
                name=job.name,
                func=job.func,
                schedule_type=Schedule.DAILY,
                next_run=first,
                repeats=-1,
            )
        elif schedule.func != job.func or schedule.schedule_type != Schedule.DAILY:
            schedule.func = job.func
            schedule.schedule_type = Schedule.DAILY
            schedule.next_run = first
            schedule.repeats = -1
            schedule.save()
    return [job.name for job in JOBS]
