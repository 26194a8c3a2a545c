"""Alex answers the PHQ-9 on a phone, items 1–8 and 10, and leaves item 9 blank. The page asks
before sending and names item 9; Alex sends anyway, with a double click; one response is
stored, and the facilitator's console shows "Item 9 was not answered: ask it"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from holdspace.demo import DEMO_PASSWORD
from holdspace.measures.models import MeasureResponse, SafetyAlert

from .conftest import sign_in, sign_in_staff

pytestmark = pytest.mark.browser

# Items 1–8, then item 10 (how difficult); item 9 is left blank.
ANSWERS = ["Several days"] * 3 + ["Not at all"] * 5


def test_it_asks_about_a_skipped_item_9_and_alerts_the_care_team_once(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    alex = new_page(390, 844)
    sign_in(alex, server, "alex@demo.holdspace.org", DEMO_PASSWORD)
    alex.get_by_role("link", name="Generalized Anxiety Disorder-7 (GAD-7) · Baseline").wait_for()
    form_url = alex.url + "measures/phq9/week_1/"
    alex.goto(form_url)
    questions = alex.locator("fieldset.question")
    for index, answer in enumerate(ANSWERS):
        questions.nth(index).get_by_label(answer).check()
    questions.nth(9).get_by_label("Somewhat difficult").check()
    expect(alex.locator(".progress")).to_have_text("9 of 10 answered")
    alex.get_by_role("button", name="Send my answers").click()

    # Nothing is sent yet: the page names item 9 and keeps every answer.
    confirm = alex.locator("#confirm-unanswered")
    expect(confirm).to_contain_text("Item 9 is not answered. Send your answers anyway?")
    expect(confirm.get_by_role("link", name="Answer item 9")).to_be_visible()
    expect(questions.nth(0).get_by_label("Several days")).to_be_checked()
    expect(questions.nth(8)).to_contain_text("Not answered yet.")
    assert alex.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not MeasureResponse.objects.filter(
        partner__email="alex@demo.holdspace.org", timepoint="week_1"
    ).exists()
    # What this open form sends, to send it again below.
    fields = alex.evaluate(
        "() => Array.from(new FormData(document.querySelector('form.measure')).entries())"
    )
    assert ["confirm_unanswered", "1"] not in fields

    confirm.get_by_role("button", name="Send anyway").dblclick()
    expect(alex.get_by_role("heading", name="Thank you — your answers are saved")).to_be_visible()
    expect(alex.get_by_role("status")).to_contain_text(
        "Item 9 is not answered. That is all right: someone from your care team will ask you"
    )
    expect(alex.get_by_text("may be going through a very hard time")).to_have_count(0)
    expect(alex.get_by_text("So no total was calculated.")).to_be_visible()
    response_url = alex.url

    # The same open form sent twice more at once (a resend racing a slow first send): both
    # come back to the same response.
    urls = alex.evaluate(
        """([url, fields]) => {
            const send = () => {
                const body = new URLSearchParams(fields);
                body.append("confirm_unanswered", "1");
                return fetch(url, {method: "POST", body: body}).then((r) => r.url);
            };
            return Promise.all([send(), send()]);
        }""",
        [form_url, fields],
    )
    assert urls == [response_url, response_url]
    stored = MeasureResponse.objects.filter(
        partner__email="alex@demo.holdspace.org", instrument="phq9", timepoint="week_1"
    )
    assert stored.count() == 1
    assert list(
        SafetyAlert.objects.filter(response__in=stored).values_list("rule_id", flat=True)
    ) == ["phq9_item9_unanswered"]

    guide = new_page(1280, 800)
    sign_in_staff(guide, server, "guide@demo.holdspace.org", DEMO_PASSWORD)
    guide.goto(server + "/console/")
    card = guide.locator("section.alerts article.alert-card", has_text="Alex")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Item 9 was not answered: ask it.")
    # The response's page shows the care team the answers, item 9 marked as not answered.
    guide.goto(response_url)
    expect(guide.locator("#item-phq9_9")).to_contain_text("Not answered")
    expect(guide.locator("#item-phq9_1")).to_contain_text("Several days")


def test_it_lets_a_partner_answer_item_9_after_all_when_asked(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    sam = new_page(390, 844)
    sign_in(sam, server, "sam@demo.holdspace.org", DEMO_PASSWORD)
    form_url = sam.url + "measures/phq9/week_1/"
    sam.goto(form_url)
    questions = sam.locator("fieldset.question")
    for index in [*range(8), 9]:
        questions.nth(index).locator("input[type=radio]").first.check()
    sam.get_by_role("button", name="Send my answers").click()
    confirm = sam.locator("#confirm-unanswered")
    expect(confirm).to_contain_text("Item 9 is not answered.")
    confirm.get_by_role("link", name="Answer item 9").click()
    questions.nth(8).get_by_label("Not at all").check()
    # Answered now: the question and the mark go away, and sending asks nothing more.
    expect(confirm).to_be_hidden()
    expect(questions.nth(8).locator(".not-answered")).to_be_hidden()
    sam.get_by_role("button", name="Send my answers").click()
    expect(sam.get_by_text("Your score: 0")).to_be_visible()
    stored = MeasureResponse.objects.get(
        partner__email="sam@demo.holdspace.org", timepoint="week_1"
    )
    assert (stored.total, stored.missing) == (0, [])
    assert not SafetyAlert.objects.filter(response=stored).exists()
