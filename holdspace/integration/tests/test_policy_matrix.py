"""Integration's access rules as a matrix: every person of the cast against each kind of
integration record (the pages, integration sessions, follow-up contacts, commitments and their
check-ins, journal entries of each visibility and their voice notes), through the web and the
API. "ok" is any success (200, 201, 302); a record a person may not see is a 404, audited in its
organisation's chain."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, joined_before, make_session
from holdspace.couples.models import Couple, Entry
from holdspace.couples.services import entry_create
from holdspace.demo.journals import demo_wav
from holdspace.integration.models import (
    CheckIn,
    Commitment,
    CommitmentRevision,
    FollowUpContact,
    IntegrationOffer,
    IntegrationSession,
)
from holdspace.integration.services import commitment_create, integration_session_schedule
from holdspace.policy.couples import get_couple_for
from holdspace.sessions.models import MedicineSession

pytestmark = pytest.mark.django_db

OK = "ok"
OUTSIDE = {"read": 404, "record": 404, "commit": 404, "check_in": 404}

# What each person may do with the integration of the couple A & B: read its pages (the
# integration page, commitments, journal, schedule), record integration (the care team's),
# write commitments, check in on one both partners keep.
MAY: dict[str, dict[str, object]] = {
    "partner_a": {"read": OK, "record": 403, "commit": OK, "check_in": OK},
    "partner_b": {"read": OK, "record": 403, "commit": OK, "check_in": OK},
    "facilitator": {"read": OK, "record": OK, "commit": OK, "check_in": 403},
    "lead": {"read": OK, "record": OK, "commit": OK, "check_in": 403},
    # Sees that the couple exists, nothing of its integration.
    "admin": {"read": 403, "record": 403, "commit": 403, "check_in": 403},
    "other_facilitator": OUTSIDE,  # same organisation, another couple's care team
    "researcher": OUTSIDE,
    "partner_c": OUTSIDE,  # a partner of another couple
    "trial_facilitator": OUTSIDE,  # another organisation
    "trial_partner_a": OUTSIDE,
}

# Which of partner A's journal entries (by visibility) each person may read, and hear.
READS: dict[str, set[str]] = {
    "partner_a": {"private", "team", "couple"},
    "partner_b": {"couple"},
    "facilitator": {"team", "couple"},
    "lead": {"team", "couple"},
    "admin": set(),
    "other_facilitator": set(),
    "researcher": set(),
    "partner_c": set(),
    "trial_facilitator": set(),
    "trial_partner_a": set(),
}
VISIBILITIES = ("private", "team", "couple")


def _outcome(status: int) -> object:
    return OK if status in {200, 201, 302} else status


def _json(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _base(cast: Cast) -> str:
    return f"/couples/{cast.couple.pk}"


def _commitment(cast: Cast, couple: Couple | None = None, who: str = "partner_a") -> Commitment:
    couple = couple or cast.couple
    viewer = cast.viewer(who)
    return commitment_create(
        viewer=viewer,
        couple=get_couple_for(viewer, couple.pk),
        description="A walk on Sundays",
        who="both",
        cadence="weekly",
    )


def _planned(cast: Cast, couple: Couple | None = None, who: str = "facilitator") -> Any:
    couple = couple or cast.couple
    viewer = cast.viewer(who)
    loaded = get_couple_for(viewer, couple.pk)
    return integration_session_schedule(
        viewer=viewer,
        couple=loaded,
        at=timezone.now() + dt.timedelta(days=3),
        facilitator_id=loaded.loaded_care_team[0].user_id,
    )


def _contact(cast: Cast, couple: Couple | None = None) -> FollowUpContact:
    couple = couple or cast.couple
    session = make_session(cast, couple=couple, facilitators=[])
    partner = couple.partners.first()
    assert partner is not None
    return FollowUpContact.objects.create(
        organisation_id=couple.organisation_id,
        couple=couple,
        session=session,
        partner_id=partner.user_id,
        due_on=timezone.localdate(),
    )


@pytest.mark.parametrize("who", sorted(MAY))
def test_it_lets_each_person_read_integration_as_the_policy_allows(cast: Cast, who: str) -> None:
    web, api = cast.client(who), cast.api(who)
    expected = MAY[who]["read"]
    got = {
        "integration page": _outcome(web.get(f"{_base(cast)}/integration/").status_code),
        "commitments page": _outcome(web.get(f"{_base(cast)}/commitments/").status_code),
        "journal page": _outcome(web.get(f"{_base(cast)}/journal/").status_code),
        "journal api": _outcome(api.get(f"/api/v1{_base(cast)}/journal").status_code),
        "schedule api": _outcome(api.get(f"/api/v1{_base(cast)}/schedule").status_code),
    }
    assert got == dict.fromkeys(got, expected)


@pytest.mark.parametrize("who", sorted(MAY))
def test_it_lets_each_person_record_integration_as_the_policy_allows(cast: Cast, who: str) -> None:
    web = cast.client(who)
    planned = _planned(cast)
    contact = _contact(cast)
    MedicineSession.objects.filter(pk=contact.session_id).update(status="closed")
    joined_before(cast.couple, timezone.now())
    at = (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    held_at = (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    got = {
        "offer": web.post(
            f"{_base(cast)}/integration/offer",
            {"session": contact.session_id, "answer": "accepted"},
        ),
        "record": web.post(
            f"{_base(cast)}/integration/sessions",
            {"held_at": held_at, "partner": "", "facilitator": cast.facilitator.pk},
        ),
        "schedule": web.post(
            f"{_base(cast)}/integration/schedule",
            {"at": at, "partner": "", "facilitator": cast.facilitator.pk},
        ),
        "cancel": web.post(f"{_base(cast)}/integration/sessions/{planned.pk}/cancel"),
        "follow-up": web.post(f"{_base(cast)}/integration/follow-ups/{contact.pk}/done"),
    }
    expected = MAY[who]["record"]
    assert {k: _outcome(r.status_code) for k, r in got.items()} == dict.fromkeys(got, expected)
    planned.refresh_from_db()
    contact.refresh_from_db()
    done = expected == OK
    assert IntegrationSession.objects.count() == (3 if done else 1)
    assert IntegrationOffer.objects.count() == (1 if done else 0)
    assert (planned.status == "cancelled", contact.done_at is not None) == (done, done)


@pytest.mark.parametrize("who", sorted(MAY))
def test_it_lets_each_person_write_commitments_as_the_policy_allows(cast: Cast, who: str) -> None:
    commitment = _commitment(cast)
    prefix = f"r{commitment.pk}"
    got = {
        "api add": _json(
            cast.api(who),
            f"/api/v1{_base(cast)}/commitments",
            {"description": "Cook together", "who": "both", "cadence": "weekly"},
        ),
        "web add": cast.client(who).post(
            f"{_base(cast)}/commitments/add",
            {"description": "Read aloud", "who": "both", "cadence": "daily"},
        ),
        "web revise": cast.client(who).post(
            f"{_base(cast)}/commitments/{commitment.pk}/revise",
            {
                f"{prefix}-description": "A long walk on Sundays",
                f"{prefix}-who": "both",
                f"{prefix}-cadence": "weekly",
            },
        ),
    }
    expected = MAY[who]["commit"]
    assert {k: _outcome(r.status_code) for k, r in got.items()} == dict.fromkeys(got, expected)
    written = expected == OK
    assert Commitment.objects.count() == (3 if written else 1)
    assert CommitmentRevision.objects.filter(commitment=commitment).count() == (2 if written else 1)


@pytest.mark.parametrize("who", sorted(MAY))
def test_it_lets_only_a_partner_who_keeps_a_commitment_check_in(cast: Cast, who: str) -> None:
    by_api, by_web = _commitment(cast), _commitment(cast)
    got = {
        "api": _json(
            cast.api(who), f"/api/v1/commitments/{by_api.pk}/checkins", {"status": "done"}
        ),
        "web": cast.client(who).post(
            f"{_base(cast)}/commitments/{by_web.pk}/checkin", {"status": "done"}
        ),
    }
    expected = MAY[who]["check_in"]
    assert {k: _outcome(r.status_code) for k, r in got.items()} == dict.fromkeys(got, expected)
    assert CheckIn.objects.count() == (2 if expected == OK else 0)


@pytest.mark.parametrize("who", ["facilitator", "lead"])
def test_it_answers_another_couples_records_under_this_couples_address_as_missing(
    cast: Cast, who: str
) -> None:
    """The care team of A & B, asking for C & D's records through A & B's pages: each is as
    missing as one that does not exist, and the denial is audited in the Center's chain."""
    theirs_commitment = _commitment(cast, cast.other_couple, who="partner_c")
    theirs_planned = _planned(cast, cast.other_couple, who="other_facilitator")
    theirs_contact = _contact(cast, cast.other_couple)
    web = cast.client(who)
    answers = [
        web.post(
            f"{_base(cast)}/commitments/{theirs_commitment.pk}/revise",
            {f"r{theirs_commitment.pk}-description": "Ours now"},
        ),
        web.post(f"{_base(cast)}/commitments/{theirs_commitment.pk}/checkin", {"status": "done"}),
        web.post(f"{_base(cast)}/integration/sessions/{theirs_planned.pk}/held"),
        web.post(f"{_base(cast)}/integration/sessions/{theirs_planned.pk}/cancel"),
        web.post(f"{_base(cast)}/integration/follow-ups/{theirs_contact.pk}/done"),
        web.post(f"{_base(cast)}/integration/follow-ups/999999/done"),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    denials = AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk)
    assert denials.count() == len(answers)
    assert set(denials.values_list("organisation_id", flat=True)) == {cast.center.pk}
    theirs_planned.refresh_from_db()
    assert theirs_planned.status == "scheduled"
    assert CommitmentRevision.objects.filter(commitment=theirs_commitment).count() == 1


def test_it_audits_a_check_in_on_a_missing_commitment_in_the_organisations_chain(
    cast: Cast,
) -> None:
    theirs = _commitment(cast, cast.trial_couple, who="trial_partner_a")
    answer = _json(cast.api("partner_a"), f"/api/v1/commitments/{theirs.pk}/checkins", {})
    assert answer.status_code in {404, 422}
    answer = _json(
        cast.api("partner_a"), f"/api/v1/commitments/{theirs.pk}/checkins", {"status": "done"}
    )
    assert answer.status_code == 404
    denial = AuditEvent.objects.get(action="access.denied", actor_id=cast.partner_a.pk)
    # Another organisation's commitment: its chain, not a chain without an organisation.
    assert (denial.organisation_id, denial.object_type) == (cast.trial.pk, "commitment")
    assert not CheckIn.objects.exists()


def _journal_entries(cast: Cast) -> dict[str, Entry]:
    viewer = cast.viewer("partner_a")
    couple = get_couple_for(viewer, cast.couple.pk)
    return {
        visibility: entry_create(
            viewer=viewer,
            couple=couple,
            kind="journal",
            visibility=visibility,
            body=f"A-{visibility}-words",
            audio=SimpleUploadedFile("note.wav", demo_wav(0.05), content_type="audio/wav"),
        )
        for visibility in VISIBILITIES
    }


@pytest.mark.parametrize("who", sorted(READS))
def test_it_shows_and_plays_each_journal_entry_only_to_those_who_may_read_it(
    cast: Cast, who: str
) -> None:
    entries = _journal_entries(cast)
    web, api = cast.client(who), cast.api(who)
    page = web.get(f"{_base(cast)}/journal/").content.decode()
    listed = api.get(f"/api/v1{_base(cast)}/journal")
    found = listed.json().get("items", []) if listed.status_code == 200 else []
    bodies = {e["body"] for e in found}
    problems = []
    for visibility, entry in entries.items():
        may = visibility in READS[who]
        want = 200 if may else 404
        for channel, client, url in (
            ("web", web, f"{_base(cast)}/entries/{entry.pk}/audio"),
            ("api", api, f"/api/v1{_base(cast)}/entries/{entry.pk}/audio"),
        ):
            got = client.get(url).status_code
            if got != want:
                problems.append(f"{channel} voice note {visibility}: {got}, want {want}")
        if (entry.body in page) != may:
            problems.append(f"journal page shows {visibility}: {not may}")
        if (entry.body in bodies) != may:
            problems.append(f"journal api lists {visibility}: {not may}")
    assert problems == []
    heard = AuditEvent.objects.filter(action="entry.audio", actor_id=cast.people[who].pk)
    assert heard.count() == 2 * len(READS[who])
