"""The demo library: three warm, careful readings, assigned as the demo story needs."""

from __future__ import annotations

import re

import pytest

from holdspace.accounts.models import User
from holdspace.demo import seed_demo
from holdspace.demo.readings import seed_demo_readings
from holdspace.readings.models import Reading, ReadingAssignment, ReadingRead
from holdspace.readings.services import render_markdown

pytestmark = pytest.mark.django_db

TITLES = {
    "Preparing for your session",
    "What integration is",
    "Talking with your partner about the experience",
}


def test_it_seeds_three_demo_readings_assigned_to_riley_and_jordan() -> None:
    seed_demo()
    reading_rows = Reading.objects.filter(organisation__slug="demo-service-center")
    assert set(reading_rows.values_list("title", flat=True)) == TITLES
    for reading in reading_rows:
        words = len(re.findall(r"[\w’']+", reading.body_markdown))
        assert 250 <= words <= 450, (reading.title, words)
        assert "<h2>" in render_markdown(reading.body_markdown)
        assert "<ul>" in render_markdown(reading.body_markdown)
        assert "%" not in reading.body_markdown  # no invented statistics
    riley = User.objects.get(email="riley@demo.holdspace.org")
    jordan = User.objects.get(email="jordan@demo.holdspace.org")
    theirs = ReadingAssignment.objects.filter(couple__name="Riley & Jordan")
    assert theirs.count() == 3
    assert set(theirs.values_list("reading__title", flat=True)) == TITLES
    assert list(theirs.exclude(partner=None).values_list("partner_id", flat=True)) == [riley.pk]
    assert ReadingRead.objects.filter(partner=jordan).count() == 2
    alex_sam = ReadingAssignment.objects.filter(couple__name="Alex & Sam")
    assert list(alex_sam.values_list("reading__title", flat=True)) == ["Preparing for your session"]
    # Idempotent: a second run adds nothing.
    counts = (
        Reading.objects.count(),
        ReadingAssignment.objects.count(),
        ReadingRead.objects.count(),
    )
    for organisation in {r.organisation for r in Reading.objects.select_related("organisation")}:
        seed_demo_readings(organisation)
    assert counts == (
        Reading.objects.count(),
        ReadingAssignment.objects.count(),
        ReadingRead.objects.count(),
    )
