"""Alex answers PHQ-9 item 9 above 0 on a phone. Within a minute the worker has e-mailed the
care team and the clinical lead, with no clinical content; Dana, the clinical lead, follows the
e-mail's sign-in link, signs in with her second step and lands on the alert in the console,
and the outbox lists the notifications as sent."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from playwright.sync_api import expect

from holdspace.accounts.models import User
from holdspace.conftest import totp_now
from holdspace.demo import DEMO_PASSWORD
from holdspace.measures.models import SafetyAlert
from holdspace.notifications.models import Notification

from .conftest import BIN, Server, _database_url, sign_in

pytestmark = pytest.mark.browser

ANSWERS = ["Several days"] * 4 + ["Not at all"] * 4 + ["Several days", "Somewhat difficult"]
LEAD = "lead@demo.holdspace.org"


@pytest.fixture
def worker(server: Server, demo_practice: None, tmp_path: Path) -> Iterator[Path]:
    """`holdspace worker` on the test database, as production runs it beside the server; the
    console e-mail backend prints what it sends to its log."""
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "holdspace.settings",
        "DATABASE_URL": _database_url(),
        "HOLDSPACE_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "browser-tests",
        "HOLDSPACE_AUDIT_KEY": settings.AUDIT_KEY,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(BIN), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield log_path
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _message_to(log: Path, address: str, deadline: float) -> str:
    """The e-mail to ADDRESS in the worker's log, waiting for it until DEADLINE."""
    while True:
        for message in log.read_text(errors="replace").split("-" * 79):
            if re.search(rf"^To: {re.escape(address)}$", message, re.MULTILINE):
                return message
        if time.monotonic() > deadline:
            raise AssertionError(f"No e-mail to {address}:\n{log.read_text()}")
        time.sleep(0.25)


def test_it_brings_the_clinical_lead_from_the_alert_email_to_the_alert(
    server, new_page, worker
) -> None:  # type: ignore[no-untyped-def]
    secret = generate_totp_secret()
    TOTP.activate(User.objects.get(email=LEAD), secret)
    alex = new_page(390, 844)
    sign_in(alex, server, "alex@demo.holdspace.org", DEMO_PASSWORD)
    alex.get_by_role("link", name="Generalized Anxiety Disorder-7 (GAD-7) · Baseline").wait_for()
    alex.goto(alex.url + "measures/phq9/week_1/")
    questions = alex.locator("fieldset.question")
    for index, answer in enumerate(ANSWERS):
        questions.nth(index).get_by_label(answer).check()
    alex.get_by_role("button", name="Send my answers").click()
    expect(alex.get_by_role("heading", name="Thank you — your answers are saved")).to_be_visible()
    raised = time.monotonic()
    alert = SafetyAlert.objects.get(partner__email="alex@demo.holdspace.org", rule_id="phq9_item9")

    # Within a minute: the worker's queued task has e-mailed the lead (and the care team).
    message = _message_to(worker, LEAD, raised + 60)
    assert "Subject: Holdspace: an alert needs your attention" in message
    for clinical in ("Item 9", "PHQ", "self-harm", "Alex", "Sam"):
        assert clinical not in message
    link = re.search(r"https?://[^/\s]+(/r/[\w-]+)", message)
    assert link is not None, message

    # Dana, signed out, taps the link on her laptop: she signs in as usual, with the second step
    # she set up long ago, and lands on the alert in the console.
    dana = new_page(1280, 900)
    dana.goto(server + link.group(1))
    dana.get_by_label("Email").fill(LEAD)
    dana.get_by_label("Password").fill(DEMO_PASSWORD)
    dana.get_by_role("button", name="Sign in").click()
    dana.get_by_label("Code").fill(totp_now(secret))
    dana.get_by_role("button", name="Sign In").click()
    card = dana.locator(f"article#alert-{alert.pk}")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Item 9")
    assert dana.url.endswith(f"#alert-{alert.pk}")

    # The outbox lists the notification of each person as sent.
    dana.goto(server + "/console/outbox/")
    rows = dana.locator("tr.outbox-safety_alert")
    expect(rows.filter(has_text=LEAD)).to_contain_text("Sent")
    expect(rows.filter(has_text="guide@demo.holdspace.org")).to_contain_text("Sent")
    assert set(Notification.objects.filter(alert=alert).values_list("status", flat=True)) == {
        "sent"
    }
    assert time.monotonic() - raised < 60

    # The link was for one use only.
    again = new_page(390, 844)
    again.goto(server + link.group(1))
    expect(again.get_by_role("heading", name="This link no longer works")).to_be_visible()
