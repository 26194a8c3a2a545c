"""The product ledger from the lead's desk to the session room and back: a clinical lead
receives a lot (a second receipt of the same number is refused), a facilitator doses both
partners from it in the live console (a dose from the quarantined lot is refused beside the
field), and the lead counts what is left, one capsule short, and reconciles it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from holdspace.demo import DEMO_PASSWORD
from holdspace.inventory.models import LedgerLine, Lot
from holdspace.sessions.models import MedicineSession, SessionEvent

from .conftest import Server, sign_in_staff

pytestmark = pytest.mark.browser

LOT = "PSI-2026-1201"


def _column(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("section.partner-col", has=page.get_by_role("heading", name=name))


def _receive(lead: Page, server: Server) -> None:
    lead.goto(server + "/inventory/")
    lead.get_by_role("link", name="Receive a lot").click()
    today = timezone.localdate()
    lead.get_by_label("Lot or package number").fill(LOT)
    lead.get_by_label("Product name").fill("Psilocybin capsules, 5 mg")
    lead.get_by_label("Product type").select_option("homogenized_fungi")
    lead.get_by_label("Source licensee's licence number").fill("PSM-1001")
    lead.get_by_label("Source licensee's name").fill("Cascade Mycology")
    lead.get_by_label("Units received").fill("20")
    lead.get_by_label("mg of active substance per unit").fill("5")
    lead.get_by_label("Lab test result").select_option("pass")
    lead.get_by_label("Tested on").fill((today - timedelta(days=3)).isoformat())
    lead.get_by_label("Expires on").fill((today + timedelta(days=200)).isoformat())
    lead.get_by_label("Status").select_option("released")
    lead.get_by_role("button", name="Receive the lot").click()


def test_a_lead_receives_a_lot_a_facilitator_doses_from_it_and_the_lead_reconciles_it(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    session = MedicineSession.objects.get(couple__name="Riley & Jordan", status="scheduled")
    MedicineSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    lead = new_page(1280, 900)
    sign_in_staff(lead, server, "lead@demo.holdspace.org", DEMO_PASSWORD)
    _receive(lead, server)
    expect(lead.get_by_role("heading", name=LOT)).to_be_visible()
    lot = Lot.objects.get(lot_number=LOT)
    assert (lot.on_hand, lot.status) == (20, "released")
    # The same delivery entered twice: the number is taken, nothing more is received.
    _receive(lead, server)
    # Said beside the field, and named in the summary at the top that links to it.
    expect(lead.locator("#id_lot_number_error")).to_contain_text(
        f"Lot {LOT} is already in the ledger"
    )
    expect(lead.locator("[data-error-summary]")).to_contain_text(f"Lot {LOT} is already in")
    assert Lot.objects.filter(lot_number=LOT).count() == 1

    guide = new_page(390, 844)
    sign_in_staff(guide, server, "guide@demo.holdspace.org", DEMO_PASSWORD)
    guide.goto(server + f"/sessions/{session.pk}/")
    riley, jordan = _column(guide, "Riley"), _column(guide, "Jordan")
    riley.locator("summary", has_text="Dose given").click()
    riley.get_by_label("Lot from the ledger").select_option(LOT)
    riley.get_by_label("Amount (mg)").fill("25")
    expect(riley.locator("[data-dose-units]")).to_contain_text("5 units")
    riley.get_by_role("button", name="Record the dose").click()
    expect(guide.locator("li.event.kind-dose.is-saved")).to_have_count(1)

    # The quarantined lot is not offered for dosing; typed into the API it is refused.
    jordan.locator("summary", has_text="Dose given").click()
    offered = jordan.get_by_label("Lot from the ledger").locator("option").all_inner_texts()
    assert not any("PSI-2026-0519" in text for text in offered)
    jordan.get_by_label("Lot from the ledger").select_option(LOT)
    jordan.get_by_label("Amount (mg)").fill("22")  # not a whole number of 5 mg capsules
    jordan.get_by_role("button", name="Record the dose").click()
    refused = jordan.locator("p.error[data-error-for]").filter(has_text="whole number")
    expect(refused).to_be_visible()
    jordan.get_by_label("Amount (mg)").fill("20")
    jordan.get_by_role("button", name="Record the dose").click()
    expect(guide.locator("li.event.kind-dose.is-saved")).to_have_count(2)
    assert SessionEvent.objects.filter(session=session, kind="dose").count() == 2

    # Back at the desk: the ledger shows both doses; the count finds one capsule fewer.
    lead.goto(server + f"/inventory/lots/{lot.pk}/")
    expect(lead.locator(".on-hand, [data-on-hand]").first).to_contain_text("11")
    lead.get_by_label("Units counted").fill("10")
    lead.get_by_label("Note").last.fill("One capsule crushed in the bottle.")
    lead.get_by_role("button", name="Record the count").click()
    expect(lead.locator("td.variance")).to_have_text("-1")

    lines = list(LedgerLine.objects.filter(lot=lot).order_by("id"))
    assert [(line.kind, line.units) for line in lines] == [
        ("receipt", 20),
        ("dose", -5),
        ("dose", -4),
        ("adjustment", -1),
    ]
    lot.refresh_from_db()
    count = lot.reconciliations.get()
    assert (lot.on_hand, count.ledger_units, count.counted_units, count.variance) == (
        10,
        11,
        10,
        -1,
    )
    assert count.adjustment == lines[-1]
