from __future__ import annotations

import pytest
from django.test import Client

from holdspace.accounts.services import membership_ensure
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_entry
from holdspace.couples.models import CareTeamMember, Couple, Entry, Partner

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_it_sends_each_person_home_to_their_own_place(cast: Cast) -> None:
    assert cast.client("lead").get("/")["Location"] == "/today/"
    assert cast.client("facilitator").get("/")["Location"] == "/today/"
    portal = cast.client("partner_a").get("/", follow=True)
    assert portal.redirect_chain[-1][0] == f"/couples/{cast.couple.pk}/"
    researcher = cast.client("researcher").get("/")
    assert "Nothing to show here yet" in researcher.content.decode()
    assert cast.client("researcher").get("/console/").status_code == 404

    assert Client().get("/console/")["Location"].startswith("/accounts/login/")


def test_it_lists_only_the_facilitators_couples_with_stage_and_partners(cast: Cast) -> None:
    html = cast.client("facilitator").get("/console/").content.decode()
    assert "A &amp; B" in html
    assert "C &amp; D" not in html
    assert "Preparation" in html
    assert "Partner A, Partner B" in html


def test_it_searches_couples_and_answers_htmx_with_just_the_rows(cast: Cast) -> None:
    client = cast.client("lead")
    response = client.get("/console/?q=c %26 d", headers=HTMX)
    html = response.content.decode()
    assert html.startswith('<div id="couple-rows">')
    assert "C &amp; D" in html
    assert "A &amp; B" not in html
    assert "<html" not in html
    assert (
        "No couple matches that name or e-mail address."
        in client.get("/console/?q=zzz").content.decode()
    )


def test_it_pages_a_long_couples_list(cast: Cast) -> None:
    Couple.objects.bulk_create(
        Couple(organisation=cast.center, name=f"Z couple {i:03d}") for i in range(60)
    )
    client = cast.client("lead")
    first = client.get("/console/").content.decode()
    assert "Page 1 of 2" in first
    second = client.get("/console/?page=2").content.decode()
    assert "Z couple 059" in second
    assert "Page 2 of 2" in client.get("/console/?page=abc&page=99").content.decode()


def test_it_shows_entry_errors_beside_the_field_and_saves_nothing(cast: Cast) -> None:
    response = cast.client("partner_a").post(
        f"/couples/{cast.couple.pk}/entries/",
        {"kind": "journal", "visibility": "private", "body": "   "},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_body_error"' in html
    assert not Entry.objects.exists()


def test_it_creates_an_entry_private_by_default_on_the_form(cast: Cast) -> None:
    client = cast.client("partner_a")
    page = client.get(f"/couples/{cast.couple.pk}/journal/").content.decode()
    assert 'name="visibility" value="private" checked' in page
    assert "is not watched in real time" in page
    client.post(
        f"/couples/{cast.couple.pk}/entries/",
        {"kind": "intention", "visibility": "private", "body": "Slow down."},
    )
    entry = Entry.objects.get()
    assert (entry.author, entry.visibility, entry.organisation) == (
        cast.partner_a,
        "private",
        cast.center,
    )


def test_it_swaps_just_the_entry_card_when_visibility_changes_over_htmx(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "private")
    response = cast.client("partner_a").post(
        f"/couples/{cast.couple.pk}/entries/{entry.pk}/visibility",
        {"visibility": "team"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert html.startswith(f'<article class="entry" id="entry-{entry.pk}"')
    assert "Team · author and care team" in html
    assert "Visibility changed." in html
    bad = cast.client("partner_a").post(
        f"/couples/{cast.couple.pk}/entries/{entry.pk}/visibility",
        {"visibility": "world"},
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert "Choose private, team or couple." in bad.content.decode()
    entry.refresh_from_db()
    assert entry.visibility == "team"


def test_it_lets_the_author_edit_an_entry_and_shows_others_a_read_only_view(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "couple", body="First words")
    url = f"/couples/{cast.couple.pk}/entries/{entry.pk}/"
    author = cast.client("partner_a")
    assert "Edit entry" in author.get(url).content.decode()
    author.post(url, {"kind": "reflection", "visibility": "couple", "body": "Better words"})
    entry.refresh_from_db()
    assert (entry.kind, entry.body) == ("reflection", "Better words")
    partner = cast.client("partner_b")
    html = partner.get(url).content.decode()
    assert "Better words" in html
    assert "Edit entry" not in html
    refused = partner.post(url, {"kind": "journal", "visibility": "private", "body": "Mine now"})
    assert refused.status_code == 403
    assert "You may not change this entry" in refused.content.decode()
    entry.refresh_from_db()
    assert entry.body == "Better words"
    assert AuditEvent.objects.filter(action="access.denied", actor_id=cast.partner_b.pk).exists()


def test_it_marks_every_page_as_a_demo_in_demo_mode(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]

    banner = "Demo — this is a demonstration practice"
    pages = [
        (Client(), "/accounts/login/"),
        (cast.client("lead"), "/console/"),
        (cast.client("partner_a"), f"/couples/{cast.couple.pk}/"),
        (cast.client("partner_a"), "/couples/999999/"),
    ]
    settings.DEMO_MODE = True
    for client, path in pages:
        assert banner in client.get(path).content.decode(), path
    settings.DEMO_MODE = False
    for client, path in pages:
        assert banner not in client.get(path).content.decode(), path


def test_it_tells_an_admin_they_do_not_read_entries(cast: Cast) -> None:
    make_entry(cast.couple, cast.partner_a, "team", body="team-only words")
    html = cast.client("admin").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "Your role does not include reading what partners write." in html
    assert "team-only words" not in html


def test_it_lets_a_partner_in_two_couples_choose_and_audits_the_list(cast: Cast) -> None:
    second = Couple.objects.create(organisation=cast.trial, name="A & G")
    membership_ensure(organisation=cast.trial, user=cast.partner_a, role="partner")
    Partner.objects.create(organisation=cast.trial, couple=second, user=cast.partner_a, slot="a")
    html = cast.client("partner_a").get("/portal/").content.decode()
    assert "A &amp; B" in html
    assert "A &amp; G" in html
    assert "C &amp; D" not in html
    listed = set(
        AuditEvent.objects.filter(action="couple.list").values_list("couple_id", flat=True)
    )
    assert listed == {cast.couple.pk, second.pk}


def test_it_switches_the_console_between_a_persons_organisations(cast: Cast) -> None:
    membership_ensure(organisation=cast.trial, user=cast.facilitator, role="facilitator")
    CareTeamMember.objects.create(
        organisation=cast.trial, couple=cast.trial_couple, user=cast.facilitator
    )
    client = cast.client("facilitator")
    center = client.get("/console/").content.decode()
    assert 'id="org"' in center
    assert "A &amp; B" in center
    trial = client.get(f"/console/?org={cast.trial.pk}").content.decode()
    assert "E &amp; F" in trial
    assert "A &amp; B" not in trial
    assert "E &amp; F" in client.get("/console/").content.decode()  # remembered
    # A couple of the same organisation but another care team stays hidden.
    Couple.objects.create(organisation=cast.trial, name="Not on my team")
    assert "Not on my team" not in client.get("/console/").content.decode()


def test_it_refuses_the_console_of_an_organisation_one_does_not_belong_to(cast: Cast) -> None:
    # Issue 12: it used to fall back silently to the person's own first organisation.
    client = cast.client("facilitator")
    refused = client.get(f"/console/?org={cast.trial.pk}")
    assert refused.status_code == 403
    assert "E &amp; F" not in refused.content.decode()
    denial = AuditEvent.objects.get(action="access.denied", actor_id=cast.facilitator.pk)
    # In their own organisation's trail: a stranger's refusal is not written into another's.
    assert (denial.organisation_id, denial.object_type) == (cast.center.pk, "console")
    assert client.get("/console/?org=999999").status_code == 403
    assert AuditEvent.objects.filter(
        action="access.denied", organisation_id=cast.center.pk, object_id="999999"
    ).exists()
    # What was remembered is untouched: the next plain visit is the person's own console.
    assert "A &amp; B" in client.get("/console/").content.decode()
