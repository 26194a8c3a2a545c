"""The live console on a phone: events recorded while the connection is cut are kept in the
browser and arrive exactly once, in the order they were taken, once it is back; the session is
then run to its end and both partners are discharged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from holdspace.conftest import totp_now
from holdspace.demo import DEMO_PASSWORD
from holdspace.measures.models import SafetyAlert
from holdspace.sessions.models import MedicineSession, SessionEvent, SessionStatus

from .conftest import Server, sign_in

pytestmark = pytest.mark.browser


def _guide(page: Page, server: Server) -> None:
    sign_in(page, server, "guide@demo.holdspace.org", DEMO_PASSWORD)
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()


def _column(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("section.partner-col", has=page.get_by_role("heading", name=name))


def test_events_recorded_offline_arrive_exactly_once_in_order(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    session = MedicineSession.objects.get(couple__name="Riley & Jordan", status="scheduled")
    MedicineSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    guide = new_page(390, 844)
    _guide(guide, server)
    guide.goto(server + f"/couples/{session.couple_id}/")
    guide.get_by_role("link", name="Open the console").click()
    expect(guide.get_by_role("heading", name="Riley & Jordan")).to_be_visible()
    status = guide.locator("[data-queue-status]")

    riley, jordan = _column(guide, "Riley"), _column(guide, "Jordan")
    riley.get_by_label("Systolic").fill("122")
    riley.get_by_label("Diastolic").fill("80")
    riley.get_by_label("Heart rate").fill("76")
    riley.get_by_role("button", name="Record vitals").click()
    expect(riley.locator("li.event.is-saved")).to_have_count(1)
    expect(status).to_have_text("All saved")

    # The connection drops: three more events are recorded and kept on the device.
    guide.context.set_offline(True)
    riley.get_by_text("Observation", exact=True).click()
    riley.get_by_label("What you notice").fill("Settling; eyeshades on.")
    riley.get_by_role("button", name="Record", exact=True).click()
    jordan.get_by_label("Systolic").fill("172")
    jordan.get_by_label("Diastolic").fill("96")
    jordan.get_by_label("Heart rate").fill("104")
    jordan.get_by_role("button", name="Record vitals").click()
    joint = guide.locator("section.joint")
    joint.get_by_text("Joint note").click()
    joint.get_by_label("Note", exact=True).fill("Both lying down, music low.")
    joint.get_by_role("button", name="Record").click()
    expect(status).to_contain_text("3 events waiting to send — offline")
    expect(guide.locator("li.event.is-pending")).to_have_count(3)
    assert SessionEvent.objects.filter(session=session).count() == 1

    guide.context.set_offline(False)
    expect(status).to_have_text("All saved", timeout=15_000)
    expect(guide.locator("li.event.is-saved")).to_have_count(4)
    expect(guide.locator("[data-live-alerts]")).to_contain_text("Systolic pressure 172 mmHg")

    # An answer lost after the server saved it: the browser sends the event again.
    first = guide.locator("li.event").first.get_attribute("data-event-id")
    stored = SessionEvent.objects.get(uuid=first)
    guide.evaluate(
        """([key, ev]) => localStorage.setItem(key, JSON.stringify([ev]))""",
        [
            f"holdspace:session:{session.pk}:queue",
            {
                "id": str(stored.uuid),
                "partner_id": stored.partner_id,
                "kind": stored.kind,
                "occurred_at": stored.occurred_at.isoformat(),
                "data": stored.data,
            },
        ],
    )
    expect(status).to_have_text("All saved", timeout=10_000)

    events = list(SessionEvent.objects.filter(session=session).order_by("occurred_at", "id"))
    assert len(events) == 4
    assert len({e.uuid for e in events}) == 4
    assert [e.kind for e in events] == ["vitals", "observation", "vitals", "note"]
    assert SafetyAlert.objects.filter(session_event__session=session).count() == 1
    assert guide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_facilitator_runs_the_session_to_discharge_on_a_phone(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    session = MedicineSession.objects.get(couple__name="Riley & Jordan", status="scheduled")
    MedicineSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    guide = new_page(390, 844)
    _guide(guide, server)
    guide.goto(server + f"/sessions/{session.pk}/")
    riley, jordan = _column(guide, "Riley"), _column(guide, "Jordan")
    for column in (riley, jordan):
        column.get_by_text("Dose given").click()
        column.get_by_role("button", name="Record the dose").click()
    expect(guide.locator("li.event.kind-dose.is-saved")).to_have_count(2)

    # Touch beyond Riley's consent is refused with the reason.
    riley.get_by_text("Supportive touch").click()
    riley.get_by_label("Kind of touch").select_option("feet")
    riley.get_by_role("button", name="Record touch").click()
    expect(riley.locator("li.event.is-refused")).to_contain_text(
        "does not cover this kind of touch"
    )

    # Ending before the minimum duration is refused; an emergency transfer is recorded.
    joint = guide.locator("section.joint")
    joint.locator("summary", has_text="End the session").click()
    joint.get_by_role("button", name="End the session").click()
    expect(joint.locator("li.event.is-refused")).to_contain_text("may end 240 minutes after")
    joint.get_by_label("Reason").select_option("emergency_transfer")
    joint.get_by_label("Note (for a transfer: where, and by whom)").fill(
        "Jordan: chest pain; ambulance to St Vincent, Riley accompanied by staff."
    )
    joint.get_by_role("button", name="End the session").click()
    expect(joint.locator("li.event.kind-end.is-saved")).to_have_count(1)

    for name in ("Riley", "Jordan"):
        guide.reload()
        guide.get_by_role("link", name=f"Discharge {name}").click()
        guide.get_by_label("The effects have resolved").check()
        guide.get_by_label("Oriented to time, place and person").check()
        if name == "Jordan":
            guide.get_by_label("If not: how they are leaving instead").fill("By ambulance.")
        else:
            guide.get_by_label("Leaving as the transportation plan says").check()
        guide.get_by_role("button", name="Sign off the discharge").click()
        expect(guide.get_by_text(f"{name} was discharged.")).to_be_visible()
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert session.end_reason == "emergency_transfer"
    assert guide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
