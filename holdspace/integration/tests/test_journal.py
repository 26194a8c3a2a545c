"""Journals: prompts drawn only from what the writer may read, entries with prompts and audio
reflections, audio streamed only to those who may read the entry, the one-time notice, the
API, and the demo journals."""

from __future__ import annotations

import datetime as dt
import io
import re
import wave
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_entry, make_session
from holdspace.couples.models import Couple, Entry, Partner
from holdspace.couples.services import AUDIO_MAX_BYTES, entry_create
from holdspace.demo.journals import demo_wav, seed_demo_journals
from holdspace.integration.journal.prompts import JournalPrompt, journal_prompts
from holdspace.lib.audio import sniff_audio
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.services import partner_form_submit
from holdspace.sessions.models import MedicineSession

pytestmark = pytest.mark.django_db

WAV = demo_wav(0.1)
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x00" * 64
)
OGG = b"OggS\x00\x02" + b"\x00" * 64
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 64
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64


def _journal(cast: Cast) -> str:
    return f"/couples/{cast.couple.pk}/journal/"


def _audio_url(cast: Cast, entry: Entry) -> str:
    return f"/couples/{cast.couple.pk}/entries/{entry.pk}/audio"


def _upload(content: bytes, name: str = "note.wav", kind: str = "audio/wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=kind)


def _stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "audio"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _audio_entry(cast: Cast, visibility: str, author: str = "partner_a") -> Entry:
    viewer = cast.viewer(author)
    return entry_create(
        viewer=viewer,
        couple=get_couple_for(viewer, cast.couple.pk),
        kind="reflection",
        visibility=visibility,
        body=f"{author} {visibility} voice note",
        audio=_upload(WAV),
    )


def _close_a_session(cast: Cast, days_ago: int = 3) -> MedicineSession:
    session = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=days_ago))
    MedicineSession.objects.filter(pk=session.pk).update(
        status="closed", ended_at=session.starts_at + dt.timedelta(hours=6)
    )
    session.refresh_from_db()
    return session  # type: ignore[no-any-return]


def _prompts(cast: Cast, who: str) -> list[JournalPrompt]:
    """WHO's prompts for the couple A & B (none unless they are one of its partners)."""
    return journal_prompts(cast.viewer(who), cast.couple)


def _themes(cast: Cast, who: str, themes: list[str], own_words: str = "") -> None:
    viewer = cast.viewer(who)
    partner_form_submit(
        viewer=viewer,
        couple=get_couple_for(viewer, cast.couple.pk),
        partner_id=cast.people[who].pk,
        kind="themes",
        data={"themes": themes, "own_words": own_words},
    )


# Prompts ------------------------------------------------------------------------------------


def test_it_draws_prompts_from_intentions_themes_and_the_latest_ended_session(cast: Cast) -> None:
    make_entry(cast.couple, cast.partner_a, "private", "Stop bracing.", kind="intention")
    make_entry(cast.couple, cast.partner_b, "couple", "Same side again.", kind="shared_intention")
    make_entry(cast.couple, cast.partner_b, "couple", "Reach out first.", kind="intention")
    _themes(cast, "partner_a", ["trust", "grief"])
    session = _close_a_session(cast)
    prompts = _prompts(cast, "partner_a")
    by_source: dict[str, list[str]] = {}
    for prompt in prompts:
        by_source.setdefault(prompt.source, []).append(prompt.text)
    day = timezone.localtime(session.starts_at).strftime("%-d %b")
    assert (
        f"After the session on {day}: what did you understand about Partner B's pain?"
        in by_source["session"]
    )
    assert any("“Stop bracing”" in t for t in by_source["own_intention"])
    assert any("“Same side again”" in t for t in by_source["shared_intention"])
    assert any(
        "Partner B shared the intention “Reach out first”" in t for t in prompts_text(prompts)
    )
    assert any("explore trust" in t for t in by_source["theme"])
    assert any("explore grief" in t for t in by_source["theme"])
    assert by_source["general"]
    assert len({p.text for p in prompts}) == len(prompts)


def prompts_text(prompts: list[Any]) -> list[str]:
    return [p.text for p in prompts]


def test_it_never_quotes_the_other_partners_private_or_team_writing_in_a_prompt(
    cast: Cast,
) -> None:
    make_entry(cast.couple, cast.partner_b, "private", "B-PRIVATE-INTENTION", kind="intention")
    make_entry(cast.couple, cast.partner_b, "team", "B-TEAM-INTENTION", kind="intention")
    make_entry(cast.couple, cast.partner_b, "private", "B-DRAFT-SHARED", kind="shared_intention")
    make_entry(cast.couple, cast.partner_b, "couple", "B-COUPLE-INTENTION", kind="intention")
    _themes(cast, "partner_b", ["forgiveness"], own_words="B-OWN-THEME-WORDS")
    _close_a_session(cast)
    texts = " ".join(prompts_text(_prompts(cast, "partner_a")))
    for hidden in ("B-PRIVATE-INTENTION", "B-TEAM-INTENTION", "B-DRAFT-SHARED", "forgiveness"):
        assert hidden not in texts
    assert "B-OWN-THEME-WORDS" not in texts
    assert "B-COUPLE-INTENTION" in texts  # shared with the couple: A may read it
    page = cast.client("partner_a").get(_journal(cast)).content.decode()
    assert "B-PRIVATE-INTENTION" not in page and "B-TEAM-INTENTION" not in page
    assert "B-COUPLE-INTENTION" in page
    # B's own prompts do quote B's own intentions, team-only ones too: they are B's to read.
    assert "B-TEAM-INTENTION" in " ".join(prompts_text(_prompts(cast, "partner_b")))


def test_it_offers_session_prompts_only_after_a_session_has_ended(cast: Cast) -> None:
    make_session(cast, starts_at=timezone.now() + dt.timedelta(days=2))
    assert not [p for p in _prompts(cast, "partner_a") if p.source == "session"]
    _close_a_session(cast)
    assert [p for p in _prompts(cast, "partner_a") if p.source == "session"]


def test_it_offers_prompts_to_partners_only(cast: Cast) -> None:
    assert _prompts(cast, "facilitator") == []
    assert _prompts(cast, "partner_c") == []
    assert _prompts(cast, "trial_partner_a") == []


# Writing ------------------------------------------------------------------------------------


def test_it_writes_a_journal_entry_answering_a_prompt(cast: Cast) -> None:
    _close_a_session(cast)
    client = cast.client("partner_a")
    prompt = next(p.text for p in _prompts(cast, "partner_a") if p.source == "session")
    page = client.get(_journal(cast)).content.decode()
    assert "Partner B&#x27;s pain" in page or "Partner B's pain" in page
    response = client.post(
        _journal(cast),
        {
            "kind": "journal",
            "visibility": "private",
            "body": "  That he was scared too.  ",
            "prompt": prompt,
        },
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.author, entry.kind, entry.visibility, entry.body, entry.prompt) == (
        cast.partner_a,
        "journal",
        "private",
        "That he was scared too.",
        prompt,
    )
    assert not entry.audio
    event = AuditEvent.objects.get(action="entry.create")
    assert event.detail == {
        "kind": "journal",
        "visibility": "private",
        "prompt": True,
        "audio": False,
    }
    assert event.actor_id == cast.partner_a.pk
    page = client.get(_journal(cast)).content.decode()
    assert "That he was scared too." in page


def test_it_defaults_a_journal_to_private_and_a_shared_reflection_to_the_couple(cast: Cast) -> None:
    client = cast.client("partner_a")
    journal = client.get(_journal(cast)).content.decode()
    reflection = client.get(_journal(cast) + "?kind=reflection").content.decode()
    checked = re.compile(r'name="visibility" value="(\w+)" checked')
    assert checked.findall(journal) == ["private"]
    assert checked.findall(reflection) == ["couple"]
    assert 'accept="audio/*"' in journal and "capture" in journal


def test_it_refuses_an_empty_entry_without_a_recording(cast: Cast) -> None:
    response = cast.client("partner_a").post(
        _journal(cast), {"kind": "journal", "visibility": "private", "body": "   "}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_body_error"' in html and "add a recording" in html
    assert not Entry.objects.exists()


def test_it_refuses_intentions_and_unknown_visibilities_on_the_journal(cast: Cast) -> None:
    response = cast.client("partner_a").post(
        _journal(cast), {"kind": "intention", "visibility": "everyone", "body": "x"}
    )
    assert response.status_code == 422
    assert not Entry.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (WAV, "note.wav", "audio/wav"),
        (WEBM, "note.webm", "audio/webm"),
        (OGG, "note.ogg", "audio/ogg"),
        (MP3_ID3, "note.mp3", "audio/mpeg"),
        (MP3_FRAME, "note.mp3", "audio/mpeg"),
        (M4A, "note.m4a", "audio/mp4"),
        (WAV, "whatever.bin", "audio/wav"),  # the content decides, not the name
    ],
)
def test_it_accepts_a_recording_by_its_content_even_without_text(
    cast: Cast, content: bytes, name: str, expected: str
) -> None:
    response = cast.client("partner_a").post(
        _journal(cast),
        {
            "kind": "reflection",
            "visibility": "couple",
            "body": "",
            "audio": _upload(content, name, "application/octet-stream"),
        },
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.audio_type, entry.body, entry.visibility) == (expected, "", "couple")
    assert entry.audio.name.startswith(f"audio/{cast.center.pk}/")
    assert name not in entry.audio.name  # the partner's file name is not kept
    with entry.audio.open("rb") as stored:
        assert stored.read() == content
    assert AuditEvent.objects.get(action="entry.create").detail["audio"] is True


@pytest.mark.parametrize(
    "content",
    [
        PDF,
        b"\xff\xf1\x50\x80" + b"\x00" * 64,  # AAC in ADTS: not one of the accepted formats
        b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska" + b"\x00" * 64,  # Matroska, not WebM
        b"RIFF\x24\x00\x00\x00AVI " + b"\x00" * 64,
        b"",
    ],
)
def test_it_refuses_a_file_that_is_not_a_recording_whatever_it_claims(
    cast: Cast, content: bytes
) -> None:
    before = _stored_files()
    response = cast.client("partner_a").post(
        _journal(cast),
        {
            "kind": "journal",
            "visibility": "private",
            "body": "With a file",
            "audio": _upload(content, "note.mp3", "audio/mpeg"),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_audio_error"' in html
    assert not Entry.objects.exists()
    assert _stored_files() == before


def test_it_refuses_a_recording_over_20_mb(cast: Cast) -> None:
    before = _stored_files()
    too_big = WAV + b"\x00" * (AUDIO_MAX_BYTES + 1 - len(WAV))
    response = cast.client("partner_a").post(
        _journal(cast),
        {"kind": "journal", "visibility": "private", "audio": _upload(too_big)},
    )
    assert response.status_code == 422
    assert "larger than 20 MB" in response.content.decode()
    assert not Entry.objects.exists()
    assert _stored_files() == before
    exactly = WAV + b"\x00" * (AUDIO_MAX_BYTES - len(WAV))
    ok = cast.client("partner_a").post(
        _journal(cast), {"kind": "journal", "visibility": "private", "audio": _upload(exactly)}
    )
    assert ok.status_code == 302


def test_it_removes_the_recording_when_the_entry_cannot_be_written(cast: Cast) -> None:
    before = _stored_files()
    viewer = cast.viewer("partner_a")
    couple = get_couple_for(viewer, cast.couple.pk)
    # The database refuses the row, as a full disk would: a trigger, inside the test's
    # transaction (rolled back with it on PostgreSQL; dropped below on SQLite).
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TEMP TRIGGER refuse_entries BEFORE INSERT ON couples_entry "
                "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_entry() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_entries BEFORE INSERT ON couples_entry "
                "FOR EACH ROW EXECUTE FUNCTION refuse_entry()"
            )
    try:
        with pytest.raises(DatabaseError):
            entry_create(
                viewer=viewer,
                couple=couple,
                kind="journal",
                visibility="private",
                audio=_upload(WAV),
            )
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER refuse_entries")
            else:
                cursor.execute("DROP TRIGGER refuse_entries ON couples_entry")
                cursor.execute("DROP FUNCTION refuse_entry()")
    assert not Entry.objects.exists()
    assert _stored_files() == before
    assert not AuditEvent.objects.filter(action="entry.create").exists()


def test_it_lets_only_partners_write_in_the_journal(cast: Cast) -> None:
    data = {"kind": "journal", "visibility": "team", "body": "Staff writing"}
    assert cast.client("facilitator").post(_journal(cast), data).status_code == 403
    assert cast.client("admin").post(_journal(cast), data).status_code == 403
    assert cast.client("partner_c").post(_journal(cast), data).status_code == 404
    assert cast.client("trial_partner_a").post(_journal(cast), data).status_code == 404
    assert not Entry.objects.exists()


# Who reads what ------------------------------------------------------------------------------

# Who may hear partner A's recording, by the visibility A chose.
HEARS = {
    "partner_a": {"private", "team", "couple"},  # the author
    "partner_b": {"couple"},
    "facilitator": {"team", "couple"},  # on the couple's care team
    "other_facilitator": set(),  # a facilitator of the same organisation, not on the team
    "lead": {"team", "couple"},
    "admin": set(),
    "researcher": set(),
    "trial_facilitator": set(),  # another organisation
    "trial_partner_a": set(),
}


@pytest.mark.parametrize("visibility", ["private", "team", "couple"])
@pytest.mark.parametrize("who", sorted(HEARS))
def test_it_streams_a_recording_only_to_those_who_may_read_its_entry(
    cast: Cast, who: str, visibility: str
) -> None:
    entry = _audio_entry(cast, visibility)
    response = cast.client(who).get(_audio_url(cast, entry))
    if visibility in HEARS[who]:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == WAV  # type: ignore[attr-defined]
        assert response["Content-Type"] == "audio/wav"
        assert response["Content-Disposition"] == "inline"
        assert response["Cache-Control"] == "private, no-store"
        event = AuditEvent.objects.get(action="entry.audio")
        assert (event.actor_id, event.object_id) == (cast.people[who].pk, str(entry.pk))
    else:
        assert response.status_code == 404
        assert not AuditEvent.objects.filter(action="entry.audio").exists()
        assert AuditEvent.objects.filter(
            action="access.denied", actor_id=cast.people[who].pk
        ).exists()


def test_it_answers_a_byte_range_of_a_recording(cast: Cast) -> None:
    entry = _audio_entry(cast, "private")
    client = cast.client("partner_a")
    part = client.get(_audio_url(cast, entry), HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206
    assert part.content == WAV[:10]
    assert part["Content-Range"] == f"bytes 0-9/{len(WAV)}"
    assert part["Cache-Control"] == "private, no-store"
    tail = client.get(_audio_url(cast, entry), HTTP_RANGE="bytes=-4")
    assert tail.content == WAV[-4:]
    beyond = client.get(_audio_url(cast, entry), HTTP_RANGE=f"bytes={len(WAV)}-")
    assert beyond.status_code == 416
    # Another person's private recording stays missing, range or not.
    assert (
        cast.client("partner_b").get(_audio_url(cast, entry), HTTP_RANGE="bytes=0-9").status_code
        == 404
    )


def test_it_has_no_audio_for_an_entry_without_a_recording(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "couple")
    assert cast.client("partner_a").get(_audio_url(cast, entry)).status_code == 404


def test_it_shows_each_person_the_journal_they_may_read(cast: Cast) -> None:
    for who in ("partner_a", "partner_b"):
        for visibility in ("private", "team", "couple"):
            make_entry(cast.couple, cast.people[who], visibility, f"{who}-{visibility}-words")
    make_entry(cast.couple, cast.partner_a, "couple", "an-intention", kind="intention")
    _audio_entry(cast, "couple")

    a = cast.client("partner_a").get(_journal(cast))
    assert a.status_code == 200
    html = a.content.decode()
    for expected in ("partner_a-private", "partner_a-team", "partner_a-couple", "partner_b-couple"):
        assert expected in html
    assert "partner_b-private" not in html and "partner_b-team" not in html
    # The portal's Journal holds every kind a partner writes, intentions too.
    assert '<span class="kind">Intention' in html
    assert "<audio controls" in html and "Shared with me by Partner B" in html

    for staff in ("facilitator", "lead"):
        page = cast.client(staff).get(_journal(cast))
        assert page.status_code == 200
        html = page.content.decode()
        assert "partner_a-team" in html and "partner_b-couple" in html
        assert "-private-words" not in html
        # The care team reads and replies; partners write.
        assert 'id="id_body"' not in html and "Send reply" in html

    assert cast.client("admin").get(_journal(cast)).status_code == 403
    for outsider in ("other_facilitator", "researcher", "partner_c", "trial_facilitator"):
        assert cast.client(outsider).get(_journal(cast)).status_code == 404
    assert AuditEvent.objects.filter(action="journal.read").count() == 3


# The one-time notice ---------------------------------------------------------------------------


def test_it_shows_the_full_notice_once_then_a_short_reminder(cast: Cast) -> None:
    client = cast.client("partner_a")
    first = client.get(_journal(cast)).content.decode()
    assert "not watched in real time" in first
    assert "nearest emergency department" in first
    assert "local emergency number" in first and 'href="tel:988"' in first
    assert first.count('role="note"') == 1
    seen_at = Partner.objects.get(couple=cast.couple, user=cast.partner_a).notice_seen_at
    assert seen_at is not None

    again = client.get(_journal(cast)).content.decode()
    assert "Not monitored in real time." in again and 'href="tel:988"' in again
    assert "nearest emergency department" not in again
    assert again.count('role="note"') == 1
    portal = client.get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "Not monitored in real time." in portal and "nearest emergency department" not in portal
    assert portal.count('role="note"') == 1
    assert f'href="/couples/{cast.couple.pk}/journal/"' in portal
    # Seen once is kept as the first time.
    assert Partner.objects.get(couple=cast.couple, user=cast.partner_a).notice_seen_at == seen_at

    # Each partner sees it in full once, wherever they first write.
    other = cast.client("partner_b").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "nearest emergency department" in other
    assert Partner.objects.get(couple=cast.couple, user=cast.partner_b).notice_seen_at


def test_it_shows_the_same_notice_on_the_entry_page(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "private")
    html = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/entries/{entry.pk}/")
    assert "nearest emergency department" in html.content.decode()
    assert html.content.decode().count('role="note"') == 1


# API -------------------------------------------------------------------------------------------


def _api_journal(cast: Cast) -> str:
    return f"/api/v1/couples/{cast.couple.pk}/journal"


def test_it_lists_through_the_api_the_journal_a_partner_may_read_with_their_prompts(
    cast: Cast,
) -> None:
    for who in ("partner_a", "partner_b"):
        for visibility in ("private", "team", "couple"):
            make_entry(cast.couple, cast.people[who], visibility, f"{who}-{visibility}")
    audio = _audio_entry(cast, "couple")
    make_entry(cast.couple, cast.partner_b, "private", "B-SECRET", kind="intention")
    response = cast.api("partner_a").get(_api_journal(cast))
    assert response.status_code == 200
    # Issue 12 item 7: the entries in the list envelope; the prompts a list of their own.
    body = response.json()
    assert body["count"] == len(body["items"]) and body["next"] is None
    bodies = {e["body"] for e in body["items"]}
    assert {"partner_a-private", "partner_a-team", "partner_a-couple", "partner_b-couple"} <= bodies
    assert not {"partner_b-private", "partner_b-team"} & bodies
    with_audio = next(e for e in body["items"] if e["id"] == audio.pk)
    assert with_audio["audio_url"] == f"/api/v1/couples/{cast.couple.pk}/entries/{audio.pk}/audio"
    assert with_audio["audio_type"] == "audio/wav"
    prompts = cast.api("partner_a").get(_api_journal(cast) + "/prompts").json()["items"]
    assert prompts and all(p["source"] for p in prompts)
    assert "B-SECRET" not in response.content.decode()

    fetched = cast.api("partner_b").get(with_audio["audio_url"])
    assert fetched.status_code == 200
    assert b"".join(fetched.streaming_content) == WAV  # type: ignore[attr-defined]


def test_it_shows_the_care_team_through_the_api_only_what_was_shared_with_it(cast: Cast) -> None:
    make_entry(cast.couple, cast.partner_a, "private", "a-private")
    make_entry(cast.couple, cast.partner_a, "team", "a-team")
    private_audio = _audio_entry(cast, "private")
    body = cast.api("facilitator").get(_api_journal(cast)).json()
    assert [e["body"] for e in body["items"]] == ["a-team"]
    assert cast.api("facilitator").get(_api_journal(cast) + "/prompts").json()["items"] == []
    url = f"/api/v1/couples/{cast.couple.pk}/entries/{private_audio.pk}/audio"
    assert cast.api("facilitator").get(url).status_code == 404
    assert cast.api("admin").get(_api_journal(cast)).status_code == 403
    for outsider in ("other_facilitator", "trial_facilitator", "partner_c", "researcher"):
        assert cast.api(outsider).get(_api_journal(cast)).status_code == 404


def test_it_writes_a_journal_entry_through_the_api(cast: Cast) -> None:
    prompt = _prompts(cast, "partner_a")[0].text
    response = cast.api("partner_a").post(
        _api_journal(cast),
        {"kind": "reflection", "visibility": "couple", "body": "For us.", "prompt": prompt},
        content_type="application/json",
    )
    assert response.status_code == 201
    out = response.json()
    assert (out["kind"], out["visibility"], out["body"], out["prompt"], out["audio_url"]) == (
        "reflection",
        "couple",
        "For us.",
        prompt,
        None,
    )
    entry = Entry.objects.get()
    assert (entry.author, entry.prompt) == (cast.partner_a, prompt)
    assert AuditEvent.objects.filter(action="entry.create", object_id=str(entry.pk)).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "intention", "visibility": "private", "body": "x"}, "kind"),
        ({"kind": "journal", "visibility": "everyone", "body": "x"}, "visibility"),
        ({"kind": "journal", "body": "x"}, "visibility"),
        ({"kind": "journal", "visibility": "private", "body": ""}, "body"),
        ({"kind": "journal", "visibility": "private"}, "body"),
        ({"kind": "journal", "visibility": "private", "body": "   "}, "body"),
        ({"kind": "journal", "visibility": "private", "body": "a\x00b"}, "body"),
        ({"kind": "journal", "visibility": "private", "body": "x", "prompt": "p" * 1001}, "prompt"),
    ],
)
def test_it_refuses_bad_journal_input_through_the_api_with_a_clear_422(
    cast: Cast, payload: dict[str, str], field: str
) -> None:
    response = cast.api("partner_a").post(
        _api_journal(cast), payload, content_type="application/json"
    )
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert any(p["loc"][-1] == field and p["msg"] for p in problems), problems
    assert not Entry.objects.exists()


def test_it_lets_only_partners_write_through_the_api(cast: Cast) -> None:
    payload = {"kind": "journal", "visibility": "team", "body": "x"}
    assert (
        cast.api("facilitator")
        .post(_api_journal(cast), payload, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        cast.api("trial_partner_a")
        .post(_api_journal(cast), payload, content_type="application/json")
        .status_code
        == 404
    )
    assert not Entry.objects.exists()


# Audio sniffing and the demo ---------------------------------------------------------------------


def test_it_recognises_audio_by_its_first_bytes() -> None:
    assert sniff_audio(WAV) == "audio/wav"
    assert sniff_audio(b"<html>") is None
    assert sniff_audio(b"") is None


def test_it_seeds_the_demo_journals_once_with_every_visibility_and_a_recording(
    cast: Cast,
) -> None:
    Couple.objects.filter(pk=cast.couple.pk).update(name="Riley & Jordan")
    make_entry(cast.couple, cast.partner_b, "private", "Reach out first.", kind="intention")
    _close_a_session(cast)
    journal = Entry.objects.filter(kind__in=["journal", "reflection"])
    seed_demo_journals(cast.trial)  # no such couple there: nothing happens
    assert not journal.exists()
    seed_demo_journals(cast.center)
    written = set(journal.values_list("author_id", "visibility"))
    assert written == {
        (partner.pk, visibility)
        for partner in (cast.partner_a, cast.partner_b)
        for visibility in ("private", "team", "couple")
    }
    assert journal.exclude(prompt="").count() >= 2
    assert journal.filter(kind="reflection", visibility="couple").exists()
    recording = journal.get(audio_type="audio/wav")
    with recording.audio.open("rb") as stored, wave.open(io.BytesIO(stored.read())) as wav:
        assert wav.getnframes() == wav.getframerate()  # one second
    count = journal.count()
    seed_demo_journals(cast.center)
    assert journal.count() == count


def test_it_lets_a_voice_note_alone_be_edited_and_shared_from_its_page(cast: Cast) -> None:
    entry = _audio_entry(cast, "private")
    Entry.objects.filter(pk=entry.pk).update(body="")
    browser = cast.client("partner_a")
    page = f"/couples/{cast.couple.pk}/entries/{entry.pk}/"
    saved = browser.post(page, {"kind": "reflection", "visibility": "couple", "body": ""})
    assert saved.status_code == 302
    entry.refresh_from_db()
    assert (entry.kind, entry.visibility, entry.body) == ("reflection", "couple", "")
    # An entry of words alone still needs its words.
    words = Entry.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        author=cast.partner_a,
        kind="journal",
        visibility="private",
        body="Words only",
    )
    refused = browser.post(
        f"/couples/{cast.couple.pk}/entries/{words.pk}/",
        {"kind": "journal", "visibility": "private", "body": "  "},
    )
    assert refused.status_code == 422
    words.refresh_from_db()
    assert words.body == "Words only"


def test_it_keeps_an_entry_with_a_voice_note_a_journal_kind(cast: Cast) -> None:
    entry = _audio_entry(cast, "private")
    browser = cast.client("partner_a")
    refused = browser.post(
        f"/couples/{cast.couple.pk}/entries/{entry.pk}/",
        {"kind": "intention", "visibility": "private", "body": "Now an intention"},
    )
    assert refused.status_code == 422
    assert "stays a journal or reflection" in refused.content.decode()
    entry.refresh_from_db()
    assert (entry.kind, entry.body) == ("reflection", "partner_a private voice note")


def test_it_refuses_a_prompt_or_a_voice_note_on_an_intention(cast: Cast) -> None:
    viewer = cast.viewer("partner_a")
    couple = get_couple_for(viewer, cast.couple.pk)
    before = _stored_files()
    with pytest.raises(ValidationError) as refused:
        entry_create(
            viewer=viewer,
            couple=couple,
            kind="intention",
            visibility="team",
            body="Stop bracing",
            prompt="What would help?",
            audio=_upload(WAV),
        )
    assert set(refused.value.message_dict) == {"prompt", "audio"}
    assert not Entry.objects.exists() and _stored_files() == before


def test_it_keeps_the_chosen_prompt_and_words_when_the_recording_is_refused(cast: Cast) -> None:
    prompt = _prompts(cast, "partner_a")[0].text
    refused = cast.client("partner_a").post(
        _journal(cast),
        {
            "kind": "journal",
            "visibility": "private",
            "body": "Half a thought",
            "prompt": prompt,
            "audio": _upload(PDF, "note.mp3", "audio/mpeg"),
        },
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Half a thought</textarea>" in html
    assert re.search(r'name="prompt" value="[^"]*" checked', html)
    again = cast.client("partner_a").post(
        _journal(cast),
        {"kind": "journal", "visibility": "private", "body": "Half a thought", "prompt": prompt},
    )
    assert again.status_code == 302
    assert Entry.objects.get().prompt == prompt
