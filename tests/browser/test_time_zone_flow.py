"""One clock per organisation, in the browser: a facilitator's tablet set to Tokyo runs the
console of an Oregon center. The times the console shows as it records, a time typed into
"Taken at", and the times the server shows after a reload all read on Oregon's clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from holdspace.accounts.models import Organisation, User
from holdspace.demo import DEMO_PASSWORD
from holdspace.sessions.models import MedicineSession, SessionEvent

from .conftest import Server, sign_in_staff

pytestmark = pytest.mark.browser

OREGON = ZoneInfo("America/Los_Angeles")


def _column(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("section.partner-col", has=page.get_by_role("heading", name=name))


def _times(page: Page) -> dict[str, str]:
    """Each event's clock time as the page shows it, by event id."""
    shown: dict[str, str] = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll("li.event"))
            .map((li) => [li.dataset.eventId, li.querySelector("time").textContent.trim()]))"""
    )
    return shown


def test_it_shows_and_takes_the_oregon_centers_times_on_a_tablet_in_tokyo(  # type: ignore[no-untyped-def]
    server: Server, new_page, demo_practice
) -> None:
    center = Organisation.objects.get(slug="demo-service-center")
    assert center.time_zone == "America/Los_Angeles"  # the Oregon profile's suggestion
    session = MedicineSession.objects.get(couple__name="Riley & Jordan", status="scheduled")
    MedicineSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=5)
    )
    # A reading taken two minutes ago, typed on Oregon's clock (now, just after midnight there).
    oregon_now = timezone.now().astimezone(OREGON)
    taken = oregon_now - dt.timedelta(minutes=2)
    if taken.date() != oregon_now.date():
        taken = oregon_now
    typed = taken.strftime("%H:%M")

    guide = new_page(1280, 900, timezone_id="Asia/Tokyo")
    sign_in_staff(guide, server, "guide@demo.holdspace.org", DEMO_PASSWORD)
    guide.goto(server + f"/sessions/{session.pk}/")
    assert guide.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Tokyo"
    assert guide.evaluate("document.body.dataset.timeZone") == "America/Los_Angeles"

    riley, jordan = _column(guide, "Riley"), _column(guide, "Jordan")
    riley.get_by_label("Systolic").fill("122")
    riley.get_by_label("Diastolic").fill("80")
    riley.get_by_label("Heart rate").fill("76")
    riley.get_by_role("button", name="Record vitals").click()
    jordan.get_by_label("Systolic").fill("118")
    jordan.get_by_label("Diastolic").fill("76")
    jordan.get_by_label("Heart rate").fill("70")
    jordan.locator("form.event-form[data-kind=vitals]").get_by_label("Taken at (if not now)").fill(
        typed
    )
    jordan.get_by_role("button", name="Record vitals").click()
    expect(guide.locator("li.event.is-saved")).to_have_count(2)
    live = _times(guide)

    # What was stored, read on Oregon's clock, is what the console showed.
    stored = {str(e.uuid): e for e in SessionEvent.objects.filter(session=session, kind="vitals")}
    assert set(stored) == set(live)
    expected = {
        uid: e.occurred_at.astimezone(OREGON).strftime("%H:%M") for uid, e in stored.items()
    }
    assert live == expected
    jordan_id = User.objects.get(email="jordan@demo.holdspace.org").pk
    typed_event = next(e for e in stored.values() if e.partner_id == jordan_id)
    assert typed_event.occurred_at.astimezone(OREGON).strftime("%H:%M") == typed
    assert typed_event.occurred_at.astimezone(OREGON).date() == taken.date()

    # The reloaded page, drawn by the server, agrees with the console.
    guide.reload()
    expect(guide.locator("li.event.is-saved")).to_have_count(2)
    assert _times(guide) == live
