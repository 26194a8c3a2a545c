"""Riley, on a phone, opens the reading their facilitator assigned to them alone; the read is
recorded and shows on the care team's page; Jordan never sees it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from holdspace.demo import DEMO_PASSWORD
from holdspace.readings.models import ReadingRead

from .conftest import sign_in, sign_in_staff

pytestmark = pytest.mark.browser

TITLE = "Talking with your partner about the experience"


def test_it_lets_riley_read_what_was_assigned_to_riley_alone(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    riley = new_page(390, 844)
    sign_in(riley, server, "riley@demo.holdspace.org", DEMO_PASSWORD)
    riley.get_by_role("navigation", name="Your portal").get_by_role("link", name="Readings").click()
    readings = riley.locator("main")
    expect(readings.get_by_role("link", name=TITLE)).to_be_visible()
    assert not ReadingRead.objects.filter(
        assignment__reading__title=TITLE, partner__email="riley@demo.holdspace.org"
    ).exists()

    readings.get_by_role("link", name=TITLE).click()
    expect(riley.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(riley.get_by_text("From Robin Hale (facilitator)")).to_be_visible()
    assert riley.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert ReadingRead.objects.filter(
        assignment__reading__title=TITLE, partner__email="riley@demo.holdspace.org"
    ).exists()

    guide = new_page(1280, 900)
    sign_in_staff(guide, server, "guide@demo.holdspace.org", DEMO_PASSWORD)
    couple_id = riley.url.split("/couples/")[1].split("/")[0]
    guide.goto(f"{server.url}/couples/{couple_id}/readings/")
    card = guide.locator(".assignment", has_text=TITLE)
    expect(card.get_by_text("Riley read it on")).to_be_visible()

    jordan = new_page(390, 844)
    sign_in(jordan, server, "jordan@demo.holdspace.org", DEMO_PASSWORD)
    expect(jordan.get_by_role("heading", name="Riley & Jordan")).to_be_visible()
    expect(jordan.get_by_text(TITLE)).to_have_count(0)
    jordan.goto(f"{server.url}/couples/{couple_id}/readings/")
    expect(jordan.get_by_text(TITLE)).to_have_count(0)
