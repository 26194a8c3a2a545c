"""Alex writes a private entry; Sam cannot see it; Alex shares it with the couple; Sam can."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from holdspace.audit.services import audit_verify
from holdspace.couples.models import Entry
from holdspace.demo import DEMO_PASSWORD

from .conftest import sign_in

pytestmark = pytest.mark.browser

SECRET = "I am afraid that if I say how lonely I felt, Sam will hear it as blame."


def test_it_keeps_a_private_entry_from_the_partner_until_it_is_shared(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    alex, sam = new_page(), new_page()
    problems: list[str] = []  # console errors, including Content-Security-Policy violations
    for page in (alex, sam):
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(alex, server, "alex@demo.holdspace.org", DEMO_PASSWORD)
    expect(alex.get_by_role("heading", name="Alex & Sam")).to_be_visible()
    # The portal fits a phone: nothing wider than the screen.
    assert alex.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    alex.get_by_role("navigation", name="Your portal").get_by_role("link", name="Journal").click()
    alex.get_by_label("A journal entry, for myself").check()
    alex.get_by_label("Your words").fill(SECRET)
    expect(alex.get_by_label("Private — only me")).to_be_checked()
    alex.get_by_role("region", name="Write").get_by_role("button", name="Save").click()
    expect(alex.get_by_text("Saved.")).to_be_visible()
    card = alex.locator("article.entry", has_text=SECRET)
    expect(card.locator(".badge")).to_have_text("Private · only the author")

    sign_in(sam, server, "sam@demo.holdspace.org", DEMO_PASSWORD)
    expect(sam.get_by_role("heading", name="Alex & Sam")).to_be_visible()
    expect(sam.get_by_text(SECRET)).to_have_count(0)
    entry = Entry.objects.get(body=SECRET)
    direct = sam.goto(f"{server.url}/couples/{entry.couple_id}/entries/{entry.pk}/")
    assert direct is not None and direct.status == 404

    # Alex shares it with the couple; HTMX swaps the card in place.
    card.get_by_label("Who can see this").select_option("couple")
    card.get_by_role("button", name="Change").click()
    card = alex.locator("article.entry", has_text=SECRET)
    expect(card.locator(".badge")).to_have_text("Couple · both partners and care team")
    expect(card.get_by_text("Visibility changed.")).to_be_visible()
    assert alex.url.endswith(f"/couples/{entry.couple_id}/journal/")  # no full-page navigation

    sam.goto(f"{server.url}/couples/{entry.couple_id}/journal/")
    shared = sam.locator("section", has=sam.get_by_role("heading", name="Shared with me by Alex"))
    expect(shared.get_by_text(SECRET)).to_be_visible()
    expect(shared.locator("article.entry", has_text=SECRET).locator(".badge")).to_have_text(
        "Couple · both partners and care team"
    )
    # Sam may read it but not change who sees it.
    expect(shared.locator("article.entry", has_text=SECRET).locator("select")).to_have_count(0)

    entry.refresh_from_db()
    assert entry.visibility == "couple"
    assert audit_verify()[1] is None
    # Sam's direct visit to the private entry was a 404 page; nothing else went wrong.
    assert [p for p in problems if "404" not in p] == []
