"""A facilitator's code-of-ethics signature: now by default, or the day they signed it
before their profile was kept here; never a day still to come, and never by someone else."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from holdspace.conftest import Cast
from holdspace.facilitators.models import FacilitatorProfile
from holdspace.facilitators.services import profile_update

pytestmark = pytest.mark.django_db


def test_it_keeps_the_day_a_facilitator_signed_before(cast: Cast) -> None:
    signed = timezone.now() - dt.timedelta(days=90)
    profile = profile_update(
        viewer=cast.viewer("facilitator"),
        organisation=cast.center,
        facilitator_id=cast.facilitator.pk,
        values={"ethics_acknowledged": True, "languages": ["English", " "]},
        signed_at=signed,
    )
    profile.refresh_from_db()
    assert profile.ethics_acknowledged_at == signed
    assert profile.languages == ["English"]
    page = cast.client("facilitator").get(f"/facilitators/{cast.facilitator.pk}/")
    assert f"Code of ethics signed on {signed:%-d %b %Y}" in page.content.decode()


def test_it_signs_now_without_a_day(cast: Cast) -> None:
    before = timezone.now()
    profile = profile_update(
        viewer=cast.viewer("facilitator"),
        organisation=cast.center,
        facilitator_id=cast.facilitator.pk,
        values={"ethics_acknowledged": True},
    )
    assert profile.ethics_acknowledged_at is not None
    assert profile.ethics_acknowledged_at >= before


@pytest.mark.parametrize(("who", "days"), [("facilitator", -1), ("lead", 90)])
def test_it_refuses_a_future_day_or_a_signature_for_someone_else(
    cast: Cast, who: str, days: int
) -> None:
    with pytest.raises(ValidationError) as refused:
        profile_update(
            viewer=cast.viewer(who),
            organisation=cast.center,
            facilitator_id=cast.facilitator.pk,
            values={"ethics_acknowledged": True},
            signed_at=timezone.now() - dt.timedelta(days=days),
        )
    assert list(refused.value.message_dict) == ["ethics_acknowledged"]
    assert not FacilitatorProfile.objects.filter(ethics_acknowledged_at__isnull=False).exists()
