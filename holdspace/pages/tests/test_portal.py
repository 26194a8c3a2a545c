"""The partner's portal in sections: each at its own address, for the couple's partners only,
with its navigation; the one Write form offering the kinds of the couple's stage."""

from __future__ import annotations

import json
import re

import pytest

from holdspace.conftest import Cast
from holdspace.couples.models import ENTRY_KINDS, Couple, Entry, EntryKind, Stage, kinds_offered_at

pytestmark = pytest.mark.django_db

# Every section of the portal, Today first (the couple page itself).
SECTIONS = {
    "today": "",
    "journal": "journal/",
    "questionnaires": "portal/questionnaires/",
    "sessions": "portal/sessions/",
    "readings": "readings/",
    "report": "report/",
}
# The sections that are the portal's alone; the others are pages the care team has too.
PORTAL_ONLY = {"questionnaires", "sessions"}
# Who sees the couple (Cast's couple) and is not one of its partners: refused the portal's own
# sections (403). Everyone else but its partners: the couple does not exist for them (404).
SEES_THE_COUPLE = {"facilitator", "lead", "admin"}
OUTSIDERS = {"partner_c", "partner_d", "other_facilitator", "researcher", "trial_facilitator"}
OUTSIDERS |= {"trial_partner_a", "trial_partner_b"}


def _url(cast: Cast, section: str, couple: Couple | None = None) -> str:
    return f"/couples/{(couple or cast.couple).pk}/{SECTIONS[section]}"


@pytest.mark.parametrize("section", sorted(SECTIONS))
@pytest.mark.parametrize("who", ["partner_a", "partner_b"])
def test_it_opens_each_section_for_each_partner_with_its_navigation(
    cast: Cast, who: str, section: str
) -> None:
    response = cast.client(who).get(_url(cast, section))
    assert response.status_code == 200
    html = response.content.decode()
    nav = html[html.index('class="portal-nav"') :]
    current = re.findall(r'href="([^"]+)" aria-current="page"', nav)
    assert current == [_url(cast, section)]
    for other in SECTIONS:
        assert f'href="{_url(cast, other)}"' in nav


@pytest.mark.parametrize("section", sorted(SECTIONS))
@pytest.mark.parametrize("who", sorted(OUTSIDERS))
def test_it_answers_404_for_a_section_of_a_couple_one_may_not_see(
    cast: Cast, who: str, section: str
) -> None:
    assert cast.client(who).get(_url(cast, section)).status_code == 404


@pytest.mark.parametrize("section", sorted(PORTAL_ONLY))
@pytest.mark.parametrize("who", sorted(SEES_THE_COUPLE))
def test_it_refuses_the_portals_own_sections_to_staff_who_see_the_couple(
    cast: Cast, who: str, section: str
) -> None:
    assert cast.client(who).get(_url(cast, section)).status_code == 403


def test_it_keeps_the_staffs_couple_page_whole(cast: Cast) -> None:
    html = cast.client("facilitator").get(_url(cast, "today")).content.decode()
    assert 'class="portal-nav"' not in html
    assert "Commitments" in html


def test_it_opens_a_section_of_ones_own_couple_from_a_short_address(cast: Cast) -> None:
    client = cast.client("partner_a")
    for section in SECTIONS:
        response = client.get(f"/portal/{section}/")
        assert (response.status_code, response["Location"]) == (302, _url(cast, section))
    assert client.get("/portal/nowhere/")["Location"] == "/portal/"
    # Staff have no couple of their own to open: the choice is empty.
    assert "not part of a couple" in cast.client("facilitator").get("/portal/journal/").text


def _offered(html: str) -> list[str]:
    form = html[html.index('class="journal-form"') :]
    return re.findall(r'name="kind" value="(\w+)"', form)


@pytest.mark.parametrize("stage", Stage.values)
def test_it_offers_the_kinds_of_the_couples_stage_in_the_one_write_form(
    cast: Cast, stage: str
) -> None:
    Couple.objects.filter(pk=cast.couple.pk).update(stage=stage)
    html = cast.client("partner_a").get(_url(cast, "journal")).content.decode()
    assert _offered(html) == list(kinds_offered_at(stage))
    assert _offered(html)[0] == EntryKind.JOURNAL
    for kind, rule in ENTRY_KINDS.items():
        assert (kind in _offered(html)) == (stage in rule.offered_at)
    # One form: the couple page no longer has its own.
    today = cast.client("partner_a").get(_url(cast, "today")).content.decode()
    assert 'name="kind"' not in today


def test_it_offers_intentions_before_the_session_and_not_after(cast: Cast) -> None:
    assert EntryKind.INTENTION in kinds_offered_at(Stage.PREPARATION)
    assert EntryKind.INTENTION not in kinds_offered_at(Stage.INTEGRATION)
    Couple.objects.filter(pk=cast.couple.pk).update(stage=Stage.INTEGRATION)
    html = cast.client("partner_a").get(_url(cast, "journal") + "?kind=intention").text
    checked = re.findall(r'name="kind" value="(\w+)"[^>]*checked', html)
    assert checked == [EntryKind.JOURNAL]  # not offered now: the journal instead


@pytest.mark.parametrize("stage", [Stage.CONTACT, Stage.PREPARATION, Stage.INTEGRATION])
@pytest.mark.parametrize("kind", EntryKind.values)
def test_it_takes_every_kind_at_every_stage_alike_on_the_web_and_the_api(
    cast: Cast, stage: str, kind: str
) -> None:
    """The stage decides what the form offers, not what is accepted: an entry of a kind
    not offered now (a page left open as the stage moved on) is saved, as the API saves it."""
    Couple.objects.filter(pk=cast.couple.pk).update(stage=stage)
    body = {"kind": kind, "visibility": "team", "body": f"{kind} at {stage}"}
    web = cast.client("partner_a").post(f"/couples/{cast.couple.pk}/entries/", body)
    api = cast.api("partner_a").post(
        f"/api/v1/couples/{cast.couple.pk}/entries",
        json.dumps(body),
        content_type="application/json",
    )
    assert (web.status_code, api.status_code) == (302, 201)
    assert web["Location"] == _url(cast, "journal")
    assert Entry.objects.filter(kind=kind, body=body["body"]).count() == 2


def test_it_shows_a_refused_entry_again_in_the_journal_with_what_was_typed(cast: Cast) -> None:
    Couple.objects.filter(pk=cast.couple.pk).update(stage=Stage.PREPARATION)
    client = cast.client("partner_a")
    response = client.post(
        f"/couples/{cast.couple.pk}/entries/",
        {"kind": "intention", "visibility": "couple", "body": "", "prompt": "A prompt of mine"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'aria-current="page">Journal' in html.replace("\n", "")
    assert re.findall(r'name="kind" value="(\w+)"[^>]*checked', html) == ["intention"]
    assert 'name="visibility" value="couple" checked' in html
    assert "A prompt of mine" in html  # kept while they write
    assert not Entry.objects.exists()
    # Second try: words, no prompt (an intention answers none).
    again = client.post(
        f"/couples/{cast.couple.pk}/entries/",
        {"kind": "intention", "visibility": "couple", "body": "To listen.", "prompt": ""},
    )
    assert again.status_code == 302
    assert "To listen." in client.get(_url(cast, "journal")).text


def test_it_shows_intentions_written_in_the_journal_section(cast: Cast) -> None:
    Couple.objects.filter(pk=cast.couple.pk).update(stage=Stage.PREPARATION)
    cast.client("partner_a").post(
        f"/couples/{cast.couple.pk}/entries/",
        {"kind": "shared_intention", "visibility": "couple", "body": "Gentleness"},
    )
    html_b = cast.client("partner_b").get(_url(cast, "journal")).text
    assert "Gentleness" in html_b
    staff = cast.client("facilitator").get(_url(cast, "journal")).text
    assert "Gentleness" not in staff  # the care team's journal page: journal kinds only
