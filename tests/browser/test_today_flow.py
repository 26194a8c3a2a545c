"""The facilitator's day on a phone: signed in, Robin lands on Today, sees the safety alert at
the top of what waits for them, follows it to the couple's page, acknowledges it there, and
finds it gone from Today."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from holdspace.couples.models import Couple
from holdspace.demo import DEMO_PASSWORD
from holdspace.measures.models import SafetyAlert

from .conftest import sign_in_staff

pytestmark = pytest.mark.browser


def test_it_takes_the_facilitator_from_today_to_the_alert_and_back(
    server, new_page, demo_practice
) -> None:  # type: ignore[no-untyped-def]
    couple = Couple.objects.get(name="Alex & Sam")
    alex = couple.partners.get(slot="a").user
    alert = SafetyAlert.objects.create(
        organisation=couple.organisation,
        couple=couple,
        partner=alex,
        rule_id="phq9_item9",
        message="Item 9 (thoughts of being better off dead or of self-harm) was answered above 0.",
        source="Simon et al. 2013",
    )

    guide = new_page(390, 844)
    sign_in_staff(guide, server, "guide@demo.holdspace.org", DEMO_PASSWORD)
    guide.goto(server + "/")
    expect(guide).to_have_url(server + "/today/")
    expect(guide.get_by_role("heading", name=re.compile("^Today"))).to_be_visible()
    assert guide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(guide.get_by_role("heading", name="Sessions today")).to_be_visible()

    # Safety alerts come first in what waits.
    groups = guide.locator("section.queue-group h3")
    expect(groups.first).to_contain_text("Safety alerts to acknowledge")
    item = guide.locator("section.queue-safety_alert li", has_text="Alex · Alex & Sam")
    expect(item).to_contain_text("just now")
    item.get_by_role("link", name=re.compile("^Item 9")).click()
    expect(guide).to_have_url(re.compile(rf"/couples/{couple.pk}/#alert-{alert.pk}$"))

    card = guide.locator(f"#alert-{alert.pk}")
    card.get_by_label("What you did or will do").fill("Called Alex; safe; plan in place.")
    card.get_by_role("button", name="Acknowledge").click()
    expect(guide.locator(f"#alert-{alert.pk}.done")).to_contain_text("Acknowledged by")

    guide.goto(server + "/today/")
    expect(guide.locator("section.queue-safety_alert")).to_have_count(0)
    expect(guide.get_by_role("heading", name=re.compile("^Entries not yet read"))).to_be_visible()
    assert guide.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
