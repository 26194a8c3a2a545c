"""The Django side of the benchmark: seed a large organisation, profile, count audit events.

Run by bench/run.py as a subprocess with the bench environment (its own database and var
directory), so the harness itself never imports Django:

    python bench/seed.py seed --couples N --entries N --clients N --out FIXTURE.json
    python bench/seed.py profile --fixture FIXTURE.json
    python bench/seed.py stats

`seed` is idempotent: when the organisation is already there with the asked-for sizes it only
makes fresh sign-ins (sessions and an API token) for this run. Rows are written with
bulk_create, not the services, because the services append one audit event per write.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
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
    from holdspace.couples.models import Couple
    from holdspace.couples.selectors import COUPLES_PER_PAGE

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

    # Planner statistics, as a database in service has them (autovacuum, or SQLite's ANALYZE);
    # without them PostgreSQL plans the bulk-loaded tables as if they were empty.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    organisation_id, couple_count, entry_count = _existing_sizes() or (0, 0, 0)
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
    profile = commands.add_parser("profile")
    profile.add_argument("--fixture", required=True)
    commands.add_parser("stats")
    args = parser.parse_args(argv)
    handlers = {"seed": command_seed, "profile": command_profile, "stats": command_stats}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
