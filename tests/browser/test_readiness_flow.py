"""The readiness gate in the browser: the facilitator books a medicine session for Alex & Sam
while they are still preparing (tentative), sees what is missing before it can be confirmed,
completes it with both partners (and the clinical lead reviews Sam's medication), and then
confirms it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple
from holdspace.demo import DEMO_PASSWORD
from holdspace.sessions.models import MedicineSession

from .conftest import Server, sign_in, sign_in_staff

pytestmark = pytest.mark.browser


def _staff(page: Page, server: Server, email: str) -> None:
    sign_in_staff(page, server, email, DEMO_PASSWORD)


def _local(moment) -> str:  # type: ignore[no-untyped-def]
    """MOMENT as a datetime-local field takes it: on the demo center's clock."""
    center = Organisation.objects.get(slug="demo-service-center")
    return timezone.localtime(moment, center.tzinfo).strftime("%Y-%m-%dT%H:%M")


def _checklist(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("section.readiness-partner", has=page.get_by_role("heading", name=name))


def test_it_schedules_a_session_only_once_the_couple_is_ready(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    couple = Couple.objects.get(name="Alex & Sam")
    # The demo holds Robin three days ahead; four days ahead, the day is free.
    starts = _local(timezone.now() + timedelta(days=4))

    guide = new_page(1024, 900)
    _staff(guide, server, "guide@demo.holdspace.org")
    guide.goto(server + f"/couples/{couple.pk}/")
    guide.get_by_role("link", name="Schedule a medicine session").click()
    guide.get_by_label("Date and start time").fill(starts)
    guide.get_by_label("Room").fill("cedar room")
    guide.get_by_role("button", name="Book").click()
    # Nobody ticked as present: refused, and the form keeps what was typed.
    expect(guide.get_by_text("Choose the facilitators who will be present")).to_be_visible()
    expect(guide.get_by_label("Room")).to_have_value("cedar room")
    guide.get_by_label("Robin Hale").check()
    guide.get_by_role("button", name="Book").click()
    expect(guide.get_by_text("as tentative: confirm it once the couple is ready")).to_be_visible()
    booking_page = guide.url
    guide.get_by_role("button", name="Confirm the session").click()
    refusal = guide.locator(".not-ready")
    expect(guide.get_by_text("Not confirmed: the couple is not ready yet.")).to_be_visible()
    expect(refusal).to_contain_text("Sam — Private preparation session")
    expect(refusal).to_contain_text("Alex — Transportation plan")
    expect(refusal).to_contain_text("Answered, awaiting a clinical lead's decision")
    booked = MedicineSession.objects.get(couple=couple, room="Cedar room")
    assert booked.booking is not None and booked.booking.status == "tentative"

    # Alex signs their touch consent on their phone: typed name over the exact text.
    alex_phone = new_page(390, 844)
    sign_in(alex_phone, server, "alex@demo.holdspace.org", DEMO_PASSWORD)
    alex_phone.goto(server + f"/couples/{couple.pk}/readiness/")
    alex_phone.locator("li[data-code='form:touch_consent']").get_by_role(
        "link", name="Read and sign"
    ).click()
    expect(alex_phone.locator(".document-text")).to_contain_text("hands, feet or shoulders")
    alex_phone.locator("input[name=facilitator_touch][value=yes]").check()
    alex_phone.get_by_label("Hands on my shoulders").check()
    alex_phone.locator("input[name=partner_touch][value=yes]").check()
    alex_phone.get_by_role("button", name="Sign", exact=True).click()
    expect(alex_phone.locator("#id_typed_name_error")).to_have_text("Type your full name to sign.")
    expect(alex_phone.get_by_label("Hands on my shoulders")).to_be_checked()  # kept
    alex_phone.get_by_label("Type your full name to sign").fill("Alex Rivera")
    alex_phone.get_by_role("button", name="Sign", exact=True).click()
    expect(alex_phone.get_by_text("Signed. You can download a signed copy")).to_be_visible()
    expect(alex_phone.locator("li[data-code='form:touch_consent']")).to_have_class("done")
    assert alex_phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Alex's other missing forms, completed with Alex in the room.
    refusal.get_by_role("link", name="Open the readiness checklist").click()
    for code, fill in (
        (
            "safety_plan",
            {
                "Signs that things are getting hard for me": "I go quiet.",
                "What helps me then": "Slow breathing.",
                "People I can reach out to": "My brother Theo.",
            },
        ),
        (
            "emergency_contact",
            {"Name": "Theo", "Relationship to me": "Brother", "Phone number": "+1 503 555 0199"},
        ),
    ):
        _checklist(guide, "Alex").locator(f"li[data-code='form:{code}']").get_by_role(
            "link"
        ).click()
        for label, value in fill.items():
            guide.get_by_label(label, exact=True).fill(value)
        guide.get_by_role("button", name="Save").click()
        expect(guide.get_by_text("Saved.")).to_be_visible()
    _checklist(guide, "Alex").locator("li[data-code='form:transportation_plan']").get_by_role(
        "link"
    ).click()
    # Alex's partner is dosed too: the plan may not rely on Sam driving.
    guide.get_by_label("My partner drives me").check()
    guide.get_by_role("button", name="Save").click()
    expect(guide.locator("#id_leaving_by_error")).to_contain_text("cannot drive you home")
    guide.get_by_label("A support person drives me").check()
    guide.get_by_label("Who collects me or drives me").fill("Theo")
    guide.get_by_role("button", name="Save").click()
    _checklist(guide, "Alex").locator("li[data-code='form:demographic_form']").get_by_role(
        "link"
    ).click()
    # Alex opts out of the state report. Saved without the written confirmation of the offer
    # (OAR 333-333-5000(4)) it is refused; with it, the answers are kept and withheld.
    guide.get_by_label("(opt out)").check()
    guide.get_by_role("button", name="Save").click()
    expect(guide.locator(".error").first).to_be_visible()
    guide.get_by_label("I confirm I was offered the chance").check()
    guide.get_by_role("button", name="Save").click()
    expect(_checklist(guide, "Alex").locator("li.todo")).to_have_count(0)

    # Sam completes their own plans on a phone, in the portal.
    sam = new_page(390, 844)
    sign_in(sam, server, "sam@demo.holdspace.org", DEMO_PASSWORD)
    sam.get_by_role("link", name="Before your session").click()
    expect(sam.get_by_role("heading", name="Alex")).to_have_count(0)  # only Sam's own list
    for code, fill in (
        (
            "safety_plan",
            {
                "Signs that things are getting hard for me": "Racing thoughts.",
                "What helps me then": "Alex's hand, music.",
                "People I can reach out to": "My friend Jo.",
            },
        ),
        (
            "emergency_contact",
            {"Name": "Jo", "Relationship to me": "Friend", "Phone number": "+1 503 555 0123"},
        ),
    ):
        sam.locator(f"li[data-code='form:{code}']").get_by_role("link").click()
        for label, value in fill.items():
            sam.get_by_label(label, exact=True).fill(value)
        sam.get_by_role("button", name="Save").click()
    sam.locator("li[data-code='form:transportation_plan']").get_by_role("link").click()
    sam.get_by_label("Taxi or ride service").check()
    sam.get_by_role("button", name="Save").click()
    for code in ("bill_of_rights",):
        sam.locator(f"li[data-code='form:{code}']").get_by_role(
            "link", name="Read and sign"
        ).click()
        sam.get_by_label("Type your full name to sign").fill("Sam Okafor")
        sam.get_by_role("button", name="Sign", exact=True).click()
    sam.locator("li[data-code='form:demographic_form']").get_by_role("link").click()
    sam.get_by_label("$50,000 to $74,999").check()
    sam.get_by_label("I confirm I was offered the chance").check()
    sam.get_by_role("button", name="Save").click()
    assert sam.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Sam has met Robin: reviews the guide's verified credentials and approves them.
    sam.goto(server + f"/couples/{couple.pk}/readiness/")
    approval = sam.locator("li[data-code='guide_approval']")
    expect(approval).to_have_class("todo")
    expect(approval).to_contain_text("Waiting for: Robin Hale (facilitator)")
    approval.get_by_role("link", name="Meet and review your guides").click()
    guide_card = sam.locator("section.guide", has_text="Robin Hale")
    expect(guide_card).to_contain_text("Oregon psilocybin facilitator licence")
    expect(guide_card).to_contain_text("verified")
    expect(sam.get_by_text("Evidence")).to_have_count(0)  # never the evidence files
    expect(sam.get_by_role("heading", name="Questions worth asking a guide")).to_be_visible()
    guide_card.get_by_label("I have met them and I approve").check()
    guide_card.get_by_role("button", name="Record").click()
    expect(sam.get_by_text("Thank you — recorded.")).to_be_visible()
    expect(sam.locator("section.guide", has_text="Robin Hale")).to_contain_text(
        "You approved this guide"
    )
    sam.goto(server + f"/couples/{couple.pk}/readiness/")
    expect(sam.locator("li[data-code='guide_approval']")).to_have_class("done")

    # The clinical lead reviews Sam's SSRI and records the decision with a reason.
    lead = new_page(1024, 900)
    _staff(lead, server, "lead@demo.holdspace.org")
    lead.goto(server + f"/couples/{couple.pk}/readiness/")
    _checklist(lead, "Sam").get_by_role("link", name="See the findings").click()
    expect(lead.locator("article.finding.outcome-review")).to_contain_text(
        "reuptake-inhibitor-psilocybin"
    )
    lead.get_by_label("Eligible", exact=True).check()
    lead.get_by_label("Reason (recorded and audited)").fill(
        "Spoke with Sam's prescriber: stable dose, reduced effect explained; no taper."
    )
    lead.get_by_role("button", name="Record the decision").click()
    expect(lead.get_by_text("The decision was recorded.")).to_be_visible()

    # Sam's private preparation session, then the session is scheduled.
    guide.goto(server + f"/couples/{couple.pk}/readiness/")
    _checklist(guide, "Sam").locator("li[data-code='preparation_private']").get_by_role(
        "link"
    ).click()
    guide.get_by_label("Private — one partner").check()
    guide.get_by_label("Partner (for a private session)").select_option(label="Sam")
    guide.get_by_label("Held at").fill(_local(timezone.now() - timedelta(hours=2)))
    guide.get_by_label("Notes (care team only)").fill("Sam spoke about the move.")
    guide.get_by_role("button", name="Record").click()
    expect(guide.locator(".readiness-state")).to_have_text("Ready")

    guide.goto(booking_page)
    guide.get_by_role("button", name="Confirm the session").click()
    expect(guide.get_by_text("The medicine session is confirmed.")).to_be_visible()
    expect(guide.locator(".badge.confirmed")).to_have_text("Confirmed")
    guide.goto(server + f"/couples/{couple.pk}/")
    expect(guide.locator(".stage")).to_have_text("Medicine session")
    booked.booking.refresh_from_db()
    assert booked.booking.status == "confirmed"
