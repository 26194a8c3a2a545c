"""Answering the health questions again does not undo a clinical decision, in the browser:
Sam, on a phone, was found not eligible for lithium; Sam re-opens the form, finds last time's
answers filled in, clears the medicines, answers "No" to everything — and is still not
eligible: the new screening is `review`, naming the earlier one, until the clinical lead, who
finds it on the console and in the queue, decides."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from holdspace.accounts.models import User
from holdspace.couples.models import Couple
from holdspace.demo import DEMO_PASSWORD
from holdspace.policy.core import viewer_for
from holdspace.policy.couples import get_couple_for
from holdspace.screening.models import TALK_IT_THROUGH, Decision, Screening
from holdspace.screening.rules import rule_set
from holdspace.screening.selectors import latest_screenings
from holdspace.screening.services import screening_submit

from .conftest import sign_in, sign_in_staff

pytestmark = pytest.mark.browser


def _excluded_for_lithium(sam: User, couple: Couple) -> Screening:
    """Sam's screening as the demo practice has it: lithium in the last 30 days."""
    questions = rule_set().questions
    return screening_submit(
        viewer=viewer_for(sam),
        couple=get_couple_for(viewer_for(sam), couple.pk),
        partner_id=sam.pk,
        substance="psilocybin",
        medications=["Lithium carbonate 300 mg"],
        answers={
            **{c: False for c, q in questions.items() if q.group == "client_information"},
            "lithium_last_30_days": True,
            "treated_by_provider": True,
        },
        date_of_birth=dt.date(1985, 1, 30),  # kept, and filled in when Sam answers again
    )


def test_it_keeps_sam_not_eligible_after_answering_no_to_everything(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    couple = Couple.objects.get(name="Alex & Sam")
    sam_user = User.objects.get(email="sam@demo.holdspace.org")
    excluded = _excluded_for_lithium(sam_user, couple)
    assert excluded.decision == Decision.EXCLUDED

    sam = new_page(390, 844)
    sign_in(sam, server, "sam@demo.holdspace.org", DEMO_PASSWORD)
    sam.get_by_role("link", name="Before your session").click()
    screening_item = sam.locator("li[data-code='screening']")
    expect(screening_item).to_contain_text(str(TALK_IT_THROUGH))
    expect(screening_item).not_to_contain_text("Not eligible")
    expect(screening_item).to_contain_text("answered, with your care team")
    expect(screening_item).not_to_contain_text("missing")
    screening_item.get_by_role("link", name="Answer again").click()

    # Last time's answers are there: the lithium, and "yes" to lithium in the last 30 days.
    expect(sam.get_by_text("are filled in")).to_be_visible()
    medicines = sam.get_by_label("Medicines you take now, or took in the last 30 days")
    expect(medicines).to_have_value("Lithium carbonate 300 mg")
    expect(sam.locator("input[name=q_lithium_last_30_days][value=yes]")).to_be_checked()
    expect(sam.locator("input[name=q_treated_by_provider][value=yes]")).to_be_checked()

    # Sam clears the medicines and answers "No" to every question.
    medicines.fill("")
    radios = sam.locator("input[type=radio][value=no]")
    for index in range(radios.count()):
        radios.nth(index).check()
    sam.get_by_role("button", name="Send to the care team").click()

    expect(sam.get_by_role("heading", name="Thank you for answering")).to_be_visible()
    expect(sam.get_by_text(str(TALK_IT_THROUGH))).to_be_visible()
    page_text = sam.locator("main").inner_text().lower()
    for hidden in ("lithium", "eligible", "lowers-decision", "review"):
        assert hidden not in page_text
    assert sam.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    again = Screening.objects.filter(partner=sam_user).order_by("-created_at", "-id").first()
    assert again is not None and again.pk != excluded.pk
    assert (again.decision, again.lowered_from) == (Decision.REVIEW, excluded.pk)
    assert again.medications == [] and not any(again.answers.values())
    sam.goto(server + f"/couples/{couple.pk}/readiness/")
    answered = sam.locator("li[data-code='screening']")
    expect(answered).to_have_class(re.compile(r"\btodo with-care-team\b"))  # still not ready
    expect(answered).to_contain_text("Answered. " + str(TALK_IT_THROUGH))
    expect(answered).not_to_contain_text("missing")

    # The clinical lead finds it on the console, opens the queue, and decides.
    lead = new_page(1280, 900)
    sign_in_staff(lead, server, "lead@demo.holdspace.org", DEMO_PASSWORD)
    lead.goto(server + "/console/")
    awaiting = lead.locator("section[aria-labelledby=awaiting-h]")
    expect(awaiting).to_contain_text("awaiting a clinical lead's decision")
    card = awaiting.locator(f"li[data-screening='{again.pk}']")
    expect(card).to_contain_text("Sam")
    expect(card).to_contain_text(
        f"Answered again, less restrictively than screening #{excluded.pk}"
    )
    expect(card).to_contain_text("(Not eligible): the earlier decision stands")
    expect(card).not_to_contain_text("lowers-decision-in-force")
    awaiting.get_by_role("link", name="All screenings awaiting a decision").click()
    expect(lead.get_by_role("heading", name="Screenings awaiting a decision")).to_be_visible()
    lead.locator(f"li[data-screening='{again.pk}']").get_by_role(
        "link", name="Review the findings"
    ).click()
    finding = lead.locator("article.finding", has_text="lowers-decision-in-force")
    expect(finding).to_contain_text(f"Screening #{excluded.pk}")
    expect(finding).to_contain_text("Not eligible (lithium-psilocybin)")
    lead.get_by_label("Not eligible", exact=True).check()
    lead.get_by_label("Reason (recorded and audited)").fill(
        "Lithium at the last screening: not eligible until the prescriber confirms it "
        "stopped more than 30 days ago. Robin will talk it through with Sam."
    )
    lead.get_by_role("button", name="Record the decision").click()
    expect(lead.get_by_text("The decision was recorded.")).to_be_visible()

    lead.goto(server + "/console/screenings/")
    expect(lead.locator(f"li[data-screening='{again.pk}']")).to_have_count(0)
    in_force = latest_screenings(Couple.with_people(Couple.objects.filter(pk=couple.pk))[0])
    assert in_force[sam_user.pk].effective_decision == Decision.EXCLUDED

    # Sam is told the same, kindly; never the rule or the reason.
    sam.goto(server + f"/couples/{couple.pk}/readiness/")
    item = sam.locator("li[data-code='screening']")
    expect(item).to_contain_text(str(TALK_IT_THROUGH))
    expect(item).not_to_contain_text("prescriber")
