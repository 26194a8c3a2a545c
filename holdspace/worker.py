"""The background worker: `holdspace worker` registers the scheduled jobs, then runs django-q2's
cluster, which takes tasks from the database queue (so it works on SQLite and PostgreSQL with
no other service). Jobs are plain functions; each says what it did in its result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django_q.models import Schedule


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    hour: int | None = None  # local time of day it runs, daily
    minutes: int | None = None  # or every so many minutes


JOBS = (
    Job("credentials-sweep", "holdspace.facilitators.tasks.nightly_credentials_sweep", hour=2),
    Job("reminders", "holdspace.reminders.tasks.send_due_reminders", minutes=10),
    # Safety alerts go out at once by a queued task; this catches up, escalates and retries.
    Job("notifications", "holdspace.notifications.tasks.run_notifications", minutes=1),
)


def ensure_schedules(now: dt.datetime | None = None) -> list[str]:
    """Create or correct each job's schedule (idempotent); the names registered."""
    now = timezone.localtime(now or timezone.now())
    for job in JOBS:
        if job.hour is not None:
            kind, minutes = Schedule.DAILY, None
            first = now.replace(hour=job.hour, minute=0, second=0, microsecond=0)
            if first <= now:
                first += dt.timedelta(days=1)
        else:
            kind, minutes, first = Schedule.MINUTES, job.minutes, now
        schedule = Schedule.objects.filter(name=job.name).first()
        if schedule is None:
            Schedule.objects.create(
                name=job.name,
                func=job.func,
                schedule_type=kind,
                minutes=minutes,
                next_run=first,
                repeats=-1,
            )
        elif (schedule.func, schedule.schedule_type, schedule.minutes) != (job.func, kind, minutes):
            schedule.func = job.func
            schedule.schedule_type = kind
            schedule.minutes = minutes
            schedule.next_run = first
            schedule.repeats = -1
            schedule.save()
    return [job.name for job in JOBS]
