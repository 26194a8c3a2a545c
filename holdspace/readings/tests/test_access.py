"""Who may write the library, assign readings, see them and read them: every role, the other
partner, and another organisation."""

from __future__ import annotations

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.readings.models import Reading, ReadingAssignment, ReadingRead
from holdspace.readings.tests.conftest import assign, make_reading

pytestmark = pytest.mark.django_db

EVERYONE = [
    "partner_a",
    "partner_b",
    "partner_c",
    "facilitator",
    "other_facilitator",
    "lead",
    "admin",
    "researcher",
    "trial_facilitator",
    "trial_partner_a",
]

BODY = {
    "title": "Preparing",
    "summary": "",
    "topic": "preparing",
    "body_markdown": "Some **text**.",
    "slug": "",
}

# The library: staff of the organisation write it; partners and researchers may not (their
# own organisation: 403 on the list, 404 on a reading); another organisation's is not there.
LIBRARY_LIST = {
    "partner_a": 403,
    "partner_b": 403,
    "partner_c": 403,
    "facilitator": 200,
    "other_facilitator": 200,
    "lead": 200,
    "admin": 200,
    "researcher": 403,
    "trial_facilitator": 404,
    "trial_partner_a": 404,
}
LIBRARY_EDIT = {who: 200 if code == 200 else 404 for who, code in LIBRARY_LIST.items()}


@pytest.mark.parametrize("who", EVERYONE)
def test_it_shows_the_library_to_staff_only(cast: Cast, who: str) -> None:
    reading = make_reading(cast)
    answer = cast.client(who).get(f"/readings/?org={cast.center.pk}")
    assert answer.status_code == LIBRARY_LIST[who]
    if answer.status_code == 200:
        assert reading.title in answer.content.decode()


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_staff_of_the_organisation_edit_a_reading(cast: Cast, who: str) -> None:
    reading = make_reading(cast)
    client = cast.client(who)
    url = f"/readings/{reading.pk}/edit/"
    assert client.get(url).status_code == LIBRARY_EDIT[who]
    answer = client.post(url, {**BODY, "title": f"Edited by {who}"})
    reading.refresh_from_db()
    if LIBRARY_EDIT[who] == 200:
        assert answer.status_code == 302, answer.content
        assert reading.title == f"Edited by {who}"
        assert reading.updated_by == cast.people[who]
        assert AuditEvent.objects.filter(action="reading.edit", object_id=reading.pk).exists()
    else:
        assert answer.status_code == 404
        assert reading.title == "What integration is"


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_staff_write_a_new_reading_in_their_own_library(cast: Cast, who: str) -> None:
    answer = cast.client(who).post(f"/readings/new/?org={cast.center.pk}", BODY)
    assert answer.status_code == (302 if LIBRARY_LIST[who] == 200 else LIBRARY_LIST[who])
    created = Reading.objects.filter(organisation=cast.center, slug="preparing")
    assert created.exists() == (LIBRARY_LIST[who] == 200)
    if created.exists():
        assert AuditEvent.objects.filter(action="reading.create").exists()


def test_it_lets_a_trial_facilitator_write_in_their_own_library_only(cast: Cast) -> None:
    answer = cast.client("trial_facilitator").post("/readings/new/", BODY)
    assert answer.status_code == 302
    assert Reading.objects.get().organisation == cast.trial
    listed = cast.client("lead").get("/readings/").content.decode()
    assert "Preparing" not in listed


def test_it_previews_sanitised_html_and_saves_nothing(cast: Cast) -> None:
    answer = cast.client("facilitator").post(
        "/readings/new/preview",
        {**BODY, "body_markdown": "## Hi\n\n<script>alert(1)</script>"},
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "<h2>Hi</h2>" in page
    assert "alert(1)" not in page.split('class="prose"')[1]
    assert not Reading.objects.exists()


def test_it_shows_errors_of_a_bad_reading_beside_the_fields(cast: Cast) -> None:
    make_reading(cast, title="Preparing")
    answer = cast.client("lead").post("/readings/new/", {**BODY, "body_markdown": " "})
    assert answer.status_code == 422
    assert b'id="id_body_markdown_error"' in answer.content
    answer = cast.client("lead").post("/readings/new/", BODY)
    assert answer.status_code == 422
    assert b"already has this short name" in answer.content


# Assigning: the couple's care team (its facilitator, a clinical lead). Those who see the
# couple but are not its care team are refused (403); those who do not see it get 404.
ASSIGN = {
    "partner_a": 403,
    "partner_b": 403,
    "partner_c": 404,
    "facilitator": 302,
    "other_facilitator": 404,
    "lead": 302,
    "admin": 403,
    "researcher": 404,
    "trial_facilitator": 404,
    "trial_partner_a": 404,
}


@pytest.mark.parametrize("who", EVERYONE)
def test_it_lets_only_the_care_team_assign(cast: Cast, who: str) -> None:
    reading = make_reading(cast)
    answer = cast.client(who).post(
        f"/couples/{cast.couple.pk}/readings/assign",
        {"reading_id": reading.pk, "partner_id": "", "note": "Before Thursday."},
    )
    assert answer.status_code == ASSIGN[who]
    assert ReadingAssignment.objects.exists() == (ASSIGN[who] == 302)
    if ASSIGN[who] == 302:
        assert AuditEvent.objects.filter(action="reading.assign").count() == 1


@pytest.mark.parametrize("who", EVERYONE)
def test_it_shows_each_person_their_own_on_the_couple_readings_page(cast: Cast, who: str) -> None:
    both = assign(cast, make_reading(cast, "For both"))
    for_a = assign(cast, make_reading(cast, "For A alone"), partner=cast.partner_a)
    for_b = assign(cast, make_reading(cast, "For B alone"), partner=cast.partner_b)
    answer = cast.client(who).get(f"/couples/{cast.couple.pk}/readings/")
    expected = {
        "partner_a": {both, for_a},
        "partner_b": {both, for_b},
        "facilitator": {both, for_a, for_b},
        "lead": {both, for_a, for_b},
    }
    if who in expected:
        assert answer.status_code == 200
        page = answer.content.decode()
        for assignment in (both, for_a, for_b):
            shown = f"/readings/{assignment.pk}/" in page
            assert shown == (assignment in expected[who]), (who, assignment.reading.title)
            assert (assignment.reading.title in page) == (assignment in expected[who])
    else:
        assert answer.status_code == (403 if who == "admin" else 404)


@pytest.mark.parametrize("who", EVERYONE)
def test_it_records_the_partners_read_on_opening_a_reading(cast: Cast, who: str) -> None:
    both = assign(cast, make_reading(cast, "For both"))
    for_b = assign(cast, make_reading(cast, "For B alone"), partner=cast.partner_b)
    client = cast.client(who)
    answers = {
        a.pk: client.get(f"/couples/{cast.couple.pk}/readings/{a.pk}/").status_code
        for a in (both, for_b)
    }
    if who == "partner_a":
        assert answers == {both.pk: 200, for_b.pk: 404}
        assert list(ReadingRead.objects.values_list("assignment_id", "partner_id")) == [
            (both.pk, cast.partner_a.pk)
        ]
    elif who == "partner_b":
        assert answers == {both.pk: 200, for_b.pk: 200}
        assert ReadingRead.objects.filter(partner=cast.partner_b).count() == 2
    elif who in {"facilitator", "lead"}:
        assert answers == {both.pk: 200, for_b.pk: 200}
        assert not ReadingRead.objects.exists()
    else:
        code = 403 if who == "admin" else 404
        assert answers == {both.pk: code, for_b.pk: code}
        assert not ReadingRead.objects.exists()


def test_it_records_a_read_once_and_audits_every_open(cast: Cast) -> None:
    assignment = assign(cast, make_reading(cast))
    client = cast.client("partner_a")
    url = f"/couples/{cast.couple.pk}/readings/{assignment.pk}/"
    first = client.get(url)
    read = ReadingRead.objects.get()
    client.get(url)
    client.get(url)
    assert ReadingRead.objects.count() == 1
    assert ReadingRead.objects.get().read_at == read.read_at
    assert b"You first opened this on" in first.content
    opens = AuditEvent.objects.filter(action="reading.mark_read", object_id=assignment.pk)
    assert [e.detail["first"] for e in opens.order_by("seq")] == [True, False, False]
    listed = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/readings/")
    assert b"Partner A read it on" in listed.content
    assert b"Partner B has not opened it yet" in listed.content


def test_it_shows_the_sanitised_body_and_the_note_on_the_reading_page(cast: Cast) -> None:
    reading = make_reading(cast)
    reading.body_markdown = "## Slowly\n\n[bad](javascript:alert(1)) <script>x()</script>"
    reading.save()
    assignment = assign(cast, reading, note="Read it before Thursday.")
    page = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/readings/{assignment.pk}/")
    html = page.content.decode()
    assert "<h2>Slowly</h2>" in html
    assert "javascript:" not in html
    assert "x()" not in html
    assert "Read it before Thursday." in html


def test_it_keeps_archived_readings_readable_but_not_assignable(cast: Cast) -> None:
    reading = make_reading(cast)
    assignment = assign(cast, reading)
    answer = cast.client("lead").post(
        f"/readings/{reading.pk}/edit/",
        {**BODY, "title": reading.title, "slug": reading.slug, "archived": "on"},
    )
    assert answer.status_code == 302
    reading.refresh_from_db()
    assert reading.archived_at is not None
    client = cast.client("facilitator")
    page = client.get(f"/couples/{cast.couple.pk}/readings/").content.decode()
    assert f'<option value="{reading.pk}"' not in page
    answer = client.post(
        f"/couples/{cast.couple.pk}/readings/assign",
        {"reading_id": reading.pk, "partner_id": cast.partner_a.pk},
    )
    assert answer.status_code == 422
    assert ReadingAssignment.objects.count() == 1
    opened = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/readings/{assignment.pk}/")
    assert opened.status_code == 200


def test_it_lists_the_partners_readings_as_new_or_read_on_the_portal(cast: Cast) -> None:
    both = assign(cast, make_reading(cast, "For both"))
    assign(cast, make_reading(cast, "For B alone"), partner=cast.partner_b)
    client = cast.client("partner_a")
    page = client.get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "For both" in page and "For B alone" not in page
    assert ">New<" in page
    client.get(f"/couples/{cast.couple.pk}/readings/{both.pk}/")
    # Read: no longer new on Today; the portal's Readings section says when.
    assert "For both" not in client.get(f"/couples/{cast.couple.pk}/").content.decode()
    page = client.get(f"/couples/{cast.couple.pk}/readings/").content.decode()
    assert "For both" in page and "read on" in page and ">New<" not in page


def test_it_shows_staff_the_nav_link_and_the_couple_button(cast: Cast) -> None:
    page = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert 'href="/readings/"' in page
    assert f'href="/couples/{cast.couple.pk}/readings/"' in page
    portal = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert 'href="/readings/"' not in portal


def test_it_previews_an_edit_at_its_own_address_and_keeps_the_reading(cast: Cast) -> None:
    reading = make_reading(cast)
    answer = cast.client("lead").post(
        f"/readings/{reading.pk}/edit/preview",
        {**BODY, "title": "Typed, not saved", "body_markdown": "## Typed"},
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "<h2>Typed</h2>" in page
    assert 'value="Typed, not saved"' in page
    reading.refresh_from_db()
    assert reading.title == "What integration is"
    assert (
        cast.client("trial_facilitator")
        .post(f"/readings/{reading.pk}/edit/preview", BODY)
        .status_code
        == 404
    )


def test_it_keeps_what_was_typed_in_a_refused_assignment(cast: Cast) -> None:
    reading = make_reading(cast)
    assign(cast, reading)
    answer = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/readings/assign",
        {"reading_id": reading.pk, "partner_id": "", "note": "Typed for them"},
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert "This reading is already assigned to them." in page
    assert "Typed for them" in page
    assert ReadingAssignment.objects.count() == 1


def test_it_takes_an_assignment_at_its_own_address_only(cast: Cast) -> None:
    reading = make_reading(cast)
    answer = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/readings/", {"reading_id": reading.pk}
    )
    assert answer.status_code == 405
    assert not ReadingAssignment.objects.exists()
