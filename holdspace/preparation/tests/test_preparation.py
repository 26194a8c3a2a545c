"""Themes each partner wants to explore, and who may hold a preparation session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from holdspace.conftest import Cast, joined_before
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.models import PreparationSession
from holdspace.preparation.services import partner_form_submit, preparation_session_record

pytestmark = pytest.mark.django_db


def test_it_shows_the_care_team_each_partners_themes_and_a_partner_only_their_own(
    cast: Cast,
) -> None:
    couple = cast.couple
    for partner, data in (
        (cast.partner_a, {"themes": ["trust", "grief"], "own_words": "The year we lost Dad"}),
        (cast.partner_b, {"themes": ["communication"]}),
    ):
        response = cast.client(partner.email.split("@")[0]).post(
            f"/couples/{couple.pk}/partners/{partner.pk}/forms/themes/", data
        )
        assert response.status_code == 302
    staff = cast.client("facilitator").get(f"/couples/{couple.pk}/readiness/").content.decode()
    assert "Trust, Grief" in staff and "The year we lost Dad" in staff
    assert "Communication" in staff
    own = cast.client("partner_b").get(f"/couples/{couple.pk}/readiness/").content.decode()
    assert "Communication" in own
    assert "The year we lost Dad" not in own and "Grief" not in own


def test_it_asks_for_a_theme_or_own_words(cast: Cast) -> None:
    with pytest.raises(ValidationError) as raised:
        partner_form_submit(
            viewer=cast.viewer("partner_a"),
            couple=cast.couple,
            partner_id=cast.partner_a.pk,
            kind="themes",
            data={"own_words": "   "},
        )
    assert "Choose at least one theme" in str(raised.value)


def test_it_lets_a_clinical_lead_hold_a_preparation_session_but_not_another_facilitator(
    cast: Cast,
) -> None:
    viewer = cast.viewer("facilitator")
    couple = get_couple_for(viewer, cast.couple.pk)
    held = timezone.now() - dt.timedelta(days=1)
    joined_before(couple, held)
    preparation_session_record(
        viewer=viewer,
        couple=couple,
        kind="private",
        partner_id=cast.partner_a.pk,
        held_at=held,
        facilitator_id=cast.lead.pk,
    )
    assert PreparationSession.objects.get().facilitator == cast.lead
    with pytest.raises(ValidationError) as raised:
        preparation_session_record(
            viewer=viewer,
            couple=couple,
            kind="joint",
            held_at=held,
            facilitator_id=cast.other_facilitator.pk,
        )
    assert "facilitator" in raised.value.message_dict
    assert PreparationSession.objects.count() == 1
