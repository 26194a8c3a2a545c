"""Take the README and docs screenshots from a running demo server.

make run            # in one terminal
make screenshots    # in another: writes docs/screenshots/*.png
python tests/browser/screenshots.py portal-   # only those whose file name starts so
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("HOLDSPACE_URL", "http://127.0.0.1:8000")
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = [
    # (file, who, path, width, the part of the page shown: a CSS selector, or the whole page)
    ("console-desktop.png", "lead@demo.holdspace.org", "/console/", 1280, None),
    ("couple-desktop.png", "guide@demo.holdspace.org", "/console/", 1280, None),
    ("portal-phone.png", "alex@demo.holdspace.org", "/portal/journal/", 390, "top"),
    ("login-phone.png", None, "/accounts/login/", 390, None),
    ("calendar-week-desktop.png", "guide@demo.holdspace.org", "/calendar/?view=week", 1280, None),
    ("calendar-day-phone.png", "lead@demo.holdspace.org", "/calendar/?view=day", 390, None),
    ("signin-demo-phone.png", None, "/accounts/login/", 390, None),
    ("signin-demo-desktop.png", None, "/accounts/login/", 1280, None),
    ("schedule-phone.png", "jordan@demo.holdspace.org", "/portal/", 390, "#schedule"),
    ("outbox-desktop.png", "lead@demo.holdspace.org", "/console/outbox/", 1280, None),
    ("journal-phone.png", "jordan@demo.holdspace.org", "/portal/journal/", 390, "top"),
    ("today-phone.png", "lead@demo.holdspace.org", "/today/", 390, None),
    ("today-desktop.png", "lead@demo.holdspace.org", "/today/", 1280, None),
    # The demo's staff invitation not accepted is the Team page's pending one.
    ("team-phone.png", "admin@demo.holdspace.org", "/organisation/team/", 390, None),
    ("team-desktop.png", "admin@demo.holdspace.org", "/organisation/team/", 1280, None),
    # The partner portal's sections, each at its own address (/portal/<section>/ opens it).
    ("portal-today-phone.png", "jordan@demo.holdspace.org", "/portal/today/", 390, None),
    ("portal-today-desktop.png", "jordan@demo.holdspace.org", "/portal/today/", 1280, None),
    ("portal-journal-phone.png", "jordan@demo.holdspace.org", "/portal/journal/", 390, "top"),
    (
        "portal-questionnaires-phone.png",
        "jordan@demo.holdspace.org",
        "/portal/questionnaires/",
        390,
        None,
    ),
    ("portal-sessions-phone.png", "jordan@demo.holdspace.org", "/portal/sessions/", 390, None),
    ("portal-readings-phone.png", "jordan@demo.holdspace.org", "/portal/readings/", 390, None),
    ("portal-report-phone.png", "jordan@demo.holdspace.org", "/portal/report/", 390, "top"),
    # What the regulator asks: the product ledger (the demo's first lot is the released one)
    # and Oregon's 303 quarterly report for the current quarter.
    ("ledger-desktop.png", "lead@demo.holdspace.org", "/inventory/", 1280, None),
    ("ledger-phone.png", "lead@demo.holdspace.org", "/inventory/", 390, None),
    ("lot-desktop.png", "lead@demo.holdspace.org", "/inventory/lots/1/", 1280, None),
    ("oregon-303-desktop.png", "lead@demo.holdspace.org", "/reports/oregon-303/", 1280, None),
    ("oregon-303-phone.png", "lead@demo.holdspace.org", "/reports/oregon-303/", 390, "top"),
]


def _report_page(page) -> None:  # type: ignore[no-untyped-def]
    """The first page of Riley & Jordan's progress report, as the PDF prints it."""
    import io

    import pypdfium2 as pdfium

    couple = page.url.rstrip("/").rsplit("/", 2)[-2]
    response = page.request.get(f"{BASE}/couples/{couple}/report.pdf?variant=couple")
    document = pdfium.PdfDocument(io.BytesIO(response.body()))
    document[0].render(scale=1.4).to_pil().save(OUT / "report-page1.png")
    document.close()
    print(OUT / "report-page1.png")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, who, path, width, part in SHOTS:
            if not name.startswith(tuple(sys.argv[1:]) or ""):
                continue
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            if who:
                page.goto(BASE + "/accounts/login/")
                page.get_by_label("Email").fill(who)
                page.get_by_label("Password").fill("holdspace-demo")
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state()
            page.goto(BASE + path)
            if name.startswith("couple-"):
                page.get_by_role("link", name="Riley & Jordan").click()
                page.wait_for_load_state()
            if part == "top":  # a long page: its first screens
                top = {"x": 0, "y": 0, "width": width, "height": 1400}
                page.screenshot(path=OUT / name, clip=top)
            elif part:
                page.locator(part).screenshot(path=OUT / name)
            else:
                page.screenshot(path=OUT / name, full_page=True)
            print(OUT / name)
            if name == "journal-phone.png":
                _report_page(page)
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
