"""Doses from the product ledger (Oregon's and Colorado's profiles keep one): a dose names a lot
of the session's organisation and takes whole units of it, its ledger line written once with
the event; each refusal names the lot and the reason, the same through the API and the console
without JavaScript; corrections adjust the lot; plans name a lot of the ledger; the profiles
without a ledger keep their free text; and the lot never goes below zero when doses and other
movements arrive at once."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from holdspace.accounts.models import Role
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import PASSWORD, Cast, give_licence, make_session, stock_lot
from holdspace.couples.models import CareTeamMember
from holdspace.inventory.doses import Draw, dose_line_write
from holdspace.inventory.models import LedgerLine, LineKind, Lot
from holdspace.inventory.services import InsufficientStock, ledger_line_append
from holdspace.sessions.models import MedicineSession, PartnerPlan, SessionEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms")]


# Helpers ------------------------------------------------------------------------------------


def _session(cast: Cast, **kwargs: Any) -> MedicineSession:
    """A session of A & B that began an hour ago (the lot GT-2609 stocked: 1000 × 5 mg)."""
    session: MedicineSession = make_session(cast, **kwargs)
    return session


def _lot(cast: Cast, number: str, **kwargs: Any) -> Lot:
    lot: Lot = stock_lot(cast.center, received_by=cast.lead, lot_number=number, **kwargs)
    return lot


def _body(
    cast: Cast,
    data: dict[str, Any],
    *,
    kind: str = "dose",
    partner: str = "partner_a",
    event_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "id": str(event_id or uuid.uuid4()),
        "kind": kind,
        "partner_id": cast.people[partner].pk,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
        "data": data,
    }


def _post(client: Client, session: MedicineSession, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/sessions/{session.pk}/events", json.dumps(body), content_type="application/json"
    )


def _problems(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 422, response.content
    found: dict[str, list[str]] = {}
    for problem in response.json()["detail"]:
        found.setdefault(".".join(str(p) for p in problem["loc"][2:]), []).append(problem["msg"])
    return found


def _console_post(cast: Cast, session: MedicineSession, fields: dict[str, str]) -> Any:
    """The console's dose form posted without JavaScript."""
    return cast.client("facilitator").post(
        f"/sessions/{session.pk}/events/form",
        {"id": str(uuid.uuid4()), "kind": "dose", "partner_id": str(cast.partner_a.pk), **fields},
    )


def _on_hand(lot: Lot) -> int:
    lot.refresh_from_db(fields=["on_hand"])
    return lot.on_hand


# A dose from a released lot ------------------------------------------------------------------


def test_it_writes_one_dose_line_with_the_event_and_nothing_for_a_replay(cast: Cast) -> None:
    session = _session(cast)
    lot = _lot(cast, "PSI-0412", units=20, mg_per_unit=5)
    client = cast.api("facilitator")
    body = _body(cast, {"amount_mg": 25, "lot": "PSI-0412"})
    first = _post(client, session, body)
    assert first.status_code == 201, first.content
    stored = first.json()["data"]
    # The event keeps the lot's number and product and the units it took.
    assert stored == {
        "amount_mg": 25,
        "lot": "PSI-0412",
        "product": "Golden Teacher capsules",
        "units": 5,
    }
    event = SessionEvent.objects.get(uuid=body["id"])
    line = LedgerLine.objects.get(lot=lot, kind=LineKind.DOSE)
    assert (line.units, line.balance, line.session_event_id) == (-5, 15, event.pk)
    assert str(line.uuid) == body["id"] and line.recorded_by_id == cast.facilitator.pk
    assert line.occurred_at == event.occurred_at
    assert _on_hand(lot) == 15
    again = _post(client, session, body)  # the answer was lost; the tablet sends it again
    assert again.status_code == 200
    assert LedgerLine.objects.filter(lot=lot, kind=LineKind.DOSE).count() == 1
    assert _on_hand(lot) == 15
    assert (
        AuditEvent.objects.filter(action="inventory.movement", object_id=str(line.pk)).count() == 1
    )
    # The dose log and the summary show the lot and units from the ledger.
    log = cast.client("lead").get("/doses/").content.decode()
    assert "PSI-0412" in log and ">5<" in log
    summary = cast.client("facilitator").get(f"/sessions/{session.pk}/summary/").content.decode()
    assert "5 units of lot PSI-0412" in summary


def test_it_takes_the_planned_lot_when_the_dose_names_none(cast: Cast) -> None:
    session = _session(cast)
    lot = _lot(cast, "PSI-0412", units=20)
    planned = cast.api("facilitator").put(
        f"/api/v1/sessions/{session.pk}/plan",
        json.dumps(
            {"plans": [{"partner_id": cast.partner_a.pk, "lot": "PSI-0412", "planned_mg": 20}]}
        ),
        content_type="application/json",
    )
    # The plan can no longer change once the session has begun; this one has not.
    assert planned.status_code == 200, planned.content
    response = _post(cast.api("facilitator"), session, _body(cast, {"amount_mg": 20}))
    assert response.status_code == 201, response.content
    assert response.json()["data"]["lot"] == "PSI-0412"
    assert _on_hand(lot) == 16


def test_it_refuses_units_that_do_not_agree_and_a_product_that_is_not_the_lots(cast: Cast) -> None:
    session = _session(cast)
    _lot(cast, "PSI-0412")
    client = cast.api("facilitator")
    wrong = _post(client, session, _body(cast, {"amount_mg": 20, "lot": "PSI-0412", "units": 3}))
    assert _problems(wrong) == {"data.units": ["20 mg of lot PSI-0412 is 4 unit(s), not 3."]}
    other = _post(
        client, session, _body(cast, {"amount_mg": 20, "lot": "PSI-0412", "product": "Something"})
    )
    assert "Lot PSI-0412 is Golden Teacher capsules" in _problems(other)["data.product"][0]
    right = _post(
        client,
        session,
        _body(
            cast,
            {"amount_mg": 20, "lot": "PSI-0412", "units": 4, "product": "Golden Teacher capsules"},
        ),
    )
    assert right.status_code == 201, right.content


# Each refusal, through the API and the console without JavaScript ------------------------------

TODAY = dt.date.today()


@pytest.mark.parametrize(
    ("lot", "amount", "field", "message"),
    [
        (
            {"status": "quarantined"},
            20,
            "data.lot",
            "Lot X-1 is quarantined: it is not released for dosing.",
        ),
        ({"status": "recalled"}, 20, "data.lot", "Lot X-1 is recalled: it cannot be dosed."),
        ({"status": "expired"}, 20, "data.lot", "Lot X-1 is expired: it cannot be dosed."),
        (
            {"expires_on": TODAY - dt.timedelta(days=30)},
            20,
            "data.lot",
            f"Lot X-1 expired on {(TODAY - dt.timedelta(days=30)).isoformat()}, before the "
            "session's day",
        ),
        (
            {"units": 3},
            20,
            "data.lot",
            "Lot X-1 cannot cover this dose: 3 unit(s) on hand, 4 needed.",
        ),
        (
            {},
            12.5,
            "data.amount_mg",
            "12.5 mg is not a whole number of units of lot X-1 (5 mg per unit): give a multiple "
            "of 5 mg.",
        ),
        (
            {"organisation": "trial"},
            20,
            "data.lot",
            "Lot X-1 is not in this organisation's ledger.",
        ),
        (None, 20, "data.lot", "Lot X-1 is not in this organisation's ledger."),
    ],
    ids=[
        "quarantined",
        "recalled",
        "expired",
        "expired-by-date",
        "cannot-cover",
        "not-whole",
        "another-organisation",
        "unknown",
    ],
)
def test_it_refuses_a_dose_naming_the_lot_and_the_reason_on_the_api_and_the_web(
    cast: Cast, lot: dict[str, Any] | None, amount: float, field: str, message: str
) -> None:
    session = _session(cast)
    stocked = None
    if lot is not None:
        settings = dict(lot)
        organisation = cast.trial if settings.pop("organisation", None) == "trial" else cast.center
        stocked = stock_lot(organisation, received_by=cast.lead, lot_number="X-1", **settings)
    before = stocked.on_hand if stocked else None
    api = _post(cast.api("facilitator"), session, _body(cast, {"amount_mg": amount, "lot": "X-1"}))
    found = _problems(api)
    assert list(found) == [field] and found[field][0].startswith(message), found
    web = _console_post(cast, session, {"data.lot": "X-1", "data.amount_mg": str(amount)})
    assert web.status_code == 422
    page = web.content.decode()
    # Beside its field in the dose form, the form as it was typed.
    box = f'data-error-for="{field}" role="alert">'
    assert box in page
    assert page.split(box)[1].startswith(escape(found[field][0]))
    assert f'value="{amount:g}"' in page
    assert not SessionEvent.objects.filter(session=session).exists()
    assert not LedgerLine.objects.filter(kind=LineKind.DOSE).exists()
    if stocked is not None:
        assert _on_hand(stocked) == before


def test_it_refuses_when_the_lot_ran_short_after_the_check_and_keeps_no_event(cast: Cast) -> None:
    """InsufficientStock from the ledger's locked append (a movement that took the units between
    the check and the line) is the same 422 as the check's, and the event is not kept."""
    session = _session(cast)
    lot = _lot(cast, "PSI-0412", units=3)
    event = SessionEvent(pk=None, uuid=uuid.uuid4(), occurred_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        dose_line_write(
            viewer=cast.viewer("facilitator"),
            event=event,
            draw=Draw(lot=lot, units=-4, kind=LineKind.DOSE),
        )
    assert refused.value.message_dict == {
        "data.lot": ["Lot PSI-0412 cannot cover this dose: 3 unit(s) on hand, 4 needed."]
    }
    assert _on_hand(lot) == 3 and not SessionEvent.objects.filter(session=session).exists()


# Corrections -----------------------------------------------------------------------------------


def test_it_adjusts_the_lot_when_a_correction_changes_the_amount(cast: Cast) -> None:
    session = _session(cast)
    lot = _lot(cast, "PSI-0412", units=10)
    client = cast.api("facilitator")
    dose = _body(cast, {"amount_mg": 25, "lot": "PSI-0412"})
    assert _post(client, session, dose).status_code == 201
    assert _on_hand(lot) == 5
    fewer = _body(
        cast,
        {"corrects": dose["id"], "reason": "Four capsules, not five", "data": {"amount_mg": 20}},
        kind="correction",
    )
    answer = _post(client, session, fewer)
    assert answer.status_code == 201, answer.content
    assert answer.json()["data"]["data"] == {"amount_mg": 20, "units": 4}
    line = LedgerLine.objects.get(kind=LineKind.ADJUSTMENT)
    assert (line.units, line.balance, str(line.uuid)) == (1, 6, fewer["id"])
    assert line.reason == f"Correction of dose {dose['id']}: Four capsules, not five"
    assert _post(client, session, fewer).status_code == 200  # a replay moves nothing
    assert _on_hand(lot) == 6
    # Corrected again, upwards: the difference from what the lot gave so far (4 units).
    more = _body(
        cast,
        {"corrects": dose["id"], "reason": "Six after all", "data": {"amount_mg": 30}},
        kind="correction",
    )
    assert _post(client, session, more).status_code == 201
    assert _on_hand(lot) == 4
    # One that needs more than the lot holds is refused, naming the lot.
    too_many = _body(
        cast,
        {"corrects": dose["id"], "reason": "Twelve", "data": {"amount_mg": 60}},
        kind="correction",
    )
    assert _problems(_post(client, session, too_many)) == {
        "data.data.amount_mg": ["Lot PSI-0412 cannot cover this dose: 4 unit(s) on hand, 6 needed."]
    }
    assert _on_hand(lot) == 4
    summary = cast.client("facilitator").get(f"/sessions/{session.pk}/summary/").content.decode()
    assert "6 units of lot PSI-0412" in summary
    log = cast.client("lead").get("/doses.csv").content.decode().splitlines()
    assert log[1].split(",")[5:10] == ["PSI-0412", "5", "6", "25", "30"]


def test_it_refuses_a_correction_that_moves_a_dose_to_another_lot(cast: Cast) -> None:
    session = _session(cast)
    _lot(cast, "PSI-0412")
    _lot(cast, "PSI-0519")
    client = cast.api("facilitator")
    dose = _body(cast, {"amount_mg": 20, "lot": "PSI-0412"})
    assert _post(client, session, dose).status_code == 201
    moved = _body(
        cast,
        {"corrects": dose["id"], "reason": "Wrong jar", "data": {"lot": "PSI-0519"}},
        kind="correction",
    )
    message = _problems(_post(client, session, moved))["data.data.lot"][0]
    assert (
        "correct the amount; to change the lot, record the dose again and correct this one"
        in message
    )
    odd = _body(
        cast,
        {"corrects": dose["id"], "reason": "Half a capsule", "data": {"amount_mg": 22.5}},
        kind="correction",
    )
    assert (
        "not a whole number of units"
        in _problems(_post(client, session, odd))["data.data.amount_mg"][0]
    )
    assert LedgerLine.objects.filter(kind=LineKind.ADJUSTMENT).count() == 0


# The plan --------------------------------------------------------------------------------------


def _plan(cast: Cast, session: MedicineSession, line: dict[str, Any]) -> Any:
    return cast.api("facilitator").put(
        f"/api/v1/sessions/{session.pk}/plan",
        json.dumps({"plans": [{"partner_id": cast.partner_a.pk, **line}]}),
        content_type="application/json",
    )


def _ahead(cast: Cast) -> MedicineSession:
    return _session(cast, starts_at=timezone.now() + dt.timedelta(days=2))


def test_it_copies_the_product_and_strength_from_the_planned_lot(cast: Cast) -> None:
    session = _ahead(cast)
    lot = _lot(cast, "PSI-0412", mg_per_unit=10, product_name="Penis Envy capsules")
    answer = _plan(cast, session, {"lot": "PSI-0412", "planned_mg": 30})
    assert answer.status_code == 200, answer.content
    [plan] = answer.json()["plans"]
    assert (plan["product"], plan["mg_per_unit"], plan["ledger_lot_id"], plan["planned_units"]) == (
        "Penis Envy capsules",
        10,
        lot.pk,
        3,
    )
    stored = PartnerPlan.objects.get(session=session)
    assert (stored.ledger_lot_id, stored.lot, stored.product) == (
        lot.pk,
        "PSI-0412",
        "Penis Envy capsules",
    )


@pytest.mark.parametrize(
    ("lot", "line", "field", "message"),
    [
        ({"status": "quarantined"}, {"planned_mg": 20}, "lot", "Lot X-1 is quarantined"),
        ({"units": 2}, {"planned_mg": 20}, "lot", "Lot X-1 cannot cover this dose: 2 unit(s)"),
        ({}, {"planned_mg": 22}, "planned_mg", "22 mg is not a whole number of units of lot X-1"),
        ({}, {"planned_mg": 20, "mg_per_unit": 4}, "mg_per_unit", "Lot X-1 has 5 mg per unit"),
        (None, {"planned_mg": 20}, "lot", "Lot X-1 is not in this organisation's ledger."),
    ],
)
def test_it_refuses_a_plan_from_a_lot_it_cannot_come_from(
    cast: Cast, lot: dict[str, Any] | None, line: dict[str, Any], field: str, message: str
) -> None:
    session = _ahead(cast)
    if lot is not None:
        _lot(cast, "X-1", **lot)
    found = _problems(_plan(cast, session, {"lot": "X-1", **line}))
    assert found[f"plans.0.{field}"][0].startswith(message), found
    assert not PartnerPlan.objects.filter(session=session).exists()
    if field == "mg_per_unit":  # the web form has no strength to give: it is the lot's
        return
    # The plan's page says the same beside the field.
    page = cast.client("facilitator").post(
        f"/sessions/{session.pk}/plan/",
        {
            f"p{cast.partner_a.pk}-lot": "X-1",
            f"p{cast.partner_a.pk}-planned_mg": str(line["planned_mg"]),
            f"p{cast.partner_b.pk}-lot": "GT-2609",
            f"p{cast.partner_b.pk}-planned_mg": "20",
            "facilitators": [str(cast.facilitator.pk)],
            "music_changed_by": "facilitator",
        },
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert f'id="id_p{cast.partner_a.pk}-{field}_error">' + escape(message) in html
    assert '<option value="X-1" selected>' in html  # the lot chosen, kept


def test_it_offers_the_plan_the_usable_lots_of_the_organisation_only(cast: Cast) -> None:
    session = _ahead(cast)
    _lot(cast, "PSI-0412", units=51)
    _lot(cast, "PSI-0519", status="quarantined")
    _lot(cast, "PSI-0001", expires_on=TODAY - dt.timedelta(days=1))
    stock_lot(cast.trial, received_by=cast.trial_facilitator, lot_number="TRIAL-LOT")
    html = cast.client("facilitator").get(f"/sessions/{session.pk}/plan/").content.decode()
    assert "PSI-0412 · Golden Teacher capsules · 5 mg per unit · 51 on hand" in html
    for hidden in ("PSI-0519", "PSI-0001", "TRIAL-LOT"):
        assert hidden not in html
    assert f'name="p{cast.partner_a.pk}-product"' not in html  # the lot's, not typed


def test_it_keeps_the_page_queries_constant_as_lots_grow(cast: Cast) -> None:
    session = _session(cast)
    client = cast.client("facilitator")

    def counted(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    paths = [f"/sessions/{session.pk}/", f"/sessions/{session.pk}/plan/"]
    for path in paths:  # the first request of a client sets up its session
        counted(path)
    before = [counted(path) for path in paths]
    for n in range(12):
        _lot(cast, f"MORE-{n}")
    assert [counted(path) for path in paths] == before


# The console's dose form -----------------------------------------------------------------------


def test_it_offers_the_planned_lot_first_and_the_units_it_is(cast: Cast) -> None:
    session = _ahead(cast)
    _lot(cast, "PSI-0412")
    assert _plan(cast, session, {"lot": "PSI-0412", "planned_mg": 20}).status_code == 200
    html = cast.client("facilitator").get(f"/sessions/{session.pk}/").content.decode()
    assert '<option value="PSI-0412" data-mg="5" selected>' in html
    assert '<option value="GT-2609" data-mg="5">' in html  # another usable lot
    assert "= 4 units of the lot" in html
    assert 'name="data.product"' not in html


# Profiles without a ledger keep their free text --------------------------------------------------


def _trial_session(cast: Cast) -> MedicineSession:
    user = user_create(email="co@example.org", display_name="Co", password=PASSWORD)
    membership_ensure(organisation=cast.trial, user=user, role=Role.FACILITATOR)
    CareTeamMember.objects.create(organisation=cast.trial, couple=cast.trial_couple, user=user)
    give_licence(user, cast.trial)
    return _session(cast, couple=cast.trial_couple, facilitators=[cast.trial_facilitator, user])


def test_it_keeps_free_text_product_and_lot_where_the_profile_keeps_no_ledger(cast: Cast) -> None:
    session = _trial_session(cast)
    client = cast.api("trial_facilitator")
    body = _body(
        cast,
        {"amount_mg": 80, "product": "Trial MDMA HCl", "lot": "TRIAL-9"},
        partner="trial_partner_a",
    )
    answer = _post(client, session, body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["data"] == {"amount_mg": 80, "product": "Trial MDMA HCl", "lot": "TRIAL-9"}
    assert (
        not LedgerLine.objects.exists() and not Lot.objects.filter(organisation=cast.trial).exists()
    )
    missing = _post(client, session, _body(cast, {"amount_mg": 80}, partner="trial_partner_b"))
    assert _problems(missing) == {
        "data.product": ["Field required"],
        "data.lot": ["Field required"],
    }
    html = cast.client("trial_facilitator").get(f"/sessions/{session.pk}/").content.decode()
    assert 'name="data.product"' in html and "data-dose-lot" not in html


def test_it_keeps_the_free_text_plan_where_the_profile_keeps_no_ledger(cast: Cast) -> None:
    session = _trial_session(cast)
    line = {"partner_id": cast.trial_partner_a.pk, "lot": "TRIAL-9", "planned_mg": 80}
    client = cast.api("trial_facilitator")
    missing = client.put(
        f"/api/v1/sessions/{session.pk}/plan",
        json.dumps({"plans": [line]}),
        content_type="application/json",
    )
    assert set(_problems(missing)) == {"plans.0.product", "plans.0.mg_per_unit"}
    answer = client.put(
        f"/api/v1/sessions/{session.pk}/plan",
        json.dumps({"plans": [{**line, "product": "Trial MDMA HCl", "mg_per_unit": 40}]}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    [plan] = answer.json()["plans"]
    assert (plan["lot"], plan["ledger_lot_id"], plan["planned_units"]) == ("TRIAL-9", None, None)


# Doses and other movements at once ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_accepts_exactly_one_of_two_doses_and_a_waste_a_lot_can_cover_once(cast: Cast) -> None:
    """Both partners dosed at the same moment, and a waste line against the same lot, which
    holds enough for one of the three: exactly one is accepted, on SQLite and PostgreSQL."""
    session = _session(cast)
    lot = _lot(cast, "PSI-0412", units=4)
    barrier = threading.Barrier(3, timeout=30)
    outcomes: list[str] = []
    problems: list[BaseException] = []
    lead = cast.viewer("lead")

    def dose(partner: str) -> None:
        try:
            client = Client()
            client.force_login(
                cast.facilitator, backend="django.contrib.auth.backends.ModelBackend"
            )
            barrier.wait()
            answer = _post(
                client, session, _body(cast, {"amount_mg": 20, "lot": "PSI-0412"}, partner=partner)
            )
            outcomes.append("dose" if answer.status_code == 201 else f"dose-{answer.status_code}")
        except BaseException as exc:
            problems.append(exc)
        finally:
            connections.close_all()

    def waste() -> None:
        try:
            barrier.wait()
            ledger_line_append(
                viewer=lead,
                lot=lot,
                line_id=uuid.uuid4(),
                kind=LineKind.WASTE,
                units=-4,
                reason="Dropped",
                witness_id=cast.facilitator.pk,
            )
            outcomes.append("waste")
        except InsufficientStock:
            outcomes.append("waste-409")
        except BaseException as exc:
            problems.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=dose, args=("partner_a",)),
        threading.Thread(target=dose, args=("partner_b",)),
        threading.Thread(target=waste),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert problems == []
    accepted = [o for o in outcomes if o in {"dose", "waste"}]
    assert len(outcomes) == 3 and len(accepted) == 1, outcomes
    assert all(o in {"dose-422", "waste-409"} for o in outcomes if o not in accepted)
    assert _on_hand(lot) == 0
    assert LedgerLine.objects.filter(lot=lot).exclude(kind=LineKind.RECEIPT).count() == 1
    doses = SessionEvent.objects.filter(session=session, kind="dose").count()
    assert doses == (1 if accepted == ["dose"] else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("facilitator", 201),
        ("partner_a", 403),
        ("partner_b", 403),
        ("other_facilitator", 404),
        ("partner_c", 404),
        ("lead", 201),  # a clinical lead is of every care team of the organisation
        ("admin", 403),
        ("researcher", 404),
        ("trial_facilitator", 404),
    ],
)
def test_it_lets_only_the_care_team_draw_a_dose_from_the_lot(
    cast: Cast, who: str, status: int
) -> None:
    """Through the API and the console's form: only the session's care team (its facilitators
    and the clinical leads) records a dose, and nobody else's attempt moves the lot."""
    session = _session(cast)
    lot = _lot(cast, "PSI-0412", units=10)
    body = _body(cast, {"amount_mg": 20, "lot": "PSI-0412"})
    assert _post(cast.api(who), session, body).status_code == status
    web = cast.client(who).post(
        f"/sessions/{session.pk}/events/form",
        {
            "id": str(uuid.uuid4()),
            "kind": "dose",
            "partner_id": str(cast.partner_b.pk),
            "data.lot": "PSI-0412",
            "data.amount_mg": "20",
        },
    )
    assert web.status_code == (302 if status == 201 else status)
    assert _on_hand(lot) == (2 if status == 201 else 10)
    assert LedgerLine.objects.filter(lot=lot, kind=LineKind.DOSE).count() == (
        2 if status == 201 else 0
    )
