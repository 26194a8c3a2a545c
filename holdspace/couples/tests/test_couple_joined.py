"""A couple the practice worked with before it kept their records here keeps the day they
joined, and the audit trail says so; a day still to come is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from holdspace.audit.actions import Action
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.models import Couple
from holdspace.couples.services import couple_create

pytestmark = pytest.mark.django_db


def test_it_keeps_the_day_an_earlier_couple_joined(cast: Cast) -> None:
    joined = timezone.now() - dt.timedelta(days=75)
    couple = couple_create(
        viewer=cast.viewer("lead"),
        organisation=cast.center,
        name="Riley & Jordan",
        facilitator_ids=[cast.facilitator.pk],
        joined_at=joined,
    )
    couple.refresh_from_db()
    assert couple.created_at == joined
    event = AuditEvent.objects.get(action=Action.COUPLE_CREATE, couple_id=couple.pk)
    assert event.detail == {"care_team": [cast.facilitator.pk], "joined": joined.isoformat()}


def test_it_dates_a_new_couple_now_without_a_day(cast: Cast) -> None:
    before = timezone.now()
    couple = couple_create(
        viewer=cast.viewer("lead"),
        organisation=cast.center,
        name="New & Here",
        facilitator_ids=[cast.facilitator.pk],
    )
    assert couple.created_at >= before
    event = AuditEvent.objects.get(action=Action.COUPLE_CREATE, couple_id=couple.pk)
    assert "joined" not in event.detail


def test_it_refuses_a_couple_joining_in_the_future(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        couple_create(
            viewer=cast.viewer("lead"),
            organisation=cast.center,
            name="Later & Soon",
            facilitator_ids=[cast.facilitator.pk],
            joined_at=timezone.now() + dt.timedelta(days=1),
        )
    assert list(refused.value.message_dict) == ["joined_at"]
    assert not Couple.objects.filter(name="Later & Soon").exists()
