"""The ledger's pages: what each shows, forms that keep what was typed and save once when
posted twice, the CSV for the state's tracking system, the navigation link, the audit of every
read, and the same number of queries however many lots and lines there are."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdspace.accounts.models import Role
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.inventory.models import LedgerLine, LineKind, Lot
from holdspace.inventory.services import ledger_line_append, lot_movement_record
from holdspace.inventory.tests.conftest import Receive
from holdspace.inventory.views import CSV_COLUMNS
from holdspace.sessions.models import EventKind, SessionEvent


def _form(**changes: str) -> dict[str, str]:
    today = timezone.localdate()
    form = {
        "id": str(uuid.uuid4()),
        "lot_number": "PSI-WEB-1",
        "product_name": "Penis Envy, dried",
        "product_type": "whole_fungi",
        "source_licence": "PSI-MFG-00099",
        "source_name": "Willamette Mycology",
        "units": "20",
        "mg_per_unit": "4.5",
        "lab_result": "pass",
        "tested_on": today.replace(day=1).isoformat(),
        "expires_on": today.replace(year=today.year + 1).isoformat(),
        "status": "released",
    }
    form.update(changes)
    return form


def test_it_receives_a_lot_from_the_form_once_when_posted_twice(cast: Cast) -> None:
    client = cast.client("lead")
    page = client.get("/inventory/lots/new/")
    assert page.status_code == 200
    assert 'type="hidden" name="id"' in page.content.decode()
    form = _form()
    first = client.post("/inventory/lots/new/", form)
    lot = Lot.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/inventory/lots/{lot.pk}/"
    second = client.post("/inventory/lots/new/", form, follow=True)
    assert "That form was already saved." in second.content.decode()
    assert Lot.objects.count() == 1 and LedgerLine.objects.count() == 1


def test_it_keeps_what_was_typed_and_shows_the_error_beside_the_field(cast: Cast) -> None:
    page = cast.client("lead").post("/inventory/lots/new/", _form(units="0", status="released"))
    html = page.content.decode()
    assert page.status_code == 422
    assert 'value="PSI-WEB-1"' in html and 'value="Willamette Mycology"' in html
    assert 'id="id_units_error"' in html and "at least 1" in html


def test_it_shows_a_lot_number_taken_beside_the_field(cast: Cast, receive: Receive) -> None:
    receive(lot_number="PSI-WEB-1")
    page = cast.client("lead").post("/inventory/lots/new/", _form())
    assert page.status_code == 422
    assert 'id="id_lot_number_error"' in page.content.decode()
    assert Lot.objects.count() == 1


def test_it_records_a_movement_from_the_form_once_when_posted_twice(
    cast: Cast, receive: Receive
) -> None:
    lot = receive(units=5)
    client = cast.client("lead")
    page = client.get(f"/inventory/lots/{lot.pk}/")
    assert page.status_code == 200
    form = {
        "id": str(uuid.uuid4()),
        "kind": "waste",
        "units": "2",
        "reason": "Mould found",
        "witness_id": str(cast.admin.pk),
    }
    assert client.post(f"/inventory/lots/{lot.pk}/movements", form).status_code == 302
    again = client.post(f"/inventory/lots/{lot.pk}/movements", form, follow=True)
    assert "That form was already saved." in again.content.decode()
    lot.refresh_from_db()
    assert lot.on_hand == 3
    short = client.post(
        f"/inventory/lots/{lot.pk}/movements", {**form, "id": str(uuid.uuid4()), "units": "4"}
    )
    assert short.status_code == 422
    html = short.content.decode()
    assert 'id="id_units_error"' in html and "has 3 unit(s) on hand" in html
    assert "Mould found" in html  # kept as typed


def test_it_reconciles_from_the_form_once_when_posted_twice(cast: Cast, receive: Receive) -> None:
    lot = receive(units=5)
    client = cast.client("admin")
    form = {"id": str(uuid.uuid4()), "counted_units": "4", "counted_by_id": str(cast.admin.pk)}
    assert client.post(f"/inventory/lots/{lot.pk}/reconciliations", form).status_code == 302
    again = client.post(f"/inventory/lots/{lot.pk}/reconciliations", form, follow=True)
    assert "That form was already saved." in again.content.decode()
    lot.refresh_from_db()
    assert lot.on_hand == 4 and lot.reconciliations.count() == 1
    html = again.content.decode()
    assert 'class="num variance">-1<' in html


def test_it_changes_the_status_from_the_form(cast: Cast, receive: Receive) -> None:
    lot = receive(status="quarantined", lab_result="pending", tested_on=None)
    client = cast.client("lead")
    refused = client.post(f"/inventory/lots/{lot.pk}/status", {"status": "released"})
    assert refused.status_code == 422
    assert 'id="id_status_error"' in refused.content.decode()
    done = client.post(
        f"/inventory/lots/{lot.pk}/status",
        {"status": "released", "lab_result": "pass", "tested_on": timezone.localdate().isoformat()},
    )
    assert done.status_code == 302
    lot.refresh_from_db()
    assert lot.status == "released"


def _dose_line(cast: Cast, lot: Lot) -> SessionEvent:
    session = make_session(cast)
    event = SessionEvent.objects.create(
        organisation_id=cast.center.pk,
        couple_id=cast.couple.pk,
        session=session,
        uuid=uuid.uuid4(),
        partner=cast.partner_a,
        kind=EventKind.DOSE,
        occurred_at=timezone.now(),
        data={"amount_mg": 10, "product": lot.product_name, "lot": lot.lot_number},
        fingerprint="x",
        recorded_by=cast.facilitator,
    )
    ledger_line_append(
        viewer=cast.viewer("facilitator"),
        lot=lot,
        line_id=event.uuid,
        kind=LineKind.DOSE,
        units=-2,
        session_event_id=event.pk,
    )
    return event


def test_it_shows_each_line_with_its_balance_witness_and_session(
    cast: Cast, receive: Receive
) -> None:
    lot = receive(units=10)
    event = _dose_line(cast, lot)
    lot_movement_record(
        viewer=cast.viewer("lead"),
        lot=lot,
        line_id=uuid.uuid4(),
        kind="waste",
        units=1,
        reason="Crumbled",
        witness_id=cast.facilitator.pk,
    )
    html = cast.client("facilitator").get(f"/inventory/lots/{lot.pk}/").content.decode()
    assert f'href="/sessions/{event.session_id}/summary/"' in html
    assert "Crumbled" in html and "Facilitator" in html
    assert ">-1<" in html and ">7<" in html  # the waste and the balance after it
    assert "Record waste" not in html  # read-only for facilitators
    ledger = cast.client("lead").get("/inventory/").content.decode()
    assert "Receive a lot" in ledger and "PSI-2026-001" in ledger


def test_it_exports_the_ledger_in_the_state_systems_columns(cast: Cast, receive: Receive) -> None:
    lot = receive(units=10)
    _dose_line(cast, lot)
    lot_movement_record(
        viewer=cast.viewer("lead"),
        lot=lot,
        line_id=uuid.uuid4(),
        kind="adjustment",
        units=-1,
        reason="=HYPERLINK(1)",
    )
    answer = cast.client("lead").get("/inventory/ledger.csv")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0] == CSV_COLUMNS
    # make_session's plan names a lot of its own: this test reads only LOT's lines.
    mine = [row for row in rows[1:] if row[2] == lot.lot_number]
    receipt, dose, adjustment = (dict(zip(rows[0], row, strict=True)) for row in mine)
    assert receipt["movement"] == "Receipt" and receipt["units"] == "10"
    assert receipt["lot_number"] == "PSI-2026-001" and receipt["source_licence"] == "PSI-MFG-00042"
    assert receipt["product_type"] == "Whole fungi" and receipt["mg"] == "50"
    assert (dose["units"], dose["mg"], dose["balance_units"]) == ("-2", "-10", "8")
    assert dose["session"] != "" and dose["recorded_by"] == "Facilitator"
    assert adjustment["reason"] == "'=HYPERLINK(1)"  # a formula is not run
    one = cast.client("lead").get(f"/inventory/lots/{lot.pk}/ledger.csv")
    assert len(list(csv.reader(io.StringIO(one.content.decode())))) == 4
    reads = AuditEvent.objects.filter(action="inventory.lot_read")
    assert reads.filter(detail__format="csv").count() == 2


def test_it_audits_every_read_of_a_ledger_page(cast: Cast, receive: Receive) -> None:
    lot = receive()
    client = cast.client("facilitator")
    client.get("/inventory/")
    client.get(f"/inventory/lots/{lot.pk}/")
    cast.api("facilitator").get(f"/api/v1/inventory/lots/{lot.pk}")
    cast.api("facilitator").get("/api/v1/inventory/lots")
    reads = AuditEvent.objects.filter(action="inventory.lot_read", actor_id=cast.facilitator.pk)
    assert sorted(reads.values_list("object_type", flat=True)) == ["ledger", "ledger", "lot", "lot"]


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("lead", True),
        ("admin", True),
        ("facilitator", True),
        ("researcher", False),
        ("partner_a", False),
        ("trial_facilitator", False),  # the trial's profile keeps no ledger and it has no lot
    ],
)
def test_it_links_the_ledger_for_staff_who_may_see_one_kept(
    cast: Cast, who: str, shown: bool
) -> None:
    html = cast.client(who).get("/accounts/password/change/").content.decode()
    assert ('href="/inventory/"' in html) == shown


def test_it_links_a_ledger_kept_without_the_profile_asking_once_it_holds_a_lot(
    cast: Cast, receive: Receive
) -> None:
    lead = user_create(email="tl@example.org", display_name="Trial Lead", password="x")
    membership_ensure(organisation=cast.trial, user=lead, role=Role.CLINICAL_LEAD)
    cast.people["trial_lead"] = lead
    client = cast.client("trial_facilitator")
    assert 'href="/inventory/"' not in client.get("/accounts/password/change/").content.decode()
    receive(by="trial_lead", organisation=cast.trial, product_type="capsule")
    assert 'href="/inventory/"' in client.get("/accounts/password/change/").content.decode()


def _grow(cast: Cast, receive: Receive, lots: int, lines: int) -> None:
    start = Lot.objects.count()
    for n in range(lots):
        lot = receive(units=1000, lot_number=f"GROW-{start + n}")
        for _ in range(lines):
            lot_movement_record(
                viewer=cast.viewer("lead"),
                lot=lot,
                line_id=uuid.uuid4(),
                kind="waste",
                units=1,
                reason="r",
                witness_id=cast.facilitator.pk if n % 2 else cast.admin.pk,
            )
        _dose_line(cast, lot)


def _count(request: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert getattr(response, "status_code", None) == 200
    return len(queries)


@pytest.mark.parametrize("who", ["lead", "facilitator"])
def test_it_builds_each_ledger_page_in_the_same_number_of_queries_however_much_data(
    cast: Cast, receive: Receive, who: str
) -> None:
    _grow(cast, receive, 1, 1)
    first = Lot.objects.order_by("pk").first()
    assert first is not None
    web, api = cast.client(who), cast.api(who)
    pages: dict[str, Callable[[], object]] = {
        "ledger": lambda: web.get("/inventory/"),
        "lot": lambda: web.get(f"/inventory/lots/{first.pk}/"),
        "csv": lambda: web.get("/inventory/ledger.csv"),
        "api list": lambda: api.get("/api/v1/inventory/lots"),
        "api lot": lambda: api.get(f"/api/v1/inventory/lots/{first.pk}"),
    }
    for request in pages.values():
        request()  # the first request starts the session and the audit chain
    small = {name: _count(request) for name, request in pages.items()}
    _grow(cast, receive, 6, 3)
    for n in range(4):
        lot_movement_record(
            viewer=cast.viewer("lead"),
            lot=first,
            line_id=uuid.uuid4(),
            kind="adjustment",
            units=1,
            reason=f"recount {n}",
        )
    large = {name: _count(request) for name, request in pages.items()}
    assert large == small


@pytest.mark.parametrize(
    ("path", "form", "said", "anchor"),
    [
        ("movements", {"kind": "waste", "units": "1", "reason": "Dropped"}, "movement", "movement"),
        ("reconciliations", {"counted_units": "-1"}, "count", "count"),
        ("status", {"status": "released"}, "status", "status"),
    ],
)
def test_it_names_a_refused_form_at_the_top_of_the_lot_page_with_a_link_to_it(
    cast: Cast, receive: Receive, path: str, form: dict[str, str], said: str, anchor: str
) -> None:
    # The forms sit below the ledger, out of sight when the page comes back: without this the
    # lead saw the top of an unchanged page and no sign that nothing was saved.
    lot = receive(units=5, status="quarantined", lab_result="pending", tested_on=None)
    refused = cast.client("lead").post(
        f"/inventory/lots/{lot.pk}/{path}", {"id": str(uuid.uuid4()), **form}
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    alert = html.index('class="form-errors" role="alert"')
    assert alert < html.index("<h1>")
    assert f'href="#{anchor}"' in html[alert : html.index("<h1>")]
    assert f"The {said} was not" in html[alert : html.index("<h1>")]
    assert f'id="{anchor}"' in html


def test_it_does_not_show_the_refused_alert_on_a_plain_lot_page(
    cast: Cast, receive: Receive
) -> None:
    lot = receive(units=5)
    html = cast.client("lead").get(f"/inventory/lots/{lot.pk}/").content.decode()
    assert 'class="form-errors" role="alert"' not in html


@pytest.mark.parametrize(("units", "said"), [("-2", "-2 unit(s); 3 on hand"), ("3", "+3 unit(s)")])
def test_it_says_an_adjustment_with_its_sign(
    cast: Cast, receive: Receive, units: str, said: str
) -> None:
    # "-2" was said as "Adjustment after a count of 2 unit(s)", which reads as a gain.
    lot = receive(units=5)
    done = cast.client("lead").post(
        f"/inventory/lots/{lot.pk}/movements",
        {"id": str(uuid.uuid4()), "kind": "adjustment", "units": units, "reason": "Recount"},
        follow=True,
    )
    assert f"Adjustment after a count of {said}" in done.content.decode()
