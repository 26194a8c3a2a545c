"""The couple's stage follows from the records, and each change of it is audited as the act
of whoever wrote the record that moved it, in the organisation's chain."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.couples.models import Couple, Stage

pytestmark = pytest.mark.django_db


def _stage_changes(cast: Cast) -> list[tuple[str, str, int | None, int | None]]:
    return [
        (e.detail["from"], e.detail["to"], e.actor_id, e.organisation_id)
        for e in AuditEvent.objects.filter(
            action="couple.stage", couple_id=cast.couple.pk
        ).order_by("seq")
    ]


def test_it_audits_the_stage_a_partners_first_form_moves_the_couple_to(cast: Cast) -> None:
    Couple.objects.filter(pk=cast.couple.pk).update(stage=Stage.CONTACT)  # just met
    url = f"/couples/{cast.couple.pk}/partners/{cast.partner_a.pk}/forms/themes/"
    assert cast.client("partner_a").post(url, {"themes": ["trust"]}).status_code == 302
    assert Couple.objects.get(pk=cast.couple.pk).stage == Stage.SCREENING
    assert _stage_changes(cast) == [
        (Stage.CONTACT, Stage.SCREENING, cast.partner_a.pk, cast.center.pk)
    ]
    # A second form changes no stage, and nothing more is audited.
    assert cast.client("partner_a").post(url, {"themes": ["grief"]}).status_code == 302
    assert len(_stage_changes(cast)) == 1


def test_it_audits_the_end_of_a_session_moving_the_couple_to_integration(cast: Cast) -> None:
    session = make_session(cast)
    Couple.objects.filter(pk=cast.couple.pk).update(stage=Stage.MEDICINE_SESSION)
    end = {
        "id": str(uuid.uuid4()),
        "kind": "end",
        "occurred_at": timezone.now().isoformat(),
        "data": {"reason": "emergency_transfer", "note": "Ambulance to St Vincent"},
    }
    response = cast.api("facilitator").post(
        f"/api/v1/sessions/{session.pk}/events", end, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert _stage_changes(cast) == [
        (Stage.MEDICINE_SESSION, Stage.INTEGRATION, cast.facilitator.pk, cast.center.pk)
    ]
