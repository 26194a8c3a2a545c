"""Jordan, on a phone, sends two forms that are refused: focus lands on a summary at the top that
says there is a problem, the title says so, and each of its links takes focus to its field. On
the journal, choosing a kind says who will see the entry before it is saved."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from holdspace.demo import DEMO_PASSWORD

from .conftest import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("A11Y_SHOTS", "/tmp/shots-a11yforms"))
FOCUSED_SUMMARY = (
    "document.activeElement && document.activeElement.hasAttribute('data-error-summary')"
)
FOCUSED_ID = "document.activeElement ? document.activeElement.id : ''"


def _shoot(page: Page, name: str) -> None:
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)


def _journal(page: Page, server) -> str:  # type: ignore[no-untyped-def]
    couple = page.url.split("/couples/")[1].split("/")[0]
    return f"{server.url}/couples/{couple}/journal/"


@pytest.mark.parametrize("width", [390, 1280])
def test_it_announces_a_refused_form_and_links_each_field(
    server, new_page, demo_practice, width: int
) -> None:  # type: ignore[no-untyped-def]
    jordan = new_page(width, 844)
    problems: list[str] = []  # console errors, including Content-Security-Policy violations
    jordan.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    sign_in(jordan, server, "jordan@demo.holdspace.org", DEMO_PASSWORD)
    journal = _journal(jordan, server)

    # A plain form: the password change, refused for a wrong current password and a short one.
    jordan.goto(server + "/accounts/password/change/")
    jordan.get_by_label("Current password").fill("not it")
    jordan.get_by_label("New Password", exact=True).fill("short")
    jordan.get_by_label("New Password (again)").fill("short")
    jordan.get_by_role("button", name="Change password").click()
    jordan.wait_for_load_state()
    assert jordan.title().startswith("Error: ")
    jordan.wait_for_function(FOCUSED_SUMMARY)
    summary = jordan.locator("[data-error-summary]")
    expect(summary).to_contain_text("There is a problem")
    _shoot(jordan, "password-refused")
    summary.get_by_role("link").nth(1).click()
    assert jordan.evaluate(FOCUSED_ID) == "id_password1"
    expect(jordan.locator("#id_password1")).to_have_attribute("aria-invalid", "true")

    # A form with radio groups: a journal entry sent with no body and no one chosen to see it.
    jordan.goto(journal)
    jordan.evaluate(
        "document.querySelectorAll('input[name=visibility]').forEach(r => { r.checked = false; })"
    )
    jordan.get_by_role("button", name="Save").click()
    jordan.wait_for_load_state()
    assert jordan.title().startswith("Error: ")
    jordan.wait_for_function(FOCUSED_SUMMARY)
    _shoot(jordan, "journal-refused")
    summary = jordan.locator("[data-error-summary]")
    summary.get_by_role("link", name="Who can see this").click()
    assert jordan.evaluate(FOCUSED_ID) == "id_visibility_0"
    group = jordan.get_by_role("group", name="Who can see this")
    expect(group).to_have_attribute("aria-describedby", "id_visibility_error")
    expect(jordan.locator("#id_visibility_0")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link").first.click()
    assert jordan.evaluate(FOCUSED_ID) == "id_body"
    assert problems == []


@pytest.mark.parametrize("width", [390, 1280])
def test_it_says_who_will_see_an_entry_as_its_kind_is_chosen(
    server, new_page, demo_practice, width: int
) -> None:  # type: ignore[no-untyped-def]
    jordan = new_page(width, 844)
    sign_in(jordan, server, "jordan@demo.holdspace.org", DEMO_PASSWORD)
    jordan.goto(_journal(jordan, server))
    hint = jordan.locator("#kind-hint")
    expect(hint).to_have_attribute("aria-live", "polite")
    kinds = jordan.get_by_role("group", name=jordan.locator("fieldset legend").first.inner_text())
    expect(kinds).to_have_attribute("aria-describedby", "kind-hint")

    jordan.get_by_label("A journal entry, for myself").check()
    expect(hint).to_have_text("Only you will see this entry; you can change who sees it below.")
    jordan.get_by_label("A shared reflection, written for the two of us").check()
    expect(hint).to_contain_text("seen by you both")
    expect(jordan.get_by_label("Couple — both of us and our care team")).to_be_checked()
    _shoot(jordan, "journal-hint")

    # Once Jordan picks who sees it, the kind no longer changes it, and the hint says so.
    jordan.get_by_label("Private — only me").check()
    expect(hint).to_contain_text("Only you will see this entry")
    jordan.get_by_label("A journal entry, for myself").check()
    jordan.get_by_label("A shared reflection, written for the two of us").check()
    expect(hint).to_contain_text("Only you will see this entry")
