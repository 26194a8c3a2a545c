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
from holdspace.policy.couples import get_couple_for

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


def test_it_lets_a_partner_add_a_commitment_for_both_and_each_check_in(cast: Cast) -> None:
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


def test_it_lets_only_the_partner_who_keeps_it_check_in(cast: Cast) -> None:
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
def test_it_refuses_a_bad_commitment_naming_the_field(
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
def test_it_refuses_commitments_from_outsiders(cast: Cast, who: str, status: int) -> None:
    assert _create(cast, caller=who).status_code == status
    assert not Commitment.objects.exists()


def test_it_keeps_the_history_of_revisions_and_shows_adherence_over_time(cast: Cast) -> None:
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
        f"/couples/{cast.couple.pk}/commitments/{commitment.pk}/revise",
        {
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


def _revise_section(html: str, commitment: Commitment) -> str:
    start = html.index(f'aria-labelledby="commitment-{commitment.pk}"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize(
    ("starts_on", "field", "problem"),
    [
        ("1999-01-01", "starts_on", "A commitment cannot start more than a year ago"),
        ("4 Dec", "starts_on", "Enter a valid date."),
        ("2026-13-45", "starts_on", "Enter a valid date."),
    ],
)
def test_it_brings_a_refused_revision_back_open_with_what_was_typed_and_the_error_beside_it(
    cast: Cast, starts_on: str, field: str, problem: str
) -> None:
    first = Commitment.objects.get(pk=_create(cast).json()["id"])
    other = Commitment.objects.get(pk=_create(cast, description="Cook together").json()["id"])
    client = cast.client("partner_a")
    url = f"/couples/{cast.couple.pk}/commitments/{first.pk}/revise"
    typed = {
        f"r{first.pk}-description": "A long walk on Sundays",
        f"r{first.pk}-who": str(cast.partner_b.pk),
        f"r{first.pk}-cadence": "monthly",
        f"r{first.pk}-starts_on": starts_on,
    }
    refused = client.post(url, typed)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'class="messages"' not in html  # beside the field, not in a banner at the top
    mine = _revise_section(html, first)
    assert "<details open>" in mine
    assert f'id="id_r{first.pk}-{field}_error">{problem}' in mine
    assert "A long walk on Sundays</textarea>" in mine
    assert f'<option value="{cast.partner_b.pk}" selected>' in mine
    assert '<option value="monthly" selected>' in mine
    assert f'value="{starts_on}"' in mine
    # The other commitment's Revise section stays closed, with its own stored wording.
    theirs = _revise_section(html, other)
    assert "<details open>" not in theirs and "Cook together</textarea>" in theirs
    assert "Enter a valid date" not in theirs and "more than a year ago" not in theirs
    assert CommitmentRevision.objects.filter(commitment=first).count() == 1  # nothing saved
    # The second try, with a good date, is saved.
    typed[f"r{first.pk}-starts_on"] = timezone.localdate().isoformat()
    assert client.post(url, typed).status_code == 302
    current = CommitmentRevision.objects.filter(commitment=first).order_by("-id").first()
    assert current is not None
    assert (current.description, current.partner_id, current.cadence) == (
        "A long walk on Sundays",
        cast.partner_b.pk,
        "monthly",
    )


def test_it_starts_the_revise_form_from_the_stored_wording(cast: Cast) -> None:
    start = timezone.localdate() - dt.timedelta(days=3)
    made = _create(cast, who=cast.partner_a.pk, cadence="daily", starts_on=start.isoformat())
    commitment = Commitment.objects.get(pk=made.json()["id"])
    page = cast.client("partner_b").get(f"/couples/{cast.couple.pk}/commitments/")
    assert page.status_code == 200
    mine = _revise_section(page.content.decode(), commitment)
    assert "<details>" in mine
    assert "A 20-minute check-in, phones away</textarea>" in mine
    assert f'<option value="{cast.partner_a.pk}" selected>' in mine
    assert '<option value="daily" selected>' in mine
    assert f'value="{start.isoformat()}"' in mine
    assert f'<label for="id_r{commitment.pk}-starts_on">' in mine


@pytest.mark.parametrize("who", ["partner_c", "researcher"])
def test_it_hides_a_commitment_from_the_wrong_person_on_the_web(cast: Cast, who: str) -> None:
    commitment = Commitment.objects.get(pk=_create(cast).json()["id"])
    answer = cast.client(who).post(
        f"/couples/{cast.couple.pk}/commitments/{commitment.pk}/revise",
        {
            f"r{commitment.pk}-description": "Theirs now",
            f"r{commitment.pk}-who": "both",
            f"r{commitment.pk}-cadence": "weekly",
        },
    )
    assert answer.status_code == 404
    assert CommitmentRevision.objects.filter(commitment=commitment).count() == 1


def test_it_does_not_find_another_couples_commitment_to_revise(cast: Cast) -> None:
    theirs = _post(
        cast.api("partner_c"),
        f"/api/v1/couples/{cast.other_couple.pk}/commitments",
        {"description": "Ours", "who": "both", "cadence": "weekly"},
    )
    assert theirs.status_code == 201, theirs.content
    pk = theirs.json()["id"]
    answer = cast.client("partner_a").post(
        f"/couples/{cast.couple.pk}/commitments/{pk}/revise",
        {f"r{pk}-description": "Mine now"},
    )
    assert answer.status_code == 404
    assert CommitmentRevision.objects.filter(commitment_id=pk).count() == 1


def _checkin(cast: Cast, who: str, commitment_id: int, status: str, note: str = "") -> Any:
    return _post(
        cast.api(who),
        f"/api/v1/commitments/{commitment_id}/checkins",
        {"status": status, "note": note},
    )


def test_it_counts_a_second_check_in_for_the_same_week_instead_of_the_first(cast: Cast) -> None:
    commitment_id = _create(cast).json()["id"]
    assert _checkin(cast, "partner_a", commitment_id, "missed").status_code == 201
    assert _checkin(cast, "partner_a", commitment_id, "done", "Made up for it").status_code == 201
    assert CheckIn.objects.filter(partner=cast.partner_a).count() == 2  # both are kept
    (view,) = couple_commitments(get_couple_for(cast.viewer("partner_a"), cast.couple.pk))
    assert dict(view.periods[-1].marks) == {"Partner A": "done", "Partner B": None}
    assert view.adherence == 100  # only A checked in this week, and A's word is "done"


def test_it_refuses_a_check_in_before_the_commitment_starts_and_after_it_ends(cast: Cast) -> None:
    later = timezone.localdate() + dt.timedelta(days=3)
    upcoming = _create(cast, starts_on=later.isoformat()).json()["id"]
    refused = _checkin(cast, "partner_a", upcoming, "done")
    assert refused.status_code == 422
    assert "starts on" in refused.content.decode()
    ended = _create(cast, description="Cook together").json()["id"]
    Commitment.objects.filter(pk=ended).update(ended_at=timezone.now())
    assert _checkin(cast, "partner_b", ended, "done").status_code == 422
    # On the web the refusal comes back as a message above the page, nothing written.
    browser = cast.client("partner_b")
    answer = browser.post(
        f"/couples/{cast.couple.pk}/commitments/{ended}/checkin", {"status": "done"}
    )
    assert answer.status_code == 302
    assert "This commitment has ended." in browser.get(answer["Location"]).content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("status", ["", "kept", "DONE"])
def test_it_refuses_a_check_in_that_is_neither_done_nor_missed(cast: Cast, status: str) -> None:
    commitment_id = _create(cast).json()["id"]
    assert _checkin(cast, "partner_a", commitment_id, status).status_code == 422
    browser = cast.client("partner_a")
    browser.post(
        f"/couples/{cast.couple.pk}/commitments/{commitment_id}/checkin", {"status": status}
    )
    assert not CheckIn.objects.exists()


def test_it_refuses_a_check_in_from_the_partner_who_does_not_keep_it_on_the_web(
    cast: Cast,
) -> None:
    commitment_id = _create(cast, who=cast.partner_b.pk).json()["id"]
    url = f"/couples/{cast.couple.pk}/commitments/{commitment_id}/checkin"
    assert cast.client("partner_a").post(url, {"status": "done"}).status_code == 403
    page = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/commitments/")
    assert "Done this time" not in page.content.decode()  # no check-in offered to A
    assert cast.client("partner_b").post(url, {"status": "done"}).status_code == 302
    assert list(CheckIn.objects.values_list("partner_id", flat=True)) == [cast.partner_b.pk]


def test_it_keeps_what_was_typed_when_a_new_commitment_is_refused_and_takes_a_second_try(
    cast: Cast,
) -> None:
    browser = cast.client("partner_a")
    url = f"/couples/{cast.couple.pk}/commitments/add"
    typed = {"description": "   ", "who": str(cast.partner_b.pk), "cadence": "fortnightly"}
    refused = browser.post(url, typed)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="id_description_error"' in html
    assert f'<option value="{cast.partner_b.pk}" selected>' in html
    assert '<option value="fortnightly" selected>' in html
    assert not Commitment.objects.exists()
    typed["description"] = "Call Riley's mother on Sundays"
    assert browser.post(url, typed).status_code == 302
    revision = CommitmentRevision.objects.get()
    assert (revision.partner_id, revision.cadence) == (cast.partner_b.pk, "fortnightly")


def test_it_keeps_the_partners_check_ins_when_the_care_team_revises(cast: Cast) -> None:
    created = _create(cast)
    commitment = Commitment.objects.get(pk=created.json()["id"])
    _checkin(cast, "partner_a", commitment.pk, "done")
    prefix = f"r{commitment.pk}"
    revised = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/commitments/{commitment.pk}/revise",
        {
            f"{prefix}-description": "A check-in, ten minutes is enough",
            f"{prefix}-who": "both",
            f"{prefix}-cadence": "weekly",
            f"{prefix}-starts_on": timezone.localdate().isoformat(),
        },
    )
    assert revised.status_code == 302
    html = cast.client("partner_b").get(f"/couples/{cast.couple.pk}/commitments/").content.decode()
    assert "A check-in, ten minutes is enough" in html
    assert "Facilitator: A 20-minute check-in, phones away" not in html
    assert "Partner A: A 20-minute check-in, phones away" in html  # who wrote the first
    assert CheckIn.objects.count() == 1
    event = AuditEvent.objects.get(action="commitment.revise")
    assert (event.actor_id, event.object_id) == (cast.facilitator.pk, str(commitment.pk))


def test_it_audits_each_opening_of_the_commitments_page(cast: Cast) -> None:
    _create(cast)
    for who in ("partner_a", "facilitator"):
        assert cast.client(who).get(f"/couples/{cast.couple.pk}/commitments/").status_code == 200
    assert cast.client("admin").get(f"/couples/{cast.couple.pk}/commitments/").status_code == 403
    listed = AuditEvent.objects.filter(action="commitment.list")
    assert sorted(listed.values_list("actor_id", flat=True)) == sorted(
        [cast.partner_a.pk, cast.facilitator.pk]
    )
    assert AuditEvent.objects.filter(
        action="access.denied", actor_id=cast.admin.pk, organisation_id=cast.center.pk
    ).exists()


def test_it_says_each_check_in_mark_in_text_not_only_as_a_symbol(cast: Cast) -> None:
    # An aria-label on a plain span is dropped by some screen readers: the meaning is text.
    created = _create(cast)
    commitment_id = created.json()["id"]
    for who, status in (("partner_a", "done"), ("partner_b", "missed")):
        _post(cast.api(who), f"/api/v1/commitments/{commitment_id}/checkins", {"status": status})
    a, b = cast.partner_a.display_name, cast.partner_b.display_name
    for who, path in (("partner_a", "commitments/"), ("facilitator", "")):
        html = cast.client(who).get(f"/couples/{cast.couple.pk}/{path}").content.decode()
        assert f'<span aria-hidden="true">✓</span><span class="sr-only">{a}: kept</span>' in html
        assert f'<span aria-hidden="true">✗</span><span class="sr-only">{b}: missed</span>' in html
        assert 'class="mark mark-done" aria-label' not in html
