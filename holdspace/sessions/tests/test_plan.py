"""The plan of a medicine session: the profile's dose limit and facilitator ratio, each refusal
naming the field with the rule's source, and the minimum duration that follows from the planned
total dose. The plan is fixed once the session has begun."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import Role, User
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import PASSWORD, Cast, give_licence, make_session
from holdspace.couples.models import CareTeamMember
from holdspace.sessions.models import MedicineSession, PartnerPlan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms")]

OREGON_LIMIT_SOURCE = "OAR 333-333-5250"
OREGON_RATIO_SOURCE = "OAR 333-333-5230"
MDMA_RATIO_SOURCE = "NCT02876172"
MDMA_TIMING_SOURCE = "MAPS MAPP2"


# Helpers ------------------------------------------------------------------------------


def _put(client: Client, session: MedicineSession, body: dict[str, Any]) -> Any:
    return client.put(
        f"/api/v1/sessions/{session.pk}/plan", json.dumps(body), content_type="application/json"
    )


def _line(
    partner: User,
    mg: float,
    *,
    supplemental: float | None = None,
    after: int | None = None,
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "partner_id": partner.pk,
        "product": "Golden Teacher capsules",
        "lot": "GT-2609",
        "mg_per_unit": 5,
        "planned_mg": mg,
    }
    if supplemental is not None:
        line["supplemental_mg"] = supplemental
    if after is not None:
        line["supplemental_after_minutes"] = after
    return line


def _problems(response: Any) -> dict[str, list[str]]:
    """A 422's messages by field, the field as the service names it (plans.0.planned_mg)."""
    assert response.status_code == 422, response.content
    found: dict[str, list[str]] = {}
    for problem in response.json()["detail"]:
        field = ".".join(str(part) for part in problem["loc"][2:])
        found.setdefault(field, []).append(problem["msg"])
    return found


def _trial_cofacilitator(cast: Cast) -> User:
    """A second facilitator on the trial couple's care team (the MDMA profile needs two)."""
    user = user_create(
        email="trial_cofacilitator@example.org",
        display_name="Trial Cofacilitator",
        password=PASSWORD,
    )
    membership_ensure(organisation=cast.trial, user=user, role=Role.FACILITATOR)
    CareTeamMember.objects.create(organisation=cast.trial, couple=cast.trial_couple, user=user)
    give_licence(user, cast.trial)
    cast.people["trial_cofacilitator"] = user
    return user


def _trial_session(cast: Cast, facilitators: list[User]) -> MedicineSession:
    session: MedicineSession = make_session(
        cast, couple=cast.trial_couple, facilitators=facilitators
    )
    return session


# Minimum duration from the planned total dose (Oregon's table) --------------------------------


@pytest.mark.parametrize(
    ("plan_a", "plan_b", "minimum"),
    [
        ((30, None), (20, None), 300),  # 30 mg: more than 25, up to 35 → 5 hours
        ((40, None), (20, None), 360),  # 40 mg: more than 35 → 6 hours
        ((25, 10), (5, None), 300),  # the supplemental dose counts: 35 mg in all
        ((20, None), (10, None), 240),
        ((30, 20), (40, None), 360),  # 50 mg, the limit itself, is allowed
    ],
)
def test_it_sets_the_minimum_duration_from_the_largest_planned_total(
    cast: Cast,
    plan_a: tuple[float, float | None],
    plan_b: tuple[float, float | None],
    minimum: int,
) -> None:
    session = make_session(cast)
    response = _put(
        cast.api("facilitator"),
        session,
        {
            "plans": [
                _line(cast.partner_a, plan_a[0], supplemental=plan_a[1]),
                _line(cast.partner_b, plan_b[0], supplemental=plan_b[1]),
            ],
            "facilitator_ids": [cast.facilitator.pk],
            "room": "Garden room",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["minimum_minutes"] == minimum
    assert body["room"] == "Garden room"
    assert body["facilitator_ids"] == [cast.facilitator.pk]
    planned = {p["partner_id"]: (p["planned_mg"], p["supplemental_mg"]) for p in body["plans"]}
    assert planned == {cast.partner_a.pk: plan_a, cast.partner_b.pk: plan_b}
    session.refresh_from_db()
    assert session.minimum_minutes == minimum
    assert PartnerPlan.objects.filter(session=session).count() == 2
    event = AuditEvent.objects.get(action="medicine_session.plan")
    assert (event.object_id, event.detail["minimum_minutes"]) == (str(session.pk), minimum)


def test_it_changes_a_partners_plan_and_the_minimum_with_it(cast: Cast) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    first = _put(client, session, {"plans": [_line(cast.partner_a, 30), _line(cast.partner_b, 20)]})
    assert first.json()["minimum_minutes"] == 300
    changed = _put(client, session, {"plans": [_line(cast.partner_a, 40)]})
    assert changed.status_code == 200, changed.content
    assert changed.json()["minimum_minutes"] == 360
    assert dict(PartnerPlan.objects.values_list("partner_id", "planned_mg")) == {
        cast.partner_a.pk: 40,
        cast.partner_b.pk: 20,
    }


def test_it_keeps_the_minimum_of_the_other_partners_stored_plan(cast: Cast) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    first = _put(client, session, {"plans": [_line(cast.partner_a, 30), _line(cast.partner_b, 30)]})
    assert first.json()["minimum_minutes"] == 300
    changed = _put(client, session, {"plans": [_line(cast.partner_a, 20)]})
    assert changed.status_code == 200, changed.content
    assert changed.json()["minimum_minutes"] == 300  # partner B still plans 30 mg


# The dose limit (Oregon: 50 mg including any supplemental dose) ----------------------------


@pytest.mark.parametrize(
    ("line", "field", "total"),
    [
        ({"mg": 51}, "plans.0.planned_mg", "51 mg"),
        ({"mg": 40, "supplemental": 15}, "plans.0.planned_mg", "55 mg"),
    ],
)
def test_it_refuses_a_plan_beyond_the_dose_limit_with_the_limit_and_its_source(
    cast: Cast, line: dict[str, Any], field: str, total: str
) -> None:
    session = make_session(cast)
    response = _put(
        cast.api("facilitator"),
        session,
        {"plans": [_line(cast.partner_a, line["mg"], supplemental=line.get("supplemental"))]},
    )
    problems = _problems(response)
    assert list(problems) == [field]
    message = problems[field][0]
    assert total in message
    assert "limit of 50 mg psilocybin analyte" in message
    assert OREGON_LIMIT_SOURCE in message
    assert not PartnerPlan.objects.exists()
    session.refresh_from_db()
    assert session.minimum_minutes is None


# The facilitator ratio --------------------------------------------------------------------


def test_it_lets_one_facilitator_hold_two_partners_above_35_mg_in_oregon(cast: Cast) -> None:
    session = make_session(cast)
    response = _put(
        cast.api("facilitator"),
        session,
        {
            "plans": [_line(cast.partner_a, 45), _line(cast.partner_b, 40)],
            "facilitator_ids": [cast.facilitator.pk],
        },
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["plans"]) == 2


def test_it_refuses_an_oregon_plan_with_no_facilitator_present(cast: Cast) -> None:
    session = make_session(cast)
    response = _put(
        cast.api("facilitator"),
        session,
        {"plans": [_line(cast.partner_a, 40), _line(cast.partner_b, 20)], "facilitator_ids": []},
    )
    problems = _problems(response)
    assert list(problems) == ["facilitator_ids"]
    message = problems["facilitator_ids"][0]
    assert "40 mg" in message and "at least 1 facilitator" in message
    assert OREGON_RATIO_SOURCE in message
    assert not PartnerPlan.objects.exists()
    assert list(session.facilitators.values_list("user_id", flat=True)) == [cast.facilitator.pk]


def test_it_needs_two_facilitators_for_the_mdma_trial(cast: Cast) -> None:
    second = _trial_cofacilitator(cast)
    session = _trial_session(cast, [cast.trial_facilitator])
    client = cast.api("trial_facilitator")
    plans = [
        _line(cast.trial_partner_a, 120, supplemental=60, after=90),
        _line(cast.trial_partner_b, 80, supplemental=40, after=120),
    ]
    refused = _put(
        client, session, {"plans": plans, "facilitator_ids": [cast.trial_facilitator.pk]}
    )
    problems = _problems(refused)
    assert list(problems) == ["facilitator_ids"]
    message = problems["facilitator_ids"][0]
    assert "at least 2 facilitator" in message and "1 planned" in message
    assert MDMA_RATIO_SOURCE in message
    assert not PartnerPlan.objects.exists()

    both = [cast.trial_facilitator.pk, second.pk]
    accepted = _put(client, session, {"plans": plans, "facilitator_ids": both})
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert sorted(body["facilitator_ids"]) == sorted(both)
    assert body["minimum_minutes"] == 480
    assert sorted(session.facilitators.values_list("user_id", flat=True)) == sorted(both)


def test_it_refuses_a_later_change_that_leaves_too_few_facilitators(cast: Cast) -> None:
    second = _trial_cofacilitator(cast)
    session = _trial_session(cast, [cast.trial_facilitator, second])
    client = cast.api("trial_facilitator")
    planned = _put(
        client,
        session,
        {"plans": [_line(cast.trial_partner_a, 120), _line(cast.trial_partner_b, 120)]},
    )
    assert planned.status_code == 200, planned.content
    response = _put(client, session, {"facilitator_ids": [cast.trial_facilitator.pk]})
    problems = _problems(response)
    assert MDMA_RATIO_SOURCE in problems["facilitator_ids"][0]


def test_it_refuses_a_supplemental_dose_planned_outside_the_mdma_window(cast: Cast) -> None:
    second = _trial_cofacilitator(cast)
    session = _trial_session(cast, [cast.trial_facilitator, second])
    response = _put(
        cast.api("trial_facilitator"),
        session,
        {"plans": [_line(cast.trial_partner_a, 120, supplemental=60, after=60)]},
    )
    problems = _problems(response)
    assert list(problems) == ["plans.0.supplemental_after_minutes"]
    message = problems["plans.0.supplemental_after_minutes"][0]
    assert "90–120 minutes" in message and MDMA_TIMING_SOURCE in message


def test_it_refuses_a_facilitator_outside_the_care_team(cast: Cast) -> None:
    session = make_session(cast)
    response = _put(
        cast.api("facilitator"),
        session,
        {
            "plans": [_line(cast.partner_a, 20)],
            "facilitator_ids": [cast.facilitator.pk, cast.other_facilitator.pk],
        },
    )
    assert list(_problems(response)) == ["facilitator_ids"]
    assert list(session.facilitators.values_list("user_id", flat=True)) == [cast.facilitator.pk]


def test_it_refuses_a_plan_for_someone_outside_the_couple(cast: Cast) -> None:
    session = make_session(cast)
    response = _put(cast.api("facilitator"), session, {"plans": [_line(cast.partner_c, 20)]})
    assert list(_problems(response)) == ["plans.0.partner_id"]
    assert not PartnerPlan.objects.exists()


def test_it_refuses_two_plans_for_one_partner(cast: Cast) -> None:
    session = make_session(cast)
    response = _put(
        cast.api("facilitator"),
        session,
        {"plans": [_line(cast.partner_a, 20), _line(cast.partner_a, 25)]},
    )
    assert list(_problems(response)) == ["plans"]
    assert not PartnerPlan.objects.exists()


# Once the session has begun --------------------------------------------------------------------


def _event(cast: Cast, session: MedicineSession, kind: str, data: dict[str, Any]) -> Any:
    client = cast.api("facilitator")
    body = {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "data": data,
    }
    if kind == "dose":
        body["partner_id"] = cast.partner_a.pk
    return client.post(
        f"/api/v1/sessions/{session.pk}/events", json.dumps(body), content_type="application/json"
    )


def test_it_fixes_the_plan_once_the_session_is_in_progress(cast: Cast) -> None:
    session = make_session(cast)
    client = cast.api("facilitator")
    assert _put(client, session, {"plans": [_line(cast.partner_a, 20)]}).status_code == 200
    # A note before the dose leaves the plan open; the first dose begins the session.
    arrived = _event(cast, session, "note", {"text": "Arrived, settling in"})
    assert arrived.status_code == 201, arrived.content
    assert _put(client, session, {"plans": [_line(cast.partner_a, 20)]}).status_code == 200
    dose = {"amount_mg": 20, "product": "Golden Teacher capsules", "lot": "GT-2609"}
    started = _event(cast, session, "dose", dose)
    assert started.status_code == 201, started.content
    response = _put(client, session, {"plans": [_line(cast.partner_a, 30)]})
    assert list(_problems(response)) == ["status"]
    assert PartnerPlan.objects.get().planned_mg == 20
    session.refresh_from_db()
    assert session.minimum_minutes == 240
