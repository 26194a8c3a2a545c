"""Submitting measure responses over the API: scoring on save, superseding, reliable change,
safety alerts and who may see and submit what."""

from __future__ import annotations

import json
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test import Client

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, build_cast
from holdspace.measures.models import MeasureResponse, SafetyAlert
from holdspace.measures.services import alert_acknowledge, response_submit
from holdspace.policy.couples import get_couple_for
from holdspace.policy.measures import get_alert_for

pytestmark = pytest.mark.django_db


def _submit(client: Client, couple_id: int, body: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/couples/{couple_id}/responses", json.dumps(body), content_type="application/json"
    )


def _phq9(
    couple_id: int,
    client: Client,
    values: list[int | None],
    timepoint: str = "baseline",
    **extra: object,
):  # type: ignore[no-untyped-def]
    return _submit(
        client,
        couple_id,
        {"instrument": "phq9", "timepoint": timepoint, "answers": values + [0], **extra},
    )


def test_it_scores_a_response_on_submit_and_stores_it_with_the_version(cast: Cast) -> None:
    response = _phq9(cast.couple.pk, cast.api("partner_a"), [2, 2, 2, 2, 2, 1, 1, 0, 0])
    assert response.status_code == 201
    body = response.json()
    assert (body["total"], body["band"], body["alerts"], body["missing"]) == (
        12,
        "Moderate",
        [],
        [],
    )
    stored = MeasureResponse.objects.get(pk=body["id"])
    assert (stored.partner, stored.instrument_version, stored.total) == (cast.partner_a, "1.0", 12)
    assert stored.organisation == cast.center
    assert AuditEvent.objects.filter(action="measure.submit", object_id=str(stored.pk)).exists()


def test_it_accepts_answers_as_a_map_and_reports_missing_items(cast: Cast) -> None:
    answers = {f"gad7_{n}": 1 for n in range(1, 7)}
    response = _submit(
        cast.api("partner_a"),
        cast.couple.pk,
        {"instrument": "gad7", "timepoint": "baseline", "answers": answers},
    )
    body = response.json()
    assert (body["total"], body["missing"], body["band"]) == (None, ["gad7_7"], "")


def test_it_raises_an_alert_the_moment_item_9_is_above_zero(cast: Cast) -> None:
    response = _phq9(cast.couple.pk, cast.api("partner_a"), [1, 1, 0, 0, 0, 0, 0, 0, 1])
    body = response.json()
    assert [alert["rule"] for alert in body["alerts"]] == ["phq9_item9"]
    alert = SafetyAlert.objects.get()
    assert (alert.partner, alert.couple, alert.acknowledged_at) == (
        cast.partner_a,
        cast.couple,
        None,
    )
    assert "suicide-risk assessment" in alert.message


def test_it_supersedes_an_earlier_response_at_the_same_timepoint(cast: Cast) -> None:
    client = cast.api("partner_a")
    first = _phq9(cast.couple.pk, client, [1] * 9 + []).json()
    second = _phq9(cast.couple.pk, client, [0] * 9).json()
    assert second["supersedes"] == first["id"]
    assert MeasureResponse.objects.get(pk=first["id"]).total == 9  # never edited
    listed = client.get(f"/api/v1/couples/{cast.couple.pk}/responses").json()
    assert [item["id"] for item in listed["items"]] == [first["id"], second["id"]]


def test_it_reports_reliable_change_against_baseline(cast: Cast) -> None:
    client = cast.api("partner_a")
    _phq9(cast.couple.pk, client, [3, 3, 3, 2, 2, 2, 2, 2, 0])  # 19
    better = _phq9(cast.couple.pk, client, [1, 1, 1, 1, 1, 1, 1, 1, 0], "month_1").json()
    assert better["change_from_baseline"] == {
        "status": "improved",
        "difference": -11.0,
        "threshold": 6.0,
    }
    same = _phq9(cast.couple.pk, client, [2, 2, 2, 2, 2, 2, 2, 1, 0], "month_3").json()
    assert same["change_from_baseline"]["status"] == "no_reliable_change"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (
            {"instrument": "phq9", "timepoint": "baseline", "answers": [4] + [0] * 9},
            "phq9_1",
            "one of 0, 1, 2, 3",
        ),
        (
            {"instrument": "phq9", "timepoint": "baseline", "answers": {"phq9_12": 1}},
            "phq9_12",
            "has no item",
        ),
        (
            {"instrument": "phq9", "timepoint": "baseline", "answers": [0] * 3},
            "answers",
            "phq9 has 10 items (9 scored); 3 answers were given",
        ),
        (
            {"instrument": "bdi", "timepoint": "baseline", "answers": [0]},
            "instrument",
            "no instrument has the code 'bdi'",
        ),
        (
            {"instrument": "phq9", "timepoint": "someday", "answers": [0] * 10},
            "timepoint",
            # The schema names the model's timepoints (issue 12 item 7: the enum in OpenAPI).
            "Input should be 'baseline', 'before_session'",
        ),
    ],
)
def test_it_answers_bad_responses_with_422_naming_the_item(
    cast: Cast, body: dict[str, object], field: str, reason: str
) -> None:
    response = _submit(cast.api("partner_a"), cast.couple.pk, body)
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert any(p["loc"][-1] == field and reason in p["msg"] for p in problems), problems
    assert not MeasureResponse.objects.exists()


def test_it_lets_the_care_team_administer_a_measure_with_a_partner(cast: Cast) -> None:
    response = _phq9(cast.couple.pk, cast.api("facilitator"), [0] * 9, partner_id=cast.partner_b.pk)
    assert response.status_code == 201
    stored = MeasureResponse.objects.get()
    assert (stored.partner, stored.administered_by) == (cast.partner_b, cast.facilitator)


@pytest.mark.parametrize(
    ("who", "partner", "status"),
    [
        ("partner_a", "partner_b", 403),  # not for the other partner
        ("admin", "partner_a", 403),  # sees the couple, does not administer measures
        ("other_facilitator", "partner_a", 404),
        ("trial_facilitator", "partner_a", 404),
        ("facilitator", "partner_c", 404),  # not a partner of this couple
    ],
)
def test_it_refuses_submissions_by_the_wrong_person(
    cast: Cast, who: str, partner: str, status: int
) -> None:
    response = _phq9(cast.couple.pk, cast.api(who), [0] * 9, partner_id=cast.people[partner].pk)
    assert response.status_code == status
    assert not MeasureResponse.objects.exists()


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("partner_a", {"partner_a"}),
        ("partner_b", {"partner_b"}),
        ("facilitator", {"partner_a", "partner_b"}),
        ("lead", {"partner_a", "partner_b"}),
        ("admin", set()),
        ("other_facilitator", None),
        ("partner_c", None),
        ("trial_facilitator", None),
    ],
)
def test_it_shows_responses_to_their_partner_and_the_care_team_only(
    cast: Cast, who: str, sees: set[str] | None
) -> None:
    _phq9(cast.couple.pk, cast.api("partner_a"), [1] * 9)
    _phq9(cast.couple.pk, cast.api("partner_b"), [2] * 9)
    response = cast.api(who).get(f"/api/v1/couples/{cast.couple.pk}/responses")
    if sees is None:
        assert response.status_code == 404
        return
    names = {
        key
        for key, user in cast.people.items()
        for item in response.json()["items"]
        if item["partner_id"] == user.pk
    }
    assert names == sees


def test_it_has_a_named_staff_member_acknowledge_an_alert_with_a_note(cast: Cast) -> None:
    _phq9(cast.couple.pk, cast.api("partner_a"), [0] * 8 + [2])
    alert = SafetyAlert.objects.get()
    viewer = cast.viewer("facilitator")
    found = get_alert_for(viewer, alert.pk)
    with pytest.raises(ValidationError, match="Say what you did"):
        alert_acknowledge(viewer=viewer, alert=found, note="  ")
    done = alert_acknowledge(viewer=viewer, alert=found, note="Called Alex; safety plan reviewed.")
    assert (done.acknowledged_by, done.note) == (
        cast.facilitator,
        "Called Alex; safety plan reviewed.",
    )
    with pytest.raises(ValidationError, match="already been acknowledged"):
        alert_acknowledge(viewer=cast.viewer("lead"), alert=done, note="again")
    assert AuditEvent.objects.filter(action="alert.acknowledge").count() == 1


@pytest.mark.parametrize(
    "who", ["other_facilitator", "trial_facilitator", "partner_a", "admin", "researcher"]
)
def test_it_hides_alerts_from_everyone_outside_the_care_team(cast: Cast, who: str) -> None:
    _phq9(cast.couple.pk, cast.api("partner_a"), [0] * 8 + [3])
    alert = SafetyAlert.objects.get()
    with pytest.raises(Http404):
        get_alert_for(cast.viewer(who), alert.pk)


# Item 9 skipped, and one response per submission key ------------------------------------

KEY = "form-0123456789abcdef"


def test_it_raises_its_own_alert_when_item_9_is_left_unanswered(cast: Cast) -> None:
    response = _submit(
        cast.api("partner_a"),
        cast.couple.pk,
        {"instrument": "phq9", "timepoint": "baseline", "answers": [1] * 8 + [None]},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["total"], body["missing"]) == (None, ["phq9_9"])
    assert [alert["rule"] for alert in body["alerts"]] == ["phq9_item9_unanswered"]
    assert body["alerts"][0]["message"].startswith("Item 9 was not answered: ask it.")
    alert = SafetyAlert.objects.get()
    assert (alert.partner, alert.rule_id) == (cast.partner_a, "phq9_item9_unanswered")
    assert "Simon et al. 2013" in alert.source


def test_it_accepts_nine_numbers_for_the_phq9_as_well_as_ten(cast: Cast) -> None:
    client = cast.api("partner_a")
    nine = _submit(
        client,
        cast.couple.pk,
        {"instrument": "phq9", "timepoint": "baseline", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 0]},
    )
    assert nine.status_code == 201
    body = nine.json()
    assert (body["total"], body["missing"], body["alerts"]) == (8, [], [])
    assert body["answers"][9] == {"item": "phq9_10", "value": None, "safety": False}


def test_it_stores_one_response_for_an_idempotency_key_sent_twice(cast: Cast) -> None:
    client = cast.api("partner_a")
    body = {
        "instrument": "phq9",
        "timepoint": "baseline",
        "answers": [1] * 8 + [None],
        "submission_key": KEY,
    }
    first = _submit(client, cast.couple.pk, body)
    again = _submit(client, cast.couple.pk, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["alerts"] == first.json()["alerts"]
    assert MeasureResponse.objects.count() == 1
    assert SafetyAlert.objects.count() == 1
    assert AuditEvent.objects.filter(action="measure.submit").count() == 1
    # Other answers under the same key are refused, and the stored response is named.
    other = _submit(client, cast.couple.pk, {**body, "answers": [0] * 9})
    assert other.status_code == 409
    assert other.json()["stored"]["id"] == first.json()["id"]
    # The same key for the other partner's own form is theirs, not a conflict.
    theirs = _submit(cast.api("partner_b"), cast.couple.pk, body)
    assert theirs.status_code == 201
    assert MeasureResponse.objects.count() == 2


@pytest.mark.parametrize("key", ["short", "has spaces in it, sixteen+", "é" * 20, "x" * 65])
def test_it_refuses_a_malformed_idempotency_key(cast: Cast, key: str) -> None:
    response = _submit(
        cast.api("partner_a"),
        cast.couple.pk,
        {"instrument": "phq9", "timepoint": "baseline", "answers": [0] * 9, "submission_key": key},
    )
    assert response.status_code == 422
    assert "submission_key" in json.dumps(response.json())
    assert not MeasureResponse.objects.exists()


def test_it_leaves_the_uniqueness_of_a_submission_key_to_the_database(cast: Cast) -> None:
    fields = {
        "organisation": cast.center,
        "couple": cast.couple,
        "partner": cast.partner_a,
        "instrument": "phq9",
        "instrument_version": "1.0",
        "timepoint": "baseline",
        "answers": {},
        "submission_key": KEY,
    }
    MeasureResponse.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureResponse.objects.create(**fields)
    # Responses sent without a key never collide.
    MeasureResponse.objects.create(**{**fields, "submission_key": None})
    MeasureResponse.objects.create(**{**fields, "submission_key": None})


@pytest.mark.django_db(transaction=True)
def test_it_stores_one_response_when_the_same_form_arrives_twice_at_once() -> None:

    cast = build_cast()
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            viewer = cast.viewer("partner_a")

            couple = get_couple_for(viewer, cast.couple.pk)
            barrier.wait()
            submitted = response_submit(
                viewer=viewer,
                couple=couple,
                instrument="phq9",
                timepoint="baseline",
                answers={f"phq9_{n}": 1 for n in range(1, 9)},
                submission_key=KEY,
            )
            results.append(submitted.response.pk)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 4
    assert MeasureResponse.objects.count() == 1
    assert list(SafetyAlert.objects.values_list("rule_id", flat=True)) == ["phq9_item9_unanswered"]
