"""The readings API: list what the caller may see, assign, and mark read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.readings.models import ReadingAssignment, ReadingRead
from holdspace.readings.tests.conftest import assign, make_reading

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _assign_url(cast: Cast) -> str:
    return f"/api/v1/couples/{cast.couple.pk}/readings"


def test_it_lets_the_care_team_assign_and_a_partner_list_and_read(cast: Cast) -> None:
    reading = make_reading(cast)
    answer = _post(
        cast.api("facilitator"),
        _assign_url(cast),
        {"reading_id": reading.pk, "partner_id": cast.partner_a.pk, "note": "For Thursday"},
    )
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert made["partner_id"] == cast.partner_a.pk
    assert made["title"] == reading.title
    assert made["reads"] == [{"partner_id": cast.partner_a.pk, "read_at": None}]
    assert "<h2>Why it matters</h2>" in made["body_html"]

    listed = cast.api("partner_a").get(_assign_url(cast))
    assert listed.status_code == 200
    # Issue 12 item 7: the list envelope (a bare array before).
    assert listed.json()["count"] == 1
    assert [(r["id"], r["read_at"]) for r in listed.json()["items"]] == [(made["id"], None)]
    assert cast.api("partner_b").get(_assign_url(cast)).json()["items"] == []

    read_url = f"/api/v1/readings/assignments/{made['id']}/read"
    first = cast.api("partner_a").post(read_url)
    assert first.status_code == 200, first.content
    assert first.json()["first"] is True
    again = cast.api("partner_a").post(read_url)
    assert again.json()["first"] is False
    assert again.json()["read_at"] == first.json()["read_at"]
    assert ReadingRead.objects.count() == 1
    (row,) = cast.api("partner_a").get(_assign_url(cast)).json()["items"]
    assert row["read_at"] is not None
    (team_row,) = cast.api("lead").get(_assign_url(cast)).json()["items"]
    assert team_row["read_at"] is None
    assert team_row["reads"][0]["read_at"] is not None
    assert AuditEvent.objects.filter(action="reading.assign").count() == 1
    assert AuditEvent.objects.filter(action="reading.mark_read").count() == 2


def test_it_shows_each_partner_only_their_own_read_of_a_reading_for_both(cast: Cast) -> None:
    assignment = assign(cast, make_reading(cast))
    cast.api("partner_a").post(f"/api/v1/readings/assignments/{assignment.pk}/read")
    (for_b,) = cast.api("partner_b").get(_assign_url(cast)).json()["items"]
    assert for_b["read_at"] is None
    assert for_b["reads"] == [{"partner_id": cast.partner_b.pk, "read_at": None}]
    (team,) = cast.api("facilitator").get(_assign_url(cast)).json()["items"]
    assert {r["partner_id"] for r in team["reads"]} == {cast.partner_a.pk, cast.partner_b.pk}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("facilitator", 201),
        ("lead", 201),
        ("partner_a", 403),
        ("admin", 403),
        ("other_facilitator", 404),
        ("partner_c", 404),
        ("researcher", 404),
        ("trial_facilitator", 404),
    ],
)
def test_it_lets_only_the_care_team_assign_through_the_api(
    cast: Cast, who: str, status: int
) -> None:
    reading = make_reading(cast)
    answer = _post(cast.api(who), _assign_url(cast), {"reading_id": reading.pk})
    assert answer.status_code == status, answer.content
    assert ReadingAssignment.objects.exists() == (status == 201)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("partner_a", 200),
        ("partner_b", 200),
        ("facilitator", 200),
        ("lead", 200),
        ("admin", 403),
        ("other_facilitator", 404),
        ("partner_c", 404),
        ("researcher", 404),
        ("trial_facilitator", 404),
        ("trial_partner_a", 404),
    ],
)
def test_it_keeps_the_list_for_the_couple_and_its_care_team(
    cast: Cast, who: str, status: int
) -> None:
    assign(cast, make_reading(cast))
    assert cast.api(who).get(_assign_url(cast)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("partner_a", 404),  # assigned to partner B only: not there for A
        ("partner_b", 200),
        ("facilitator", 403),
        ("lead", 403),
        ("admin", 403),
        ("partner_c", 404),
        ("other_facilitator", 404),
        ("trial_partner_a", 404),
        ("trial_facilitator", 404),
    ],
)
def test_it_lets_only_the_partner_it_is_for_mark_it_read(cast: Cast, who: str, status: int) -> None:
    assignment = assign(cast, make_reading(cast), partner=cast.partner_b)
    answer = cast.api(who).post(f"/api/v1/readings/assignments/{assignment.pk}/read")
    assert answer.status_code == status, answer.content
    assert ReadingRead.objects.exists() == (status == 200)


def test_it_answers_404_for_marking_a_missing_assignment_read(cast: Cast) -> None:
    assert cast.api("partner_a").post("/api/v1/readings/assignments/999999/read").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reading_id"),
        ({"reading_id": "several"}, "reading_id"),
        ({"reading_id": 999999}, "reading_id"),
        ({"reading_id": "TRIAL"}, "reading_id"),
        ({"reading_id": "ARCHIVED"}, "reading_id"),
        ({"reading_id": "OK", "partner_id": "PARTNER_C"}, "partner_id"),
        ({"reading_id": "OK", "partner_id": 999999}, "partner_id"),
        ({"reading_id": "OK", "note": "x" * 2001}, "note"),
        ({"reading_id": "OK", "note": "nul\x00"}, "note"),
    ],
)
def test_it_refuses_bad_assignments_naming_the_field(
    cast: Cast, body: dict[str, Any], field: str
) -> None:
    ok = make_reading(cast)
    archived = make_reading(cast, "Old")
    archived.archived_at = archived.updated_at
    archived.save()
    trial = make_reading(cast, "Trial reading", organisation=cast.trial)
    names = {
        "OK": ok.pk,
        "TRIAL": trial.pk,
        "ARCHIVED": archived.pk,
        "PARTNER_C": cast.partner_c.pk,
    }
    payload = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    answer = _post(cast.api("facilitator"), _assign_url(cast), payload)
    assert answer.status_code == 422, answer.content
    assert any(p["loc"][-1] == field for p in answer.json()["detail"]), answer.json()
    assert not ReadingAssignment.objects.exists()


def test_it_does_not_assign_the_same_reading_twice(cast: Cast) -> None:
    reading = make_reading(cast)
    assign(cast, reading)
    answer = _post(
        cast.api("facilitator"),
        _assign_url(cast),
        {"reading_id": reading.pk, "partner_id": cast.partner_a.pk},
    )
    assert answer.status_code == 422
    assert "already assigned" in answer.json()["detail"][0]["msg"]


def test_it_answers_400_for_a_body_that_is_not_json(cast: Cast) -> None:
    answer = cast.api("facilitator").post(
        _assign_url(cast), "{not json", content_type="application/json"
    )
    assert answer.status_code == 400
