"""A clinical lead adds a couple; a partner follows the e-mailed link on a phone and lands in
their portal."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from holdspace.conftest import totp_now
from holdspace.demo import DEMO_PASSWORD

from .conftest import Server, sign_in

pytestmark = pytest.mark.browser


def _invitation_link(server: Server, email: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        log = server.log.read_text(errors="replace")
        # The newest message to EMAIL: the server's output is shared by every browser test.
        for message in reversed(log.split("To: ")[1:]):
            if message.startswith(email):
                found = re.search(r"http://\S+/invitations/\S+/", message)
                if found:
                    return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no invitation to {email} in the server's e-mail output")


def test_it_carries_a_new_couple_from_the_console_to_the_partner_portal(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    lead = new_page(1280, 900)
    sign_in(lead, server, "lead@demo.holdspace.org", DEMO_PASSWORD)
    # Outside demo mode, staff set up TOTP before anything else.
    expect(lead.get_by_text("Staff accounts sign in with an authenticator app")).to_be_visible()
    expect(lead.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    secret = lead.get_by_label("Authenticator secret").input_value()
    lead.get_by_label("Authenticator code").fill(totp_now(secret))
    lead.get_by_role("button", name="Activate").click()
    lead.wait_for_load_state()
    # The recovery codes straight after, with the way on.
    expect(lead.get_by_label("Unused codes")).to_be_visible()
    lead.get_by_role("link", name="Continue to Holdspace").click()
    lead.wait_for_load_state()
    # Staff start the day on Today; the couples list is one step away.
    assert lead.url == server + "/today/"
    lead.get_by_role("link", name="Couples", exact=True).first.click()
    lead.get_by_role("link", name="Add a couple").click()
    lead.get_by_label("Couple name").fill("Kai & Noa")
    lead.get_by_label("Robin Hale (facilitator)").check()
    lead.get_by_label("First partner's name").fill("Kai")
    lead.get_by_label("First partner's e-mail").fill("kai@example.org")
    lead.get_by_label("Second partner's name").fill("Noa")
    lead.get_by_label("Second partner's e-mail").fill("kai@example.org")
    lead.get_by_role("button", name="Add and invite").click()
    expect(lead.locator("#id_partner_b_email_error")).to_have_text(
        "The two partners need different addresses."
    )
    expect(lead.locator("[data-error-summary]")).to_contain_text("need different addresses")
    lead.get_by_label("Second partner's e-mail").fill("noa@example.org")
    lead.get_by_role("button", name="Add and invite").click()
    expect(lead.get_by_text("Both partners have been sent an invitation.")).to_be_visible()
    expect(lead.get_by_role("heading", name="Kai & Noa")).to_be_visible()

    kai = new_page()
    link = _invitation_link(server, "kai@example.org")
    kai.goto(link.replace("http://127.0.0.1:8000", server.url))
    expect(kai.get_by_role("heading", name="Welcome, Kai")).to_be_visible()
    kai.get_by_label("Choose a password").fill("a long quiet river")
    kai.get_by_label("The same password again").fill("a long quiet river")
    kai.get_by_role("button", name="Join").click()
    expect(kai.get_by_role("heading", name="Kai & Noa")).to_be_visible()
    expect(kai.get_by_text("Robin Hale (facilitator)")).to_be_visible()

    # The link worked once.
    again = new_page().goto(link.replace("http://127.0.0.1:8000", server.url))
    assert again is not None and again.status == 404
