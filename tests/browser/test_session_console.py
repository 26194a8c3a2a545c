"""The live console on a phone: events recorded while the connection is cut are kept in the
browser and arrive exactly once, in the order they were taken, once it is back; the session is
then run to its end and both partners are discharged. On a tablet: a discharge six minutes after
the dose is refused with its rule, and a refused event keeps what was typed, shows why, survives
a reload and is edited and sent again."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from holdspace.conftest import totp_now
from holdspace.demo import DEMO_PASSWORD
from holdspace.measures.models import SafetyAlert
from holdspace.sessions.models import Discharge, MedicineSession, SessionEvent, SessionStatus

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


def test_it_sends_events_recorded_offline_exactly_once_in_order(  # type: ignore[no-untyped-def]
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
    # The alert names the partner it is about, live and after a reload.
    expect(guide.locator("[data-live-alerts] .event-alert")).to_contain_text("Jordan: ")
    guide.reload()
    expect(guide.locator("[data-live-alerts] .event-alert")).to_contain_text(
        re.compile(r"Jordan: .*Systolic pressure 172 mmHg")
    )

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


def test_it_lets_a_facilitator_run_the_session_to_discharge_on_a_phone(  # type: ignore[no-untyped-def]
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
        column.locator("summary", has_text="Dose given").click()
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
    expect(joint.locator("li.event.is-refused")).to_contain_text(
        "Minimum duration: 4 h 00 min from the first dose"
    )
    joint.get_by_role("button", name="Edit and resend").click()
    joint.get_by_label("Reason").select_option("emergency_transfer")
    joint.get_by_label("Note (for a transfer: where, and by whom)").fill(
        "Jordan: chest pain; ambulance to St Vincent, Riley accompanied by staff."
    )
    joint.get_by_role("button", name="End the session").click()
    expect(joint.locator("li.event.kind-end.is-saved")).to_have_count(1)
    expect(guide.locator("li.event.is-refused")).to_have_count(1)  # Riley's touch, kept
    riley.get_by_role("button", name="Discard").click()
    expect(guide.locator("[data-queue-status]")).to_have_text("All saved")

    for name in ("Riley", "Jordan"):
        guide.reload()
        guide.get_by_role("link", name=f"Discharge {name}").click()
        for criterion in guide.locator("input[name=criteria_confirmed]").all():
            criterion.check()
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


# Counts what the status line said while an event was refused and kept on the device.
_WATCH_STATUS = """
window.__claims = [];
document.addEventListener("DOMContentLoaded", function () {
  var line = document.querySelector("[data-queue-status]");
  if (!line) { return; }
  new MutationObserver(function () {
    var key = Object.keys(localStorage).filter(function (k) { return /:refused$/.test(k); })[0];
    var refused = key ? JSON.parse(localStorage.getItem(key) || "[]").length : 0;
    window.__claims.push([line.textContent, refused]);
  }).observe(line, { childList: true, characterData: true, subtree: true });
});
"""


def test_it_shows_a_refusal_with_its_reason_and_loses_nothing_typed(  # type: ignore[no-untyped-def]
    server, new_page, demo_practice
) -> None:
    session = MedicineSession.objects.get(couple__name="Riley & Jordan", status="scheduled")
    MedicineSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=1)
    )
    zone = ZoneInfo(session.organisation.time_zone)
    guide = new_page(1280, 900)
    guide.add_init_script(_WATCH_STATUS)
    _guide(guide, server)
    guide.goto(server + f"/sessions/{session.pk}/")
    riley, jordan = _column(guide, "Riley"), _column(guide, "Jordan")
    status = guide.locator("[data-queue-status]")
    clock = guide.locator(".session-timer .elapsed")

    # Vital signs before the dose: recorded, but the session has not begun.
    jordan.get_by_label("Heart rate").fill("68")
    jordan.get_by_role("button", name="Record vitals").click()
    expect(jordan.locator("li.event.kind-vitals.is-saved")).to_have_count(1)
    expect(status).to_have_text("All saved")
    expect(clock).to_have_text("no dose yet")
    stage = guide.locator("[data-session-stage]")
    expect(stage).to_have_text("Scheduled")
    session.refresh_from_db()
    assert (session.status, session.started_at) == (SessionStatus.SCHEDULED, None)

    # Riley's dose, noted six minutes ago and typed in now, in the organisation's time.
    dosed = (timezone.now() - timedelta(minutes=6)).astimezone(zone)
    riley.locator("summary", has_text="Dose given").click()
    riley.locator("form[data-kind=dose]").get_by_label("Taken at (if not now)").fill(
        dosed.strftime("%H:%M")
    )
    riley.get_by_role("button", name="Record the dose").click()
    dose = riley.locator("li.event.kind-dose.is-saved")
    expect(dose).to_have_count(1)
    expect(dose.locator("time")).to_have_text(dosed.strftime("%H:%M"))
    expect(clock).to_have_text(re.compile(r"^0 h 0[67] min$"))
    expect(stage).to_have_text("In progress")  # without a reload
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS

    # Discharging Riley six minutes after the dose is refused, with the rule and its source.
    guide.get_by_role("link", name="Discharge Riley").click()
    for criterion in guide.locator("input[name=criteria_confirmed]").all():
        criterion.check()
    guide.get_by_label("Leaving as the transportation plan says").check()
    guide.get_by_role("button", name="Sign off the discharge").click()
    refusal = guide.locator(".form-errors")
    expect(refusal).to_contain_text(
        "Minimum duration: 4 h 00 min from the first dose, for 20 mg psilocybin given, has not "
        "passed; 6 min so far (OAR 333-333-5250"
    )
    expect(guide.locator("input[name=criteria_confirmed]:checked")).to_have_count(3)
    assert not Discharge.objects.filter(session=session).exists()

    # A reading the server refuses keeps what was typed, with the reason beside it.
    guide.goto(server + f"/sessions/{session.pk}/")
    riley = _column(guide, "Riley")
    riley.get_by_label("Systolic").fill("120")
    riley.get_by_label("Diastolic").fill("130")
    riley.get_by_role("button", name="Record vitals").click()
    refused = riley.locator("li.event.is-refused")
    expect(refused).to_contain_text("Not saved: diastolic must be lower than systolic")
    expect(riley.get_by_label("Systolic")).to_have_value("120")
    expect(riley.get_by_label("Diastolic")).to_have_value("130")
    expect(status).to_have_text("1 event not saved: edit and resend, or discard")

    # It survives a reload, still refused and still saying why.
    guide.reload()
    riley = _column(guide, "Riley")
    refused = riley.locator("li.event.is-refused")
    expect(refused).to_contain_text("diastolic must be lower than systolic")
    expect(status).to_have_text("1 event not saved: edit and resend, or discard")
    expect(riley.get_by_label("Diastolic")).to_have_value("")

    # Edit and resend: the values come back to the form, corrected, and are saved once.
    refused.get_by_role("button", name="Edit and resend").click()
    expect(riley.get_by_label("Systolic")).to_have_value("120")
    expect(riley.get_by_label("Diastolic")).to_have_value("130")
    riley.get_by_label("Diastolic").fill("80")
    riley.get_by_role("button", name="Record vitals").click()
    expect(riley.locator("li.event.kind-vitals.is-saved")).to_have_count(1)
    expect(riley.locator("li.event.is-refused")).to_have_count(0)
    expect(status).to_have_text("All saved")
    expect(riley.get_by_label("Diastolic")).to_have_value("")  # cleared once accepted

    vitals = SessionEvent.objects.filter(
        session=session, kind="vitals", partner__email__startswith="riley"
    )
    assert [(e.data["systolic"], e.data["diastolic"]) for e in vitals] == [(120, 80)]
    claims = guide.evaluate("window.__claims")
    assert claims, "the status line was never watched"
    assert not [text for text, refused_count in claims if refused_count and text == "All saved"]
    assert guide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
