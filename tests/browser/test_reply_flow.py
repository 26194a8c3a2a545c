"""Jordan shares a reflection with the couple; their facilitator first sends an empty reply
(refused, nothing lost), then replies; Riley and Jordan both see the reply beneath it and that
their care team read it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from holdspace.couples.models import Entry, EntryReply
from holdspace.demo import DEMO_PASSWORD

from .conftest import sign_in, sign_in_staff

pytestmark = pytest.mark.browser

REPLY = "Thank you for sending this. Let's begin there on Thursday."


def test_the_care_team_replies_beneath_a_shared_entry(server, new_page, demo_practice) -> None:  # type: ignore[no-untyped-def]
    entry = Entry.objects.filter(couple__name="Riley & Jordan", visibility="couple").first()
    assert entry is not None
    guide = new_page(width=1280, height=900)
    problems: list[str] = []
    guide.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in_staff(guide, server, "guide@demo.holdspace.org", DEMO_PASSWORD)
    guide.goto(f"{server.url}/couples/{entry.couple_id}/")
    card = guide.locator(f"#entry-{entry.pk}")
    card.locator("summary", has_text="Reply").click()
    card.get_by_role("button", name="Send reply").click()
    expect(guide.get_by_text("Write a reply before sending.")).to_be_visible()
    assert not EntryReply.objects.exists()

    guide.get_by_label("Your reply").fill(REPLY)
    guide.get_by_role("button", name="Send reply").click()
    expect(guide.get_by_text("Reply sent.")).to_be_visible()
    expect(guide.locator(f"#entry-{entry.pk} li.reply")).to_contain_text(REPLY)
    # No Content-Security-Policy violation or script error (the refused reply's 422 aside).
    assert [p for p in problems if "status of 422" not in p] == []

    for email in ("riley@demo.holdspace.org", "jordan@demo.holdspace.org"):
        partner = new_page()
        sign_in(partner, server, email, DEMO_PASSWORD)
        partner.get_by_role(
            "link", name="Journal", exact=True
        ).click()  # the portal's Journal section
        mine = partner.locator(f"#entry-{entry.pk}")
        expect(mine.locator("li.reply")).to_contain_text(REPLY)
        expect(mine.get_by_text("Read by your care team")).to_be_visible()
        expect(mine.get_by_role("button", name="Send reply")).to_have_count(0)
        assert partner.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
