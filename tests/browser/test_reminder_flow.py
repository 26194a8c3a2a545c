"""Jordan, on a phone, follows the reminder link from the e-mail, checks in on a commitment,
writes a private journal entry, and downloads the couple's progress report, whose first page
shows the charts."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pytest
from django.core import mail
from playwright.sync_api import expect

from holdspace.couples.models import Couple, Entry
from holdspace.integration.models import CheckIn

pytestmark = pytest.mark.browser

PRIVATE = "I noticed I still brace when Riley goes quiet. Writing it here first."


def _checkin_link(server) -> str:  # type: ignore[no-untyped-def]
    """The link after the check-in sentence of Jordan's reminder, sent as the demo loaded."""
    (message,) = [m for m in mail.outbox if m.to == ["jordan@demo.holdspace.org"]]
    assert "Time to check in" in message.body or "things are waiting" in message.subject
    found = re.search(r"check in on a commitment\.\n(\S+)", message.body)
    assert found is not None, message.body
    return server.url + found.group(1).removeprefix("http://127.0.0.1:8000")


def test_it_takes_jordan_from_a_reminder_to_a_checkin_a_journal_entry_and_the_report(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    couple = Couple.objects.get(name="Riley & Jordan")
    link = _checkin_link(server)
    phone = new_page(390, 844)
    problems: list[str] = []
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    # One tap: the link's page continues by itself and opens the commitment.
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Our commitments")).to_be_visible()
    assert re.search(rf"/couples/{couple.pk}/commitments/#commitment-\d+$", phone.url)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    commitment_id = int(phone.url.rsplit("-", 1)[1])
    card = phone.locator("section.commitment", has=phone.locator(f"#commitment-{commitment_id}"))
    card.get_by_label("A note (optional)").fill("Twenty minutes on the porch.")
    card.get_by_role("button", name="Done this time").click()
    expect(phone.locator(".messages").get_by_text("Checked in: done.")).to_be_visible()
    assert CheckIn.objects.filter(
        commitment_id=commitment_id, partner__email="jordan@demo.holdspace.org", status="done"
    ).exists()

    # The link was for one use only.
    again = new_page(390, 844)
    again.goto(link)
    expect(again.get_by_role("heading", name="This link no longer works")).to_be_visible()

    # A private journal entry.
    phone.goto(f"{server.url}/couples/{couple.pk}/journal/")
    expect(phone.get_by_role("heading", name="Journal", exact=True)).to_be_visible()
    phone.get_by_label("A journal entry, for myself").check()
    phone.get_by_label("Your words").fill(PRIVATE)
    phone.get_by_label("Private — only me").check()
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text(PRIVATE)).to_be_visible()
    entry = Entry.objects.get(body=PRIVATE)
    assert (entry.visibility, entry.author.email) == ("private", "jordan@demo.holdspace.org")

    # The couple's report as PDF, charts on its first page.
    response = phone.request.get(f"{server.url}/couples/{couple.pk}/report.pdf?variant=couple")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(io.BytesIO(response.body()))
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Riley & Jordan" in text
    assert PRIVATE not in text  # Jordan's private entry is not in the couple's report
    image = pdf[0].render(scale=1).to_pil().convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []

    def near(rgb: tuple[int, int, int]) -> int:
        close = (n for n, c in colours if sum(abs(a - b) for a, b in zip(c, rgb, strict=True)) < 40)
        return sum(close)

    # The first chart is drawn on the first page: Riley's teal line and Jordan's amber one
    # (both chose to show each other their scores), over the severity bands.
    assert near((0x2F, 0x5D, 0x62)) > 200
    assert near((0xB5, 0x65, 0x1D)) > 100
    assert near((0xE6, 0xF0, 0xE2)) > 2000  # the "none" band's green
    assert problems == []
