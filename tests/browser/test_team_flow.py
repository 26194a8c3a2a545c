"""An org admin runs the Team page on a desktop: invites a facilitator (a bad address first),
who joins from the e-mailed link; then deactivates another facilitator, who is signed out on
their next click and cannot sign in again."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from holdspace.demo import DEMO_PASSWORD

from .conftest import Server, sign_in, sign_in_staff

pytestmark = pytest.mark.browser


def _invitation_link(server: Server, email: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        log = server.log.read_text(errors="replace")
        for message in log.split("To: ")[1:]:
            if message.startswith(email):
                found = re.search(r"http://\S+/invitations/\S+/", message)
                if found:
                    return found.group(0).replace("http://127.0.0.1:8000", server.url)
        time.sleep(0.2)
    raise AssertionError(f"no invitation to {email} in the server's e-mail output")


def test_it_invites_a_facilitator_and_deactivates_another_from_the_team_page(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    quinn = new_page()
    sign_in_staff(quinn, server, "quinn@demo.holdspace.org", DEMO_PASSWORD)
    quinn.goto(server + "/console/")
    expect(quinn.get_by_role("heading", name="Couples")).to_be_visible()

    admin = new_page(1280, 900)
    sign_in_staff(admin, server, "admin@demo.holdspace.org", DEMO_PASSWORD)
    admin.goto(server + "/console/")
    admin.get_by_role("link", name="Team").click()
    expect(admin.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    expect(admin.get_by_text("quinn@demo.holdspace.org")).to_be_visible()

    invite = admin.locator("form", has=admin.get_by_role("button", name="Send the invitation"))
    invite.get_by_label("E-mail").fill("sky.at.example.org")
    invite.get_by_label("Role").select_option("facilitator")
    invite.get_by_label("Name", exact=True).fill("Sky Moreno")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_text("Enter an e-mail address such as name@example.org.")).to_be_visible()
    expect(admin.get_by_label("Name", exact=True)).to_have_value("Sky Moreno")
    admin.get_by_label("E-mail").fill("sky@example.org")
    admin.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_text("sky@example.org was invited as Facilitator.")).to_be_visible()
    pending = admin.locator("section", has=admin.get_by_role("heading", name="Pending invitations"))
    expect(pending.get_by_role("button", name="Revoke sky@example.org")).to_be_visible()

    sky = new_page()
    sky.goto(_invitation_link(server, "sky@example.org"))
    sky.get_by_label("Choose a password").fill("a long quiet river")
    sky.get_by_label("The same password again").fill("a long quiet river")
    sky.get_by_role("button", name="Join").click()
    expect(sky.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()

    row = admin.get_by_role("row", name=re.compile("Quinn Avery"))
    row.get_by_role("button", name="Deactivate").click()
    expect(admin.get_by_text("was deactivated and signed out")).to_be_visible()
    expect(admin.get_by_role("row", name=re.compile("Quinn Avery"))).to_contain_text("Deactivated")

    # Quinn's next click signs them out, with the reason; signing in again is refused.
    quinn.reload()
    expect(quinn.get_by_text("deactivated by your organisation's admin")).to_be_visible()
    sign_in(quinn, server, "quinn@demo.holdspace.org", DEMO_PASSWORD)
    expect(quinn.get_by_text("deactivated by your organisation's admin")).to_be_visible()
    assert "/accounts/login/" in quinn.url

    admin.reload()
    admin.get_by_role("row", name=re.compile("Quinn Avery")).get_by_role(
        "button", name="Reactivate"
    ).click()
    expect(admin.get_by_text("Quinn Avery (facilitator) can work here again.")).to_be_visible()
