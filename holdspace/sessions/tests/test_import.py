"""A medicine session held before the practice kept its records here: brought in by the care
team, in the past, without the readiness gate; nobody else may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from holdspace.audit.actions import Action
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.policy.couples import get_couple_for
from holdspace.sessions.models import MedicineSession
from holdspace.sessions.services import medicine_session_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms")]


def test_it_brings_in_a_past_session_of_an_unprepared_couple_with_its_care_team(
    cast: Cast,
) -> None:
    viewer = cast.viewer("facilitator")
    couple = get_couple_for(viewer, cast.couple.pk)
    held = timezone.now() - dt.timedelta(days=27)
    session = medicine_session_import(
        viewer=viewer,
        couple=couple,
        starts_at=held,
        room=" Cedar room ",
        facilitator_ids=[cast.facilitator.pk, cast.facilitator.pk],
    )
    session.refresh_from_db()
    assert (session.starts_at, session.room, session.substance) == (
        held,
        "Cedar room",
        "psilocybin",
    )
    assert list(session.facilitators.values_list("user_id", flat=True)) == [cast.facilitator.pk]
    event = AuditEvent.objects.get(action=Action.MEDICINE_SESSION_IMPORT)
    assert (event.organisation_id, event.couple_id, event.object_id) == (
        cast.center.pk,
        cast.couple.pk,
        str(session.pk),
    )
    assert event.detail["facilitators"] == [cast.facilitator.pk]


@pytest.mark.parametrize(
    ("days", "facilitator", "room", "field"),
    [
        (-1, "facilitator", "", "starts_at"),
        (3, "other_facilitator", "", "facilitator_ids"),
        (3, "facilitator", "x" * 121, "room"),
    ],
)
def test_it_refuses_a_session_to_come_a_stranger_or_a_long_room_naming_the_field(
    cast: Cast, days: int, facilitator: str, room: str, field: str
) -> None:
    viewer = cast.viewer("facilitator")
    with pytest.raises(ValidationError) as refused:
        medicine_session_import(
            viewer=viewer,
            couple=get_couple_for(viewer, cast.couple.pk),
            starts_at=timezone.now() - dt.timedelta(days=days),
            room=room,
            facilitator_ids=[cast.people[facilitator].pk],
        )
    assert list(refused.value.message_dict) == [field]
    assert not MedicineSession.objects.exists()


@pytest.mark.parametrize("who", ["partner_a", "admin", "researcher", "other_facilitator"])
def test_it_lets_only_the_care_team_bring_one_in_and_audits_the_refusal(
    cast: Cast, who: str
) -> None:
    couple = get_couple_for(cast.viewer("lead"), cast.couple.pk)
    with pytest.raises(PermissionDenied):
        medicine_session_import(
            viewer=cast.viewer(who),
            couple=couple,
            starts_at=timezone.now() - dt.timedelta(days=3),
        )
    assert not MedicineSession.objects.exists()
    assert AuditEvent.objects.filter(
        action=Action.ACCESS_DENIED, organisation_id=cast.center.pk
    ).exists()
