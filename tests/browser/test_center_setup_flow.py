"""A center from nothing: the organisation made by `holdspace create-organisation`, its first
org admin joining from the link, setting up two-factor authentication, inviting a facilitator
and a clinical lead from the Team page, adding rooms, reviewing a new profile and adding a
couple; the facilitator, joining in turn, books a tentative medicine session on a phone and
moves it; the clinical lead finds the partner's screening that needs review on Today."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from holdspace.accounts.models import Invitation, Room, User
from holdspace.bookings.models import Booking
from holdspace.conftest import give_licence, totp_now
from holdspace.couples.models import Couple
from holdspace.policy.core import viewer_for
from holdspace.policy.couples import get_couple_for
from holdspace.screening.models import Decision
from holdspace.screening.rules import rule_set
from holdspace.screening.services import screening_submit

from .conftest import Server
from .test_invitation_flow import _invitation_link

PASSWORD = "a long quiet river"


def _join_as_staff(page: Page, link: str, name: str) -> None:
    """Accept a staff invitation, set up the authenticator production asks of staff, and go on
    to Holdspace (their Today)."""
    page.goto(link)
    expect(page.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_label("Unused codes")).to_be_visible()
    page.get_by_role("link", name="Continue to Holdspace").click()
    page.wait_for_load_state()


pytestmark = pytest.mark.browser


def test_it_sets_up_a_center_from_the_command_line_and_the_browser(
    server: Server, new_page, transactional_db, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    call_command(
        "create_organisation",
        name="Willamette Psilocybin Center",
        profile="oregon-psilocybin",
        time_zone="America/Los_Angeles",
        admin_email="dana@willamette.example.org",
        admin_name="Dana Reyes",
    )
    assert "Created Willamette Psilocybin Center" in capsys.readouterr().out
    # E-mail goes to this process's outbox here; the link is the one the e-mail carries.
    link = mail.outbox[-1].body.split("http://127.0.0.1:8000")[1].split()[0]

    dana = new_page(1280, 900)
    dana.goto(server + link)
    expect(dana.get_by_role("heading", name="Welcome, Dana Reyes")).to_be_visible()
    dana.get_by_label("Choose a password").fill("a long quiet river")
    dana.get_by_label("The same password again").fill("a long quiet river")
    dana.get_by_role("button", name="Join").click()
    expect(dana.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    secret = dana.get_by_label("Authenticator secret").input_value()
    dana.get_by_label("Authenticator code").fill(totp_now(secret))
    dana.get_by_role("button", name="Activate").click()
    expect(dana.get_by_label("Unused codes")).to_be_visible()
    dana.get_by_role("link", name="Continue to Holdspace").click()
    dana.wait_for_load_state()

    dana.goto(server + "/organisation/")
    dana.get_by_role("navigation").get_by_role("link", name="Team").click()
    for email, role, name in (
        ("robin@willamette.example.org", "facilitator", "Robin Park"),
        ("lee@willamette.example.org", "clinical_lead", "Lee Tanaka"),
    ):
        dana.get_by_label("E-mail").fill(email)
        dana.get_by_label("Role").select_option(role)
        dana.get_by_label("Name", exact=True).fill(name)
        dana.get_by_role("button", name="Send the invitation").click()
        expect(dana.get_by_text(f"{email} was invited as")).to_be_visible()
    expect(dana.get_by_role("button", name="Revoke lee@willamette.example.org")).to_be_visible()
    assert set(Invitation.objects.values_list("role", flat=True)) == {
        "org_admin",
        "facilitator",
        "clinical_lead",
    }

    dana.get_by_role("navigation").get_by_role("link", name="Organisation").click()
    dana.get_by_label("Room name").fill("Cedar room")
    dana.get_by_label("Notes").fill("Two mattresses, garden view")
    dana.get_by_role("button", name="Add the room").click()
    expect(dana.get_by_text("The room Cedar room was added.")).to_be_visible()
    dana.get_by_label("Room name").fill("cedar ROOM")
    dana.get_by_role("button", name="Add the room").click()
    expect(dana.get_by_text("already has a room named cedar ROOM")).to_be_visible()
    assert list(Room.objects.values_list("name", flat=True)) == ["Cedar room"]

    dana.get_by_label("Phone").fill("+1 503 555 0142")
    dana.get_by_role("button", name="Save the details").click()
    expect(dana.get_by_text("The organisation's details were saved.")).to_be_visible()

    dana.get_by_label("General therapy practice").check()
    dana.get_by_role("button", name="Review the change").click()
    expect(dana.get_by_text("MDMA can be planned.")).to_be_visible()
    dana.get_by_role("link", name="Keep the current profile").click()
    expect(dana.get_by_label("Oregon psilocybin services")).to_be_checked()

    # Robin, the facilitator, joins on a phone: their Today is calm on the first day.
    robin = new_page(390, 844)
    _join_as_staff(robin, _invitation_link(server, "robin@willamette.example.org"), "Robin Park")
    expect(robin.get_by_role("heading", level=1)).to_contain_text("Today")
    expect(robin.get_by_text("Nothing waits for you")).to_be_visible()

    # The org admin adds the first couple, with Robin as their facilitator.
    dana.get_by_role("navigation").get_by_role("link", name="Couples").click()
    dana.get_by_role("link", name="Add a couple").click()
    dana.get_by_label("Couple name").fill("Kai & Noa")
    dana.get_by_label("Robin Park").check()
    dana.get_by_label("First partner's name").fill("Kai")
    dana.get_by_label("First partner's e-mail").fill("kai@willamette.example.org")
    dana.get_by_label("Second partner's name").fill("Noa")
    dana.get_by_label("Second partner's e-mail").fill("noa@willamette.example.org")
    dana.get_by_role("button", name="Add and invite").click()
    expect(dana.get_by_role("heading", name="Kai & Noa")).to_be_visible()
    couple = Couple.objects.get(name="Kai & Noa")

    # Kai joins from the e-mail and answers screening: sertraline needs a clinical decision.
    kai_page = new_page(390, 844)
    kai_page.goto(_invitation_link(server, "kai@willamette.example.org"))
    kai_page.get_by_label("Choose a password").fill(PASSWORD)
    kai_page.get_by_label("The same password again").fill(PASSWORD)
    kai_page.get_by_role("button", name="Join").click()
    kai_page.wait_for_load_state()
    kai = User.objects.get(email="kai@willamette.example.org")
    questions = rule_set().questions
    screening = screening_submit(
        viewer=viewer_for(kai),
        couple=get_couple_for(viewer_for(kai), couple.pk),
        partner_id=kai.pk,
        substance="psilocybin",
        medications=["Sertraline 50 mg"],
        answers={c: False for c, q in questions.items() if q.group == "client_information"},
        date_of_birth=dt.date(1988, 4, 2),
    )
    assert screening.decision == Decision.REVIEW

    # Robin's licence, verified (its own flow, tested elsewhere), lets them be present.
    give_licence(User.objects.get(email="robin@willamette.example.org"), couple.organisation)

    # Robin books the couple's medicine session while they are still preparing: tentative, in
    # the Cedar room, then moved a day later.
    robin.get_by_role("navigation").get_by_role("link", name="Couples").click()
    robin.get_by_role("link", name="Kai & Noa").click()
    robin.get_by_role("link", name="Schedule a medicine session").click()
    zone = ZoneInfo("America/Los_Angeles")
    first_day = dt.datetime.now(zone).date() + dt.timedelta(days=14)
    robin.get_by_label("Date and start time").fill(f"{first_day.isoformat()}T09:30")
    robin.get_by_label("Room").fill("Attic")
    robin.get_by_label("Robin Park").check()
    robin.get_by_role("button", name="Book").click()
    expect(robin.locator("#id_room_error")).to_contain_text("Attic")  # an unknown room, named
    assert not Booking.objects.filter(kind="medicine").exists()
    robin.get_by_label("Room").fill("cedar room")
    robin.get_by_role("button", name="Book").click()
    expect(robin.get_by_role("heading", name="Medicine session booking")).to_be_visible()
    expect(robin.locator(".badge.tentative")).to_be_visible()
    booking = Booking.objects.get(kind="medicine")
    assert (booking.status, booking.room.name if booking.room else "") == (
        "tentative",
        "Cedar room",
    )

    moved_day = first_day + dt.timedelta(days=1)
    robin.get_by_label("Date and start time").fill(f"{moved_day.isoformat()}T10:00")
    robin.get_by_role("button", name="Move the session").click()
    expect(robin.locator(".booking-summary")).to_contain_text(f"{moved_day.day} ")
    booking.refresh_from_db()
    assert booking.starts_at == dt.datetime.combine(moved_day, dt.time(10, 0), tzinfo=zone)
    assert booking.status == "tentative"
    robin.get_by_role("link", name="On the calendar").click()
    expect(robin.get_by_text("Tentative").first).to_be_visible()
    assert robin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Lee, the clinical lead, joins and finds Kai's screening waiting on Today.
    lee = new_page(1280, 900)
    _join_as_staff(lee, _invitation_link(server, "lee@willamette.example.org"), "Lee Tanaka")
    expect(lee.get_by_role("heading", level=1)).to_contain_text("Today")
    waiting = lee.get_by_role("link", name="Screening needs a clinical lead's decision")
    expect(waiting).to_be_visible()
    waiting.click()
    expect(lee).to_have_url(f"{server.url}/couples/{couple.pk}/screenings/{screening.pk}/")
