"""Readings for the cast: a library in the Center and one in the Trial site."""

from __future__ import annotations

from typing import Any

from holdspace.accounts.models import Organisation
from holdspace.conftest import Cast
from holdspace.policy.couples import get_couple_for
from holdspace.readings.models import Reading, ReadingAssignment
from holdspace.readings.services import assignment_create, reading_create


def make_reading(
    cast: Cast, title: str = "What integration is", organisation: Organisation | None = None
) -> Reading:
    organisation = organisation or cast.center
    author = "lead" if organisation == cast.center else "trial_facilitator"
    return reading_create(
        viewer=cast.viewer(author),
        organisation=organisation,
        title=title,
        summary="The weeks after a session.",
        body_markdown="## Why it matters\n\nSlowly, *together*.\n\n- one\n- two",
        topic="integration",
    )


def assign(cast: Cast, reading: Reading, partner: Any = None, note: str = "") -> ReadingAssignment:
    viewer = cast.viewer("facilitator")
    return assignment_create(
        viewer=viewer,
        couple=get_couple_for(viewer, cast.couple.pk),
        reading_id=reading.pk,
        partner_id=partner.pk if partner is not None else None,
        note=note,
    )
