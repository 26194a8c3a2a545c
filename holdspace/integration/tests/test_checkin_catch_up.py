"""A partner catching up on an earlier week of a commitment: the check-in lands in that
week's period, never before the start and never in a week still to come."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from holdspace.conftest import Cast
from holdspace.integration.models import CheckIn, Commitment
from holdspace.integration.services import checkin_record, commitment_create
from holdspace.policy.couples import get_couple_for

pytestmark = pytest.mark.django_db


def _weekly(cast: Cast, started_days_ago: int = 20) -> tuple[Commitment, dt.date]:
    start = timezone.localdate() - dt.timedelta(days=started_days_ago)
    viewer = cast.viewer("partner_a")
    commitment = commitment_create(
        viewer=viewer,
        couple=get_couple_for(viewer, cast.couple.pk),
        description="Sunday check-in",
        who="both",
        cadence="weekly",
        starts_on=start,
    )
    return commitment, start


def test_it_records_a_check_in_for_the_week_the_day_falls_in(cast: Cast) -> None:
    commitment, start = _weekly(cast)
    viewer = cast.viewer("partner_b")
    couple = get_couple_for(viewer, cast.couple.pk)
    late = checkin_record(
        viewer=viewer,
        couple=couple,
        commitment=commitment,
        status="missed",
        note=" Away that week ",
        day=start + dt.timedelta(days=9),
    )
    today = checkin_record(
        viewer=viewer,
        couple=couple,
        commitment=commitment,
        status="done",
    )
    assert late.period_start == start + dt.timedelta(days=7)
    assert late.note == "Away that week"
    assert today.period_start == start + dt.timedelta(days=14)


@pytest.mark.parametrize("offset", [-1, 21])
def test_it_refuses_a_day_before_the_start_or_after_today(cast: Cast, offset: int) -> None:
    commitment, start = _weekly(cast)
    viewer = cast.viewer("partner_a")
    with pytest.raises(ValidationError) as refused:
        checkin_record(
            viewer=viewer,
            couple=get_couple_for(viewer, cast.couple.pk),
            commitment=commitment,
            status="done",
            day=start + dt.timedelta(days=offset),
        )
    assert list(refused.value.message_dict) == ["day"]
    assert not CheckIn.objects.exists()
