"""What an automated scan cannot see. By keyboard, a focused control is never hidden under a
sticky bar (WCAG 2.4.11): not the second partner's controls on the live console under the
session bar, not a radio under the questionnaire's "N of 10 answered" line, tabbing forward or
back. At 320 px nothing a partner uses scrolls sideways (WCAG 1.4.10), the voice-note player
included; at 390 px a chart that does not fit would be a scroll region a keyboard cannot reach,
so none is left unreachable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from holdspace.couples.models import Couple
from holdspace.demo import DEMO_PASSWORD
from holdspace.sessions.models import MedicineSession

from .conftest import Server, sign_in, sign_in_staff

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-a11ylayout")

# The focused element's box against the sticky bar's: how many pixels of its height are under
# the bar (0 when clear), and what it is, to name it when it is not.
FOCUS_UNDER_BAR = """bar => {
  const focused = document.activeElement;
  if (!focused || focused === document.body) return null;
  const sticky = document.querySelector(bar);
  if (sticky.contains(focused)) return null;  // the bar's own links
  const f = focused.getBoundingClientRect(), b = sticky.getBoundingClientRect();
  const covered = Math.max(0, Math.min(f.bottom, b.bottom) - Math.max(f.top, b.top));
  const across = Math.min(f.right, b.right) > Math.max(f.left, b.left);
  return {covered: across ? covered : 0, height: f.height,
          what: focused.tagName + " " +
            (focused.name || focused.textContent || "").trim().slice(0, 40)};
}"""

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
STICKING_OUT = """[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 5)
  .map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().width))"""

# Every region that scrolls sideways, and whether a keyboard can reach it (focusable itself or
# holding something focusable): axe's scrollable-region-focusable.
UNREACHABLE_SCROLLERS = """[...document.querySelectorAll("body *")].filter(e => {
  const style = getComputedStyle(e);
  const scrolls = ["auto", "scroll"].includes(style.overflowX);
  if (!scrolls || e.scrollWidth <= e.clientWidth + 1) return false;
  return e.tabIndex < 0 && !e.querySelector("a[href], button, input, select, textarea, [tabindex]");
}).map(e => e.tagName + "." + e.className)"""


def _tab_through(page: Page, bar: str, key: str, presses: int) -> list[dict[str, object]]:
    """Press KEY PRESSES times; each focused element that is under BAR, however little."""
    hidden = []
    for _ in range(presses):
        page.keyboard.press(key)
        seen = page.evaluate(FOCUS_UNDER_BAR, bar)
        if seen is not None and seen["covered"] > 0:
            hidden.append(seen)
    return hidden


def _console(page: Page, server: Server) -> None:
    session = MedicineSession.objects.get(couple__name="Riley & Jordan", status="scheduled")
    MedicineSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    sign_in_staff(page, server, "guide@demo.holdspace.org", DEMO_PASSWORD)
    page.goto(server + f"/couples/{session.couple_id}/")
    page.get_by_role("link", name="Open the console").click()
    expect(page.get_by_role("heading", name="Riley & Jordan")).to_be_visible()


@pytest.mark.parametrize(("width", "height"), [(320, 640), (390, 844), (768, 1024), (1280, 800)])
def test_it_never_hides_a_console_control_under_the_session_bar(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice, width, height
) -> None:
    guide = new_page(width, height)
    _console(guide, server)
    controls = guide.locator(
        ".session-console :is(a[href], button, input:not([type=hidden]), select, textarea, summary)"
    ).count()
    assert controls > 20
    assert _tab_through(guide, ".session-bar", "Tab", controls + 5) == []
    assert _tab_through(guide, ".session-bar", "Shift+Tab", controls + 5) == []

    # Back up through the second partner's column from its last control to its first, the way
    # the bar once hid it: with the page scrolled and the bar stuck, each stays clear of it.
    jordan = guide.locator("section.partner-col").nth(1)
    first = jordan.locator("summary").first
    jordan.locator("summary").last.focus()
    for _ in range(controls):
        if first.evaluate("e => e === document.activeElement"):
            break
        guide.keyboard.press("Shift+Tab")
        seen = guide.evaluate(FOCUS_UNDER_BAR, ".session-bar")
        assert seen is None or seen["covered"] == 0, seen
    assert first.evaluate("e => e === document.activeElement")
    SHOTS.mkdir(exist_ok=True)
    guide.screenshot(path=SHOTS / f"console-second-partner-focus-{width}.png")


def test_it_never_hides_a_radio_under_the_questionnaires_progress_line(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    alex = new_page(390, 844)
    sign_in(alex, server, "alex@demo.holdspace.org", DEMO_PASSWORD)
    alex.goto(alex.url + "measures/phq9/week_1/")
    questions = alex.locator("fieldset.question")
    expect(questions).to_have_count(10)
    for index in range(9):  # answered, so each group is one Tab stop at its checked radio
        questions.nth(index).locator("input[type=radio]").nth(1).check()
    stops = 15
    alex.locator("h1").click()
    assert _tab_through(alex, ".progress", "Tab", stops) == []
    assert _tab_through(alex, ".progress", "Shift+Tab", stops) == []


def test_it_fits_every_page_a_partner_uses_at_320_px(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    riley = new_page(320, 640)
    sign_in(riley, server, "riley@demo.holdspace.org", DEMO_PASSWORD)
    couple = riley.url.split("/couples/")[1].split("/")[0]
    partner = Couple.objects.get(pk=couple).partners.get(user__email="riley@demo.holdspace.org")
    base = f"{server.url}/couples/{couple}"
    pages = [
        "/",
        "/journal/",
        "/portal/questionnaires/",
        "/portal/sessions/",
        "/readings/",
        "/report/",
        "/measures/phq9/week_1/",
        f"/partners/{partner.user_id}/forms/demographic_form/",
    ]
    for path in pages:
        riley.goto(base + path)
        riley.wait_for_load_state()
        assert riley.evaluate(NO_SIDEWAYS_SCROLL), (path, riley.evaluate(STICKING_OUT))
        if "forms" in path:  # the coded 303 form, under the practice's Oregon profile
            expect(riley.locator(".client-data-form")).to_be_visible()
        if path == "/journal/":  # Riley's journal holds a voice note
            player = riley.locator("audio").first
            expect(player).to_be_visible()
            box = player.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320


def test_it_leaves_no_chart_a_keyboard_cannot_reach_at_390_px(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    lead = new_page(390, 844)
    sign_in_staff(lead, server, "lead@demo.holdspace.org", DEMO_PASSWORD)
    for couple in Couple.objects.all():
        for path in (f"/couples/{couple.pk}/", f"/couples/{couple.pk}/report/"):
            lead.goto(server + path)
            assert lead.evaluate(UNREACHABLE_SCROLLERS) == [], path
            assert lead.evaluate(NO_SIDEWAYS_SCROLL), (path, lead.evaluate(STICKING_OUT))
            for chart in lead.locator("svg[role=img]").all():
                if chart.is_visible():
                    box = chart.bounding_box()
                    assert box is not None and box["x"] + box["width"] <= 390, path
    lead.goto(server + f"/couples/{Couple.objects.get(name='Riley & Jordan').pk}/report/")
    lead.locator("svg[role=img]:visible").first.scroll_into_view_if_needed()
    SHOTS.mkdir(exist_ok=True)
    lead.screenshot(path=SHOTS / "report-chart-390.png")


def test_it_rings_the_first_tab_stop_over_the_demo_banner_in_the_focus_colour(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    for width in (390, 1280):
        page = new_page(width, 700)
        sign_in(page, server, "riley@demo.holdspace.org", DEMO_PASSWORD)
        # The browser tests' server runs outside demo mode: the banner base.html shows in it
        # is put in place here, so the ring is seen over it as on the demo.
        page.evaluate(
            """() => { const banner = document.createElement("div");
                       banner.className = "demo-banner"; banner.textContent = "Demo";
                       document.querySelector(".skip").after(banner); }"""
        )
        expect(page.locator(".demo-banner")).to_be_visible()
        page.keyboard.press("Tab")
        ring = page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return [document.activeElement.className, s.outlineStyle, s.outlineColor,
                               s.outlineWidth]; }"""
        )
        assert ring == ["skip", "solid", "rgb(154, 90, 18)", "3px"]  # --focus: #9a5a12
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(
            path=SHOTS / f"focus-ring-banner-{width}.png",
            clip={"x": 0, "y": 0, "width": width, "height": 160},
        )
