"""Commitments: what the couple carries forward, who keeps it, how often; revisions keep the
history; each keeper checks in; the couple page shows adherence over time."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.integration.models import CheckIn, Commitment, CommitmentRevision
from holdspace.integration.selectors import couple_commitments
from holdspace.policy import get_couple_for

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _create(cast: Cast, caller: str = "partner_a", **body: Any) -> Any:
    payload = {
        "description": "A 20-minute check-in, phones away",
        "who": "both",
        "cadence": "weekly",
    }
    payload.update(body)
    return _post(cast.api(caller), f"/api/v1/couples/{cast.couple.pk}/commitments", payload)


def test_a_partner_adds_a_commitment_for_both_and_each_checks_in(cast: Cast) -> None:
    created = _create(cast)
    assert created.status_code == 201, created.content
    commitment_id = created.json()["id"]
    assert created.json()["who"] == "both"
    for who, status in (("partner_a", "done"), ("partner_b", "missed")):
        answer = _post(
            cast.api(who), f"/api/v1/commitments/{commitment_id}/checkins", {"status": status}
        )
        assert answer.status_code == 201, answer.content
        assert answer.json()["period_start"] == timezone.localdate().isoformat()
    assert AuditEvent.objects.filter(action="commitment.checkin").count() == 2
    (view,) = couple_commitments(get_couple_for(cast.viewer("facilitator"), cast.couple.pk))
    assert view.adherence == 50
    assert [mark for _name, mark in view.periods[-1].marks] == ["done", "missed"]


def test_only_the_partner_who_keeps_it_checks_in(cast: Cast) -> None:
    created = _create(cast, caller="facilitator", who=cast.partner_b.pk)
    assert created.status_code == 201, created.content
    url = f"/api/v1/commitments/{created.json()['id']}/checkins"
    assert _post(cast.api("partner_a"), url, {"status": "done"}).status_code == 403
    assert _post(cast.api("facilitator"), url, {"status": "done"}).status_code == 403
    assert _post(cast.api("partner_c"), url, {"status": "done"}).status_code == 404
    assert _post(cast.api("partner_b"), url, {"status": "done"}).status_code == 201
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"who": 999999}, "who"),
        ({"cadence": "hourly"}, "cadence"),
        ({"description": ""}, "description"),
        ({"starts_on": "2020-01-01"}, "starts_on"),
    ],
)
def test_bad_commitments_are_refused_naming_the_field(
    cast: Cast, body: dict[str, Any], field: str
) -> None:
    answer = _create(cast, **body)
    assert answer.status_code == 422
    assert any(p["loc"][-1] == field for p in answer.json()["detail"]), answer.json()
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 403), ("researcher", 404), ("partner_c", 404), ("trial_partner_a", 404)],
)
def test_outsiders_cannot_add_commitments(cast: Cast, who: str, status: int) -> None:
    assert _create(cast, caller=who).status_code == status
    assert not Commitment.objects.exists()


def test_a_revision_keeps_the_history_and_the_page_shows_adherence_over_time(cast: Cast) -> None:
    start = timezone.localdate() - dt.timedelta(days=21)
    created = _create(cast, starts_on=start.isoformat())
    commitment = Commitment.objects.get(pk=created.json()["id"])
    # Three weeks ago and two weeks ago: both kept it; last week nobody checked in.
    for weeks_ago, who in ((3, "partner_a"), (3, "partner_b"), (2, "partner_a"), (2, "partner_b")):
        CheckIn.objects.create(
            organisation=cast.center,
            commitment=commitment,
            partner=cast.people[who],
            period_start=start + dt.timedelta(days=7 * (3 - weeks_ago)),
            status="done",
        )
    client = cast.client("partner_a")
    page = client.get(f"/couples/{cast.couple.pk}/commitments/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kept 67% of the time so far" in html  # 4 of 6 expected over the elapsed weeks
    revised = client.post(
        f"/couples/{cast.couple.pk}/commitments/",
        {
            "action": "revise",
            "commitment": commitment.pk,
            f"r{commitment.pk}-description": "A 30-minute walk, together",
            f"r{commitment.pk}-who": "both",
            f"r{commitment.pk}-cadence": "weekly",
            f"r{commitment.pk}-starts_on": start.isoformat(),
        },
    )
    assert revised.status_code == 302
    assert CommitmentRevision.objects.filter(commitment=commitment).count() == 2
    html = client.get(f"/couples/{cast.couple.pk}/commitments/").content.decode()
    assert "A 30-minute walk, together" in html and "A 20-minute check-in" in html  # history
    staff = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "A 30-minute walk, together" in staff and "Kept 67%" in staff
    # Checking in on the web for this week.
    client.post(
        f"/couples/{cast.couple.pk}/commitments/{commitment.pk}/checkin", {"status": "done"}
    )
    assert (
        "You checked in: done."
        in client.get(f"/couples/{cast.couple.pk}/commitments/").content.decode()
    )
