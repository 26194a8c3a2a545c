"""The care team's replies beneath a partner's shared entry, and the team's read mark."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_entry
from holdspace.couples.models import Entry, EntryReply
from holdspace.couples.services import entry_mark_team_read, entry_reply, entry_update

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: object) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_it_shows_a_reply_beneath_the_entry_to_both_partners_and_marks_it_read(
    cast: Cast,
) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "couple", body="We argued about money.")
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/entries/{entry.pk}/replies",
        {"body": "Thank you for sharing this. Let's talk on Thursday.", "back": "couple"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/couples/{cast.couple.pk}/#entry-{entry.pk}"
    entry.refresh_from_db()
    assert entry.team_read_by == cast.facilitator
    assert entry.team_read_at is not None
    for who in ("partner_a", "partner_b"):
        # Partners read entries in the portal's Journal section.
        html = cast.client(who).get(f"/couples/{cast.couple.pk}/journal/").content.decode()
        assert "Let&#x27;s talk on Thursday." in html, who
        assert "Read by your care team" in html, who
    staff = cast.client("lead").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "Read by Facilitator" in staff
    assert "Let&#x27;s talk on Thursday." in staff
    actions = list(
        AuditEvent.objects.filter(couple_id=cast.couple.pk).values_list("action", flat=True)
    )
    assert "entry.reply" in actions and "entry.team_read" in actions


def test_a_reply_to_a_team_entry_is_not_shown_to_the_other_partner(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "team", body="Only for our guide.")
    entry_reply(viewer=cast.viewer("facilitator"), entry=entry, body="Heard, and held.")
    assert (
        "Heard, and held."
        in cast.client("partner_a").get(f"/couples/{cast.couple.pk}/journal/").content.decode()
    )
    assert (
        "Heard, and held."
        not in cast.client("partner_b").get(f"/couples/{cast.couple.pk}/journal/").content.decode()
    )
    listed = cast.api("partner_b").get(f"/api/v1/couples/{cast.couple.pk}/entries").json()
    assert listed["items"] == []


def test_narrowing_an_entry_narrows_its_replies_with_it(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "couple", body="Shared at first.")
    entry_reply(viewer=cast.viewer("lead"), entry=entry, body="A reply everyone saw.")
    entry_update(viewer=cast.viewer("partner_a"), entry=entry, visibility="private")
    for who, sees in (("partner_a", True), ("partner_b", False), ("facilitator", False)):
        page = "journal/" if who.startswith("partner") else ""
        html = cast.client(who).get(f"/couples/{cast.couple.pk}/{page}").content.decode()
        assert ("A reply everyone saw." in html) == sees, who
    # The author still reads it, beneath the entry, on the entry's own page.
    detail = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/entries/{entry.pk}/")
    assert "A reply everyone saw." in detail.content.decode()
    gone = cast.api("facilitator").get(f"/api/v1/couples/{cast.couple.pk}/entries/{entry.pk}")
    assert gone.status_code == 404


def test_a_blank_reply_is_refused_keeping_nothing_and_a_second_try_succeeds(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "team")
    client = cast.client("facilitator")
    url = f"/couples/{cast.couple.pk}/entries/{entry.pk}/replies"
    refused = client.post(url, {"body": "   ", "back": "couple"})
    assert refused.status_code == 422
    assert "Write a reply before sending." in refused.content.decode()
    too_long = client.post(url, {"body": "Kind words " * 600})
    assert too_long.status_code == 422
    assert "Kind words Kind words" in too_long.content.decode()  # what was typed is kept
    assert not EntryReply.objects.exists()
    assert client.post(url, {"body": "Second try."}).status_code == 302
    assert EntryReply.objects.get().body == "Second try."


def test_the_api_answers_201_with_the_reply_and_lists_it_within_the_entry(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "team")
    api = cast.api("facilitator")
    base = f"/api/v1/couples/{cast.couple.pk}/entries/{entry.pk}"
    blank = _post(api, f"{base}/replies", {"body": "  "})
    assert blank.status_code == 422  # type: ignore[attr-defined]
    assert blank.json()["detail"][0]["loc"][-1] == "body"  # type: ignore[attr-defined]
    made = _post(api, f"{base}/replies", {"body": "Noted with care."})
    assert made.status_code == 201  # type: ignore[attr-defined]
    answer = made.json()  # type: ignore[attr-defined]
    assert (answer["body"], answer["visibility"], answer["author_name"]) == (
        "Noted with care.",
        "team",
        "Facilitator",
    )
    seen = cast.api("partner_a").get(base).json()
    assert [r["body"] for r in seen["replies"]] == ["Noted with care."]
    assert seen["team_read_at"] is not None


def test_private_entries_cannot_be_replied_to_and_partners_cannot_reply(cast: Cast) -> None:
    private = make_entry(cast.couple, cast.partner_a, "private")
    shared = make_entry(cast.couple, cast.partner_a, "couple")
    url = "/api/v1/couples/{}/entries/{}/replies"
    assert (
        _post(
            cast.api("facilitator"), url.format(cast.couple.pk, private.pk), {"body": "x"}
        ).status_code
        == 404
    )  # type: ignore[attr-defined]
    assert (
        _post(
            cast.api("partner_a"), url.format(cast.couple.pk, private.pk), {"body": "x"}
        ).status_code
        == 403
    )  # type: ignore[attr-defined]
    assert (
        _post(
            cast.api("partner_b"), url.format(cast.couple.pk, shared.pk), {"body": "x"}
        ).status_code
        == 403
    )  # type: ignore[attr-defined]
    web = cast.client("partner_b").post(
        f"/couples/{cast.couple.pk}/entries/{shared.pk}/replies", {"body": "x"}
    )
    assert web.status_code == 403
    assert not EntryReply.objects.exists()
    page = cast.client("partner_b").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "Send reply" not in page


def test_opening_a_shared_entry_as_its_care_team_marks_it_read_once(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "team")
    url = f"/couples/{cast.couple.pk}/entries/{entry.pk}/"
    cast.client("partner_a").get(url)  # its author: nothing changes
    cast.client("admin").get(url)  # 404 for an org admin: nothing changes
    entry.refresh_from_db()
    assert entry.team_read_at is None
    html = cast.client("facilitator").get(url).content.decode()
    assert "Read by Facilitator" in html
    first = Entry.objects.get(pk=entry.pk).team_read_at
    cast.client("lead").get(url)
    entry.refresh_from_db()
    assert (entry.team_read_at, entry.team_read_by) == (first, cast.facilitator)
    assert AuditEvent.objects.filter(action="entry.team_read").count() == 1
    assert "Read by your care team" in cast.client("partner_a").get(url).content.decode()
    assert not entry_mark_team_read(viewer=cast.viewer("lead"), entry=entry)


def test_another_couples_facilitator_cannot_reply_or_mark_read(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "couple")
    url = f"/couples/{cast.couple.pk}/entries/{entry.pk}/"
    assert cast.client("other_facilitator").get(url).status_code == 404
    assert cast.client("other_facilitator").post(url + "replies", {"body": "x"}).status_code == 404
    entry.refresh_from_db()
    assert entry.team_read_at is None and not EntryReply.objects.exists()


def test_the_journal_shows_replies_to_those_who_read_the_entry(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "couple", kind="reflection")
    entry_reply(viewer=cast.viewer("facilitator"), entry=entry, body="A reply in the journal.")
    url = f"/couples/{cast.couple.pk}/journal/"
    for who in ("partner_a", "partner_b", "facilitator"):
        html = cast.client(who).get(url).content.decode()
        assert "A reply in the journal." in html, who
    assert "Read by your care team" in cast.client("partner_b").get(url).content.decode()
    api = cast.api("partner_b").get(f"/api/v1/couples/{cast.couple.pk}/journal").json()
    assert [r["body"] for r in api["items"][0]["replies"]] == ["A reply in the journal."]
