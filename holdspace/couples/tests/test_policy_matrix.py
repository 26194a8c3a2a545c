"""The privacy model as a matrix: every role × every visibility × own couple, another
couple of the same organisation, and a couple of another organisation, through both the
web views and the API."""

from __future__ import annotations

import json

import pytest
from django.http import HttpResponse
from django.test import Client

from holdspace.accounts.models import Invitation
from holdspace.accounts.services import invitation_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_entry
from holdspace.couples.models import Entry, EntryReply

VISIBILITIES = ("private", "team", "couple")
TEAM_AND_COUPLE = {"team", "couple"}

# Who may see which couple (keys of Cast: couple, other_couple, trial_couple).
COUPLES_SEEN = {
    "partner_a": {"couple"},
    "partner_b": {"couple"},
    "partner_c": {"other_couple"},
    "partner_d": {"other_couple"},
    "facilitator": {"couple"},
    "other_facilitator": {"other_couple"},
    "lead": {"couple", "other_couple"},
    "admin": {"couple", "other_couple"},
    "researcher": set(),
    "trial_facilitator": {"trial_couple"},
    "trial_partner_a": {"trial_couple"},
    "trial_partner_b": {"trial_couple"},
}

# The author of the entries in each couple is its first partner.
AUTHORS = {"couple": "partner_a", "other_couple": "partner_c", "trial_couple": "trial_partner_a"}

# Which (couple, visibility) entries each person may read.
ENTRIES_SEEN: dict[str, set[tuple[str, str]]] = {
    "partner_a": {("couple", v) for v in VISIBILITIES},
    "partner_b": {("couple", "couple")},
    "partner_c": {("other_couple", v) for v in VISIBILITIES},
    "partner_d": {("other_couple", "couple")},
    "facilitator": {("couple", v) for v in TEAM_AND_COUPLE},
    "other_facilitator": {("other_couple", v) for v in TEAM_AND_COUPLE},
    "lead": {(c, v) for c in ("couple", "other_couple") for v in TEAM_AND_COUPLE},
    "admin": set(),
    "researcher": set(),
    "trial_facilitator": {("trial_couple", v) for v in TEAM_AND_COUPLE},
    "trial_partner_a": {("trial_couple", v) for v in VISIBILITIES},
    "trial_partner_b": {("trial_couple", "couple")},
}


def _entries(cast: Cast) -> dict[tuple[str, str], Entry]:
    return {
        (couple_key, visibility): make_entry(
            getattr(cast, couple_key),
            cast.people[AUTHORS[couple_key]],
            visibility,
            body=f"secret text of {couple_key} {visibility}",
        )
        for couple_key in AUTHORS
        for visibility in VISIBILITIES
    }


@pytest.mark.parametrize("who", sorted(COUPLES_SEEN))
def test_it_shows_each_person_exactly_the_couples_and_entries_the_policy_allows(
    cast: Cast, who: str
) -> None:
    entries = _entries(cast)
    web, api = cast.client(who), cast.api(who)
    problems = []

    for couple_key in AUTHORS:
        couple = getattr(cast, couple_key)
        may_see_couple = couple_key in COUPLES_SEEN[who]
        expected = 200 if may_see_couple else 404
        page = web.get(f"/couples/{couple.pk}/")
        if page.status_code != expected:
            problems.append(f"web couple {couple_key}: {page.status_code}")
        detail = api.get(f"/api/v1/couples/{couple.pk}")
        if detail.status_code != expected:
            problems.append(f"api couple {couple_key}: {detail.status_code}")
        listing = api.get(f"/api/v1/couples/{couple.pk}/entries")
        if listing.status_code != expected:
            problems.append(f"api entry list {couple_key}: {listing.status_code}")
        listed_ids = {item["id"] for item in listing.json().get("items", [])}
        # A partner reads entries in their portal's Journal; the staff on the couple page.
        journal = web.get(f"/couples/{couple.pk}/journal/")
        page_text = page.content.decode() + journal.content.decode()

        for visibility in VISIBILITIES:
            entry = entries[(couple_key, visibility)]
            may_read = (couple_key, visibility) in ENTRIES_SEEN[who]
            want = 200 if may_read else 404
            url = f"/couples/{couple.pk}/entries/{entry.pk}/"
            got_web = web.get(url).status_code
            got_api = api.get(f"/api/v1/couples/{couple.pk}/entries/{entry.pk}").status_code
            if got_web != want:
                problems.append(f"web entry {couple_key}/{visibility}: {got_web}, want {want}")
            if got_api != want:
                problems.append(f"api entry {couple_key}/{visibility}: {got_api}, want {want}")
            if (entry.pk in listed_ids) != may_read:
                problems.append(f"api list shows {couple_key}/{visibility}: {not may_read}")
            if (entry.body in page_text) != may_read:
                problems.append(f"couple pages show {couple_key}/{visibility}: {not may_read}")
            # An entry looked up under another couple's address does not exist either.
            wrong = cast.other_couple if couple_key == "couple" else cast.couple
            if web.get(f"/couples/{wrong.pk}/entries/{entry.pk}/").status_code != 404:
                problems.append(f"entry {couple_key}/{visibility} reachable via another couple")

    couples_listed = {c["id"] for c in api.get("/api/v1/couples").json()["items"]}
    expected_ids = {getattr(cast, key).pk for key in COUPLES_SEEN[who]}
    if couples_listed != expected_ids:
        problems.append(f"api couple list {sorted(couples_listed)} != {sorted(expected_ids)}")
    assert problems == []


@pytest.mark.parametrize("who", sorted(COUPLES_SEEN))
def test_it_lets_only_the_partners_write_entries(cast: Cast, who: str) -> None:
    api = cast.api(who)
    body = {"kind": "journal", "visibility": "private", "body": "mine"}
    for couple_key in AUTHORS:
        couple = getattr(cast, couple_key)
        response = api.post(
            f"/api/v1/couples/{couple.pk}/entries",
            json.dumps(body),
            content_type="application/json",
        )
        is_partner = who.startswith(("partner", "trial_partner")) and (
            couple_key in COUPLES_SEEN[who]
        )
        if is_partner:
            expected = 201
        elif couple_key in COUPLES_SEEN[who]:
            expected = 403  # sees the couple, but only its partners write
        else:
            expected = 404
        assert response.status_code == expected, (couple_key, response.content)


@pytest.mark.parametrize("who", sorted(COUPLES_SEEN))
def test_it_lets_only_the_author_change_an_entry_or_its_visibility(cast: Cast, who: str) -> None:
    entries = _entries(cast)
    api, web = cast.api(who), cast.client(who)
    for (couple_key, visibility), entry in entries.items():
        may_read = (couple_key, visibility) in ENTRIES_SEEN[who]
        is_author = AUTHORS[couple_key] == who
        expected = 200 if is_author else (403 if may_read else 404)
        target = "private" if visibility == "couple" else "couple"
        url = f"/api/v1/couples/{entry.couple_id}/entries/{entry.pk}"
        response = api.patch(
            url, json.dumps({"visibility": target}), content_type="application/json"
        )
        assert response.status_code == expected, (couple_key, visibility)
        web_response = web.post(
            f"/couples/{entry.couple_id}/entries/{entry.pk}/visibility", {"visibility": target}
        )
        assert web_response.status_code == (302 if is_author else expected)
        entry.refresh_from_db()
        assert entry.visibility == (target if is_author else visibility)


# The couple itself: the console, adding a couple, recording a withdrawal ---------------------

# who: (their console, the Center's console, the Trial's console, adding a couple,
#       withdrawing A & B)
COUPLE_ACTIONS: dict[str, tuple[int, int, int, int, int]] = {
    "partner_a": (404, 404, 404, 404, 403),
    "partner_b": (404, 404, 404, 404, 403),
    "partner_c": (404, 404, 404, 404, 404),
    "partner_d": (404, 404, 404, 404, 404),
    "facilitator": (200, 200, 403, 404, 302),
    "other_facilitator": (200, 200, 403, 404, 404),
    "lead": (200, 200, 403, 200, 302),
    "admin": (200, 200, 403, 200, 302),
    "researcher": (404, 404, 404, 404, 404),
    "trial_facilitator": (200, 403, 200, 404, 404),
    "trial_partner_a": (404, 404, 404, 404, 404),
    "trial_partner_b": (404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("who", sorted(COUPLE_ACTIONS))
def test_it_opens_consoles_adds_and_withdraws_couples_only_as_the_policy_allows(
    cast: Cast, who: str
) -> None:
    own, center, trial, add, withdraw = COUPLE_ACTIONS[who]
    web = cast.client(who)
    assert web.get("/console/").status_code == own
    assert web.get(f"/console/?org={cast.center.pk}").status_code == center
    assert web.get(f"/console/?org={cast.trial.pk}").status_code == trial
    assert web.get("/console/couples/new/").status_code == add
    response = web.post(f"/couples/{cast.couple.pk}/withdraw/", {"reason": "Moved away"})
    assert response.status_code == withdraw
    cast.couple.refresh_from_db()
    assert (cast.couple.withdrawn_at is not None) == (withdraw == 302)
    # No refusal lands in the chain of no organisation.
    assert not AuditEvent.objects.filter(action="access.denied", organisation_id=None).exists()


# Looking after a couple: its name and care team, its partners' invitations -----------------

# Who looks after A & B: its care team (its facilitator, the clinical lead) and the org admin.
LOOKS_AFTER = {"admin", "lead", "facilitator"}


def _expected(who: str, ok: int, *, gone: str = "") -> int:
    """OK for those who look after A & B, 403 for others who see it, 404 for the rest (and
    for GONE, no longer of the couple)."""
    if who == gone:
        return 404
    if who in LOOKS_AFTER:
        return ok
    return 403 if "couple" in COUPLES_SEEN[who] else 404


def _send(client: Client, method: str, url: str, body: object) -> HttpResponse:
    response: HttpResponse = getattr(client, method)(
        url, json.dumps(body), content_type="application/json"
    )
    return response


@pytest.mark.parametrize("who", sorted(COUPLES_SEEN))
def test_it_lets_only_those_who_look_after_a_couple_change_it(cast: Cast, who: str) -> None:
    web, api = cast.client(who), cast.api(who)
    couple = cast.couple
    assert web.get(f"/couples/{couple.pk}/edit/").status_code == _expected(who, 200)
    posted = web.post(
        f"/couples/{couple.pk}/edit/", {"name": "Web", "care_team": [cast.facilitator.pk]}
    )
    assert posted.status_code == _expected(who, 302)
    patched = _send(api, "patch", f"/api/v1/couples/{couple.pk}", {"name": "Api"})
    assert patched.status_code == _expected(who, 200)
    couple.refresh_from_db()
    assert couple.name == ("Api" if who in LOOKS_AFTER else "A & B")
    # Another organisation's couple does not exist for anyone here but its own people.
    trial = cast.trial_couple
    own_trial = who.startswith("trial")
    trial_expected = (200 if who == "trial_facilitator" else 403) if own_trial else 404
    trial_patch = _send(api, "patch", f"/api/v1/couples/{trial.pk}", {"name": "Renamed"})
    assert trial_patch.status_code == trial_expected
    assert not AuditEvent.objects.filter(action="access.denied", organisation_id=None).exists()


@pytest.mark.parametrize("who", sorted(COUPLES_SEEN))
def test_it_lets_only_those_who_look_after_a_couple_manage_its_invitations(
    cast: Cast, who: str
) -> None:
    couple = cast.couple
    # Partner B's place is free (so partner B is no longer of the couple: 404 for them).
    couple.partners.filter(slot="b").delete()
    web, api = cast.client(who), cast.api(who)

    base = f"/api/v1/couples/{couple.pk}/invitations"
    assert api.get(base).status_code == _expected(who, 200, gone="partner_b")
    assert web.get(f"/couples/{couple.pk}/invitations/").status_code == _expected(
        who, 200, gone="partner_b"
    )
    invited = _send(api, "post", base, {"email": f"{who}-new@example.org", "display_name": "N"})
    assert invited.status_code == _expected(who, 201, gone="partner_b")
    pending = Invitation.objects.filter(couple=couple).first()
    if pending is None:
        pending, _link = invitation_create(
            viewer=cast.viewer("lead"),
            organisation=cast.center,
            email="pending@example.org",
            display_name="Pending",
            couple=couple,
        )
    resent = _send(api, "post", f"{base}/{pending.pk}/resend", {"email": f"{who}@example.net"})
    assert resent.status_code == _expected(who, 200, gone="partner_b")
    revoked = web.post(f"/couples/{couple.pk}/invitations/{pending.pk}/revoke")
    assert revoked.status_code == _expected(who, 302, gone="partner_b")
    pending.refresh_from_db()
    assert (pending.revoked_at is not None) == (who in LOOKS_AFTER)
    # The same invitation under another couple's address does not exist for anyone.
    other = f"/api/v1/couples/{cast.other_couple.pk}/invitations/{pending.pk}/revoke"
    assert api.post(other).status_code == 404


# Replies --------------------------------------------------------------------------------

# Who replies to which entry of A & B (written by partner A): its care team, to what is
# shared with them; everyone else who reads the entry is refused, the rest do not see it.
REPLIERS = {"facilitator", "lead"}


@pytest.mark.parametrize("who", sorted(COUPLES_SEEN))
def test_it_lets_only_the_care_team_reply_to_what_is_shared_with_it(cast: Cast, who: str) -> None:
    api, web = cast.api(who), cast.client(who)
    for visibility in VISIBILITIES:
        entry = make_entry(cast.couple, cast.partner_a, visibility)
        may_read = ("couple", visibility) in ENTRIES_SEEN[who]
        may_reply = who in REPLIERS and visibility != "private"
        want = 201 if may_reply else (403 if may_read else 404)
        url = f"/api/v1/couples/{cast.couple.pk}/entries/{entry.pk}/replies"
        assert _send(api, "post", url, {"body": "Heard."}).status_code == want, visibility
        page = web.post(f"/couples/{cast.couple.pk}/entries/{entry.pk}/replies", {"body": "Ok."})
        assert page.status_code == (302 if may_reply else want), visibility
        assert EntryReply.objects.filter(entry=entry).count() == (2 if may_reply else 0)
        # Another organisation's entry address answers 404 to everyone outside it.
        trial_entry = make_entry(cast.trial_couple, cast.trial_partner_a, visibility)
        trial_url = f"/api/v1/couples/{cast.trial_couple.pk}/entries/{trial_entry.pk}/replies"
        trial_reads = ("trial_couple", visibility) in ENTRIES_SEEN[who]
        trial_want = (
            201
            if who == "trial_facilitator" and visibility != "private"
            else (403 if trial_reads else 404)
        )
        assert _send(api, "post", trial_url, {"body": "x"}).status_code == trial_want
