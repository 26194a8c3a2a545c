"""The demo's Demo Service Center: beside the verified guide, Quinn, whose licence expires
within 30 days (warned), and Jamie, whose licence is unverified (cannot be scheduled)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import Organisation, User
from holdspace.couples.models import CareTeamMember, Couple
from holdspace.demo import seed_demo
from holdspace.facilitators.models import Credential
from holdspace.facilitators.services import facilitator_refusals
from holdspace.policy.core import viewer_for
from holdspace.policy.couples import get_couple_for
from holdspace.sessions.services import medicine_session_schedule

pytestmark = pytest.mark.django_db


def _staff_client(email: str) -> Client:
    client = Client()
    client.force_login(
        User.objects.get(email=email), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def test_it_seeds_the_demo_center_with_a_verified_guide_an_expiring_licence_and_an_unverified_one(
    settings: Any,
) -> None:
    settings.DEMO_MODE = True  # the demo's staff sign in without a second step
    seed_demo()
    center = Organisation.objects.get(slug="demo-service-center")
    with timezone.override(center.tzinfo):
        today = timezone.localdate()
        robin, quinn, jamie = (
            User.objects.get(email=f"{who}@demo.holdspace.org")
            for who in ("guide", "quinn", "jamie")
        )
        licences = {
            c.facilitator_id: c
            for c in Credential.objects.filter(organisation=center, kind="licence")
        }
        assert licences[robin.pk].status == "verified"
        assert licences[quinn.pk].status == "verified"
        assert licences[quinn.pk].expires_on == today + dt.timedelta(days=20)
        assert licences[jamie.pk].status == "unverified"
        refusals = facilitator_refusals(
            organisation=center, user_ids=[robin.pk, quinn.pk, jamie.pk], on=today
        )
        assert len(refusals) == 1 and refusals[0].startswith("Jamie Cole (facilitator) has no")

        # The facilitators page warns of Quinn's licence and says why Jamie may not serve.
        page = _staff_client("lead@demo.holdspace.org").get("/facilitators/").content.decode()
        quinn_row = page[page.index("Quinn Avery") :].split("</tr>")[0]
        expiring = quinn_row.split('data-label="Expiring within 60 days">')[1].split("</td>")[0]
        assert "Licence" in expiring and "20 days left" in expiring
        assert "Licence expires in 20 days" in quinn_row
        jamie_page = _staff_client("lead@demo.holdspace.org").get(f"/facilitators/{jamie.pk}/")
        assert "Jamie Cole (facilitator) has no verified" in jamie_page.content.decode()

        # On a couple's care team, Jamie is refused for a medicine session, with the reason.
        couple = Couple.objects.get(organisation=center, name="Riley & Jordan")
        CareTeamMember.objects.create(organisation=center, couple=couple, user=jamie)
        viewer = viewer_for(robin)
        with pytest.raises(ValidationError) as refused:
            medicine_session_schedule(
                viewer=viewer,
                couple=get_couple_for(viewer, couple.pk),
                starts_at=timezone.now() + dt.timedelta(days=3),
                facilitator_ids=[robin.pk, jamie.pk],
            )
        (reason,) = refused.value.message_dict["facilitator_ids"]
        assert reason.startswith("Jamie Cole (facilitator) has no verified")

    # Seeding again changes nothing.
    before = Credential.objects.count()
    seed_demo()
    assert Credential.objects.count() == before
