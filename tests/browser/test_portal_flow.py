"""Jordan, on a phone, walks every section of the portal from its navigation: each section has
its own address (a reload keeps the place), fits the screen with no sideways scroll at 390 and
320 px, charts included, and the back button returns to the section before."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from holdspace.demo import DEMO_PASSWORD

from .conftest import sign_in

pytestmark = pytest.mark.browser

SECTIONS = [
    ("Today", "/"),
    ("Journal", "/journal/"),
    ("Questionnaires", "/portal/questionnaires/"),
    ("Sessions", "/portal/sessions/"),
    ("Readings", "/readings/"),
    ("Report", "/report/"),
]
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


# What sticks out past the screen's right edge, to name it when a page does not fit.
STICKING_OUT = """[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 5)
  .map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))"""


def _fits(page: Page, where: str) -> None:
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{where}: {page.evaluate(STICKING_OUT)}"


def test_it_walks_the_portals_sections_on_a_phone_without_sideways_scroll(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    jordan = new_page(390, 844)
    problems: list[str] = []  # console errors, including Content-Security-Policy violations
    jordan.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(jordan, server, "jordan@demo.holdspace.org", DEMO_PASSWORD)
    expect(jordan.get_by_role("heading", name="Riley & Jordan")).to_be_visible()
    couple = jordan.url.split("/couples/")[1].split("/")[0]
    base = f"{server.url}/couples/{couple}"
    nav = jordan.get_by_role("navigation", name="Your portal")

    for name, path in SECTIONS:
        nav.get_by_role("link", name=name, exact=True).click()
        jordan.wait_for_load_state()
        assert jordan.url == base + path, (name, jordan.url)
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        _fits(jordan, f"{name} at 390 px")
        jordan.set_viewport_size({"width": 320, "height": 700})
        _fits(jordan, f"{name} at 320 px")
        jordan.set_viewport_size({"width": 390, "height": 844})
        jordan.reload()
        assert jordan.url == base + path  # a reload keeps the place

    # The charts: the whole trajectory drawn within the screen, its phone drawing shown.
    for path in ("/portal/questionnaires/", "/report/"):
        jordan.goto(base + path)
        charts = jordan.locator(".chart-narrow svg")
        expect(charts.first).to_be_visible()
        expect(jordan.locator(".chart-wide svg").first).to_be_hidden()
        box = charts.first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        _fits(jordan, f"{path} charts")

    # Back returns to the section before.
    jordan.goto(base + "/portal/sessions/")
    jordan.goto(base + "/journal/")
    jordan.go_back()
    assert jordan.url == base + "/portal/sessions/"
    assert problems == []


def test_it_shows_the_desktop_chart_on_a_wide_screen(server, new_page, demo_practice) -> None:  # type: ignore[no-untyped-def]
    jordan = new_page(1280, 900)
    sign_in(jordan, server, "jordan@demo.holdspace.org", DEMO_PASSWORD)
    nav = jordan.get_by_role("navigation", name="Your portal")
    nav.get_by_role("link", name="Questionnaires").click()
    expect(jordan.locator(".chart-wide svg").first).to_be_visible()
    expect(jordan.locator(".chart-narrow svg").first).to_be_hidden()
    _fits(jordan, "questionnaires at 1280 px")
