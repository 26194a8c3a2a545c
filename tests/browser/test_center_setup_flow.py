"""A center from nothing: the organisation made by `holdspace create-organisation`, its first
org admin joining from the link, setting up two-factor authentication, inviting a facilitator
and a clinical lead from the Team page, adding rooms and confirming a new profile."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from holdspace.accounts.models import Invitation, Room
from holdspace.conftest import totp_now

from .conftest import Server

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
