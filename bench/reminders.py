"""The reminders pass at scale: how long the worker's job takes over many couples.

    .venv/bin/python bench/reminders.py [--couples 2000] [--keep]
    .venv/bin/python bench/reminders.py --postgres postgresql://postgres@127.0.0.1:5432/test

It makes a database of its own: SQLite under a temporary var directory, or with --postgres a
database `holdspace_bench_reminders` made afresh (and dropped after) on the server that URL
names, whose own database is never touched. It seeds COUPLES couples
who joined nine days ago (so the baseline questionnaires are due) with a daily commitment
each, and times, in one run:

- reading the schedule of every couple (`schedules_for`), the part a pass cannot avoid;
- the first pass, which plans and sends every reminder (e-mail to memory);
- a second pass with nothing new, what the worker does every ten minutes in steady state;

and prints each, per couple or per reminder, and the steady pass against the schedule read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "holdspace_bench_reminders"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--couples", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary var directory")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to measure on")
    args = parser.parse_args()
    if args.couples < 1:
        parser.error("--couples must be at least 1")
    var = Path(tempfile.mkdtemp(prefix="holdspace-bench-reminders-"))
    os.environ["HOLDSPACE_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)  # a fresh database of its own, never the one named
    if args.postgres:
        os.environ["DATABASE_URL"] = _fresh_postgres(args.postgres)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "holdspace.settings")
    os.environ["EMAIL_HOST"] = ""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)
    _seed(args.couples)

    from django.core import mail

    from holdspace.couples.models import Couple
    from holdspace.integration.schedule import schedules_for
    from holdspace.reminders.services import reminders_run

    mail.outbox = []
    couples = list(Couple.with_people(Couple.objects.select_related("organisation")))
    schedules_for(couples[:1])  # the instrument library loads once per process
    started = time.perf_counter()
    items = sum(len(rows) for rows in schedules_for(couples).values())
    read = time.perf_counter() - started

    started = time.perf_counter()
    first = reminders_run()
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    steady = reminders_run()
    steady_s = time.perf_counter() - started

    n = args.couples
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]}, {n} couples")
    print(f"schedule read:  {read:6.2f} s  {1000 * read / n:5.2f} ms a couple ({items} items)")
    print(
        f"first pass:     {first_s:6.2f} s  {1000 * first_s / max(len(first.sent), 1):5.2f} ms "
        f"a reminder ({first}; {len(mail.outbox)} e-mails)"
    )
    print(f"steady pass:    {steady_s:6.2f} s  {1000 * steady_s / n:5.2f} ms a couple ({steady})")
    print(f"steady pass / schedule read: {steady_s / read:.2f}")
    if not args.keep:
        import shutil

        shutil.rmtree(var, ignore_errors=True)
    if args.postgres:
        from django.db import connections

        connections.close_all()
        _fresh_postgres(args.postgres, drop_only=True)
    return 0


def _fresh_postgres(url: str, drop_only: bool = False) -> str:
    """The address of an empty database BENCH_DB on URL's server (dropped first if there)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    with psycopg.connect(url, autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        if not drop_only:
            server.execute(f"CREATE DATABASE {BENCH_DB}")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def _seed(count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from holdspace.accounts.models import Membership, Organisation, User
    from holdspace.couples.models import Couple, Partner, Stage
    from holdspace.integration.models import Commitment, CommitmentRevision

    joined = timezone.now() - dt.timedelta(days=9)
    with transaction.atomic():
        org = Organisation.objects.create(
            name="Bench", slug="bench-reminders", profile="oregon-psilocybin"
        )
        users = User.objects.bulk_create(
            User(email=f"p{i}@reminders.bench.invalid", display_name=f"P{i}")
            for i in range(2 * count)
        )
        Membership.objects.bulk_create(
            Membership(organisation=org, user=u, role="partner") for u in users
        )
        couples = Couple.objects.bulk_create(
            Couple(organisation=org, name=f"C{i}", stage=Stage.INTEGRATION, created_at=joined)
            for i in range(count)
        )
        Partner.objects.bulk_create(
            Partner(organisation=org, couple=c, user=users[2 * i + s], slot="ab"[s])
            for i, c in enumerate(couples)
            for s in (0, 1)
        )
        commitments = Commitment.objects.bulk_create(
            Commitment(organisation=org, couple=c, created_by=users[2 * i])
            for i, c in enumerate(couples)
        )
        CommitmentRevision.objects.bulk_create(
            CommitmentRevision(
                organisation=org,
                commitment=m,
                description="Walk together",
                cadence="daily",
                starts_on=timezone.localdate() - dt.timedelta(days=3),
                revised_by=users[2 * i],
            )
            for i, m in enumerate(commitments)
        )


if __name__ == "__main__":
    sys.exit(main())
