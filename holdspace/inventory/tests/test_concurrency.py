"""Twenty movements of one unit at the same moment against a lot with ten on hand: exactly ten
are accepted and ten refused (insufficient_stock), the lot ends at zero and its lines add up
to its on-hand. Real threads, each with its own database connection, released together by a
barrier; run on SQLite and on PostgreSQL (DATABASE_URL). The figures are printed (pytest -s)
and written to var/ledger-concurrency.txt for the report."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.models import Sum

from holdspace.conftest import Cast
from holdspace.inventory.models import LedgerLine, Lot
from holdspace.inventory.services import InsufficientStock, lot_movement_record
from holdspace.inventory.tests.conftest import Receive

ATTEMPTS = 20
ON_HAND = 10


@pytest.mark.django_db(transaction=True)
def test_it_accepts_exactly_what_the_lot_covers_under_twenty_simultaneous_movements(
    cast: Cast, receive: Receive
) -> None:
    lot = receive(units=ON_HAND)
    # Half waste (witnessed), half adjustments, each one unit, each by a manager.
    attempts = [
        ("lead" if i % 2 else "admin", "waste" if i % 2 else "adjustment") for i in range(ATTEMPTS)
    ]
    viewers = {who: cast.viewer(who) for who in ("lead", "admin")}
    barrier = threading.Barrier(ATTEMPTS, timeout=60)
    outcomes: list[str] = []
    problems: list[BaseException] = []
    lock = threading.Lock()

    def move(who: str, kind: str) -> None:
        try:
            barrier.wait()
            lot_movement_record(
                viewer=viewers[who],
                lot=Lot.objects.get(pk=lot.pk),
                line_id=uuid.uuid4(),
                kind=kind,
                units=1 if kind == "waste" else -1,
                reason="Concurrency test",
                witness_id=cast.facilitator.pk if kind == "waste" else None,
            )
            result = "accepted"
        except InsufficientStock as exc:
            result = exc.code
        except BaseException as exc:  # the test reports it, rather than a silent thread
            with lock:
                problems.append(exc)
            return
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=move, args=attempt) for attempt in attempts]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    assert problems == []
    accepted = outcomes.count("accepted")
    refused = outcomes.count("insufficient_stock")
    assert (accepted, refused) == (ON_HAND, ATTEMPTS - ON_HAND)
    lot.refresh_from_db()
    assert lot.on_hand == 0
    total = LedgerLine.objects.filter(lot=lot).aggregate(s=Sum("units"))["s"]
    assert total == lot.on_hand
    assert sorted(LedgerLine.objects.filter(lot=lot).values_list("balance", flat=True)) == list(
        range(0, ON_HAND + 1)
    )
    figures = (
        f"{connection.vendor}: {ATTEMPTS} simultaneous movements of 1 unit against {ON_HAND} on "
        f"hand: {accepted} accepted, {refused} refused insufficient_stock, on_hand "
        f"{lot.on_hand}, sum of lines {total}, {elapsed * 1000:.0f} ms\n"
    )
    print(figures)
    record = Path(settings.VAR_DIR) / "ledger-concurrency.txt"
    record.parent.mkdir(exist_ok=True)
    with record.open("a") as out:
        out.write(figures)
