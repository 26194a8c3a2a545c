"""Alex completes the PHQ-9 on a phone with item 9 above 0; the answers survive a dropped
connection; the facilitator sees the alert at the top of the console and acknowledges it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from holdspace.conftest import totp_now
from holdspace.demo import DEMO_PASSWORD
from holdspace.measures.models import SafetyAlert

from .conftest import sign_in

pytestmark = pytest.mark.browser

# PHQ-9 answers by item: "Several days" for 1–4, "Not at all" for 5–8, and item 9 above 0.
ANSWERS = ["Several days"] * 4 + ["Not at all"] * 4 + ["Several days"]


def test_it_raises_a_phq9_alert_that_the_facilitator_acknowledges(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    alex = new_page(390, 844)
    sign_in(alex, server, "alex@demo.holdspace.org", DEMO_PASSWORD)
    alex.get_by_role("link", name="Generalized Anxiety Disorder-7 (GAD-7) · Baseline").wait_for()
    # Alex's demo baseline PHQ-9 is done; the portal offers what is left.
    expect(
        alex.get_by_role("link", name="Patient Health Questionnaire-9 (PHQ-9) · Baseline")
    ).to_have_count(0)
    couple_url = alex.url
    alex.goto(couple_url + "measures/phq9/week_1/")
    expect(
        alex.get_by_role("heading", name="Patient Health Questionnaire-9 (PHQ-9)")
    ).to_be_visible()

    questions = alex.locator("fieldset.question")
    expect(questions).to_have_count(10)
    for index, answer in enumerate(ANSWERS[:5]):
        questions.nth(index).get_by_label(answer).check()
    expect(alex.locator(".progress")).to_have_text("5 of 10 answered")

    # The connection drops and the page is reloaded: the answers are still there.
    alex.context.set_offline(True)
    alex.context.set_offline(False)
    alex.reload()
    alex.wait_for_load_state()
    expect(alex.locator(".progress")).to_have_text("5 of 10 answered")
    expect(questions.nth(0).get_by_label("Several days")).to_be_checked()

    for index, answer in enumerate(ANSWERS[5:], start=5):
        questions.nth(index).get_by_label(answer).check()
    questions.nth(9).get_by_label("Not difficult at all").check()  # nothing left unanswered
    assert alex.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    alex.get_by_role("button", name="Send my answers").click()
    expect(alex.get_by_role("heading", name="Thank you — your answers are saved")).to_be_visible()
    expect(alex.get_by_text("may be going through a very hard time")).to_be_visible()
    expect(alex.get_by_text("call or text 988")).to_be_visible()
    # The draft is cleared once sent.
    assert alex.evaluate("Object.keys(window.localStorage).length") == 0

    guide = new_page(1024, 768)
    sign_in(guide, server, "guide@demo.holdspace.org", DEMO_PASSWORD)
    secret = guide.get_by_label("Authenticator secret").input_value()
    guide.get_by_label("Authenticator code").fill(totp_now(secret))
    guide.get_by_role("button", name="Activate").click()
    guide.wait_for_load_state()
    guide.goto(server + "/console/")
    alerts = guide.locator("section.alerts", has=guide.locator("#alerts-h"))
    expect(alerts.locator("#alerts-h")).to_have_text("1 safety alert to acknowledge")
    card = alerts.locator("article.alert-card", has_text="Alex")
    expect(card).to_contain_text("Item 9")
    card.get_by_label("What you did or will do").fill("Called Alex; C-SSRS negative; plan set.")
    card.get_by_role("button", name="Acknowledge").click()
    expect(guide.locator("article.alert-card.done")).to_contain_text(
        "Acknowledged by Robin Hale (facilitator)"
    )
    alert = SafetyAlert.objects.get(partner__email="alex@demo.holdspace.org")
    assert alert.acknowledged_by is not None
    assert alert.note == "Called Alex; C-SSRS negative; plan set."


def test_it_lets_a_partner_answer_one_question_at_a_time(server, new_page, demo_practice) -> None:  # type: ignore[no-untyped-def]
    sam = new_page(390, 844)
    sign_in(sam, server, "sam@demo.holdspace.org", DEMO_PASSWORD)
    sam.goto(sam.url + "measures/gad7/baseline/")
    sam.get_by_role("button", name="One question at a time").click()
    questions = sam.locator("fieldset.question")
    expect(questions.nth(0)).to_be_visible()
    expect(questions.nth(1)).to_be_hidden()
    expect(sam.get_by_role("button", name="Send my answers")).to_be_hidden()
    for index in range(7):
        expect(questions.nth(index)).to_be_visible()
        questions.nth(index).get_by_label("Not at all").check()  # a choice moves on
    expect(sam.locator(".progress")).to_have_text("7 of 7 answered")
    sam.get_by_role("button", name="Previous").click()
    expect(questions.nth(5)).to_be_visible()
    sam.get_by_role("button", name="Show all questions").click()
    expect(questions.nth(0)).to_be_visible()
    sam.get_by_role("button", name="Send my answers").click()
    expect(sam.get_by_text("Your score: 0")).to_be_visible()
