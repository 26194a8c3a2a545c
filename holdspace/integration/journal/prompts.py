"""Journals: each partner's entries with prompts, audio reflections, shared reflections.

A journal entry is an ordinary Entry (kind journal or reflection) with the same visibility
model and the same policy as every other entry: prompts quote only what the writer may read,
and audio is streamed only to those who may read its entry.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import string
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import model_validator

from holdspace.accounts.models import Organisation, User
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple, Entry, EntryKind, Partner, Visibility
from holdspace.couples.services import _clean_entry_fields
from holdspace.lib import when
from holdspace.lib.schemas import StrictModel
from holdspace.policy import (
    Viewer,
    deny,
    entries_visible_to,
    get_entry_for,
    is_partner_of,
    partner_forms_visible_to,
    require_couple_people,
    require_entry_write,
    viewer_for,
)

PROMPTS_FILE = Path(__file__).resolve().parent.parent / "rules" / "journal_prompts.toml"
JOURNAL_KINDS = (EntryKind.JOURNAL, EntryKind.REFLECTION)
# A journal entry's visibility until its author picks another: a journal is for oneself, a
# reflection is written for the couple.
DEFAULT_VISIBILITY = {
    EntryKind.JOURNAL: Visibility.PRIVATE,
    EntryKind.REFLECTION: Visibility.COUPLE,
}
AUDIO_MAX_BYTES = 20 * 1024 * 1024
MAX_PROMPT_LENGTH = 1000
JOURNAL_PAGE_SIZE = 100
_QUOTE_LENGTH = 140

PromptSource = Literal[
    "general", "own_intention", "partner_intention", "shared_intention", "theme", "session"
]


# Prompts ------------------------------------------------------------------------------------


class _PromptTemplates(StrictModel):
    """journal_prompts.toml, checked when loaded: each template may use only its placeholders."""

    source: str
    version: str
    general: list[str]
    own_intention: list[str]
    partner_intention: list[str]
    shared_intention: list[str]
    theme: list[str]
    session: list[str]

    @model_validator(mode="after")
    def _placeholders(self) -> _PromptTemplates:
        allowed: dict[str, set[str]] = {
            "general": set(),
            "own_intention": {"intention"},
            "partner_intention": {"intention", "partner"},
            "shared_intention": {"intention"},
            "theme": {"theme"},
            "session": {"date", "partner"},
        }
        for field, names in allowed.items():
            for template in getattr(self, field):
                used = {name for _t, name, _f, _c in string.Formatter().parse(template) if name}
                if used - names:
                    raise ValueError(f"{field}: {template!r} may use only {sorted(names)}")
        return self


@cache
def prompt_templates() -> _PromptTemplates:
    return _PromptTemplates.model_validate(tomllib.loads(PROMPTS_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class JournalPrompt:
    text: str
    source: PromptSource


def _quote(text: str) -> str:
    flat = re.sub(r"\s+", " ", text).strip().rstrip(".;,:")  # the template punctuates
    return flat if len(flat) <= _QUOTE_LENGTH else flat[: _QUOTE_LENGTH - 1].rstrip() + "…"


def journal_prompts(couple: Couple, partner_user: User) -> list[JournalPrompt]:
    """Prompts for PARTNER_USER's journal, drawn from what they may read: their own
    intentions and themes, intentions shared with the couple, and their latest medicine
    session. Empty for anyone who is not a partner of COUPLE."""
    from holdspace.preparation.forms import THEMES
    from holdspace.preparation.models import FormKind
    from holdspace.sessions.models import MedicineSession, SessionStatus

    viewer = viewer_for(partner_user)
    if not is_partner_of(viewer, couple):
        return []
    templates = prompt_templates()
    other = (
        Partner.objects.filter(couple=couple)
        .exclude(user=partner_user)
        .select_related("user")
        .first()
    )
    partner_name = (other.user.display_name or _("your partner")) if other else _("your partner")
    prompts: list[JournalPrompt] = []

    session = (
        MedicineSession.objects.filter(
            couple=couple, status__in=[SessionStatus.ENDED, SessionStatus.CLOSED]
        )
        .order_by("-starts_at", "-id")
        .first()
    )
    if session is not None:
        day = when.day(session.starts_at)
        prompts += [
            JournalPrompt(t.format(date=day, partner=partner_name), "session")
            for t in templates.session
        ]

    # Only entries this partner may read; the policy decides, not this function.
    intentions = (
        entries_visible_to(viewer, couple)
        .filter(kind__in=[EntryKind.INTENTION, EntryKind.SHARED_INTENTION])
        .exclude(body="")
        .order_by("-created_at", "-id")
        .values_list("author_id", "kind", "body")[:12]
    )
    own, shared, partners = [], [], []
    for author_id, kind, body in intentions:
        if kind == EntryKind.SHARED_INTENTION:
            shared.append(body)
        elif author_id == partner_user.pk:
            own.append(body)
        else:
            partners.append(body)
    for body in shared[:1]:
        prompts += [
            JournalPrompt(t.format(intention=_quote(body)), "shared_intention")
            for t in templates.shared_intention
        ]
    for body in own[:2]:
        prompts += [
            JournalPrompt(t.format(intention=_quote(body)), "own_intention")
            for t in templates.own_intention
        ]
    for body in partners[:1]:
        prompts += [
            JournalPrompt(
                t.format(intention=_quote(body), partner=partner_name), "partner_intention"
            )
            for t in templates.partner_intention
        ]

    themes_form = (
        partner_forms_visible_to(viewer, couple)
        .filter(kind=FormKind.THEMES, partner=partner_user)
        .order_by("-created_at", "-id")
        .first()
    )
    if themes_form is not None:
        labels = dict(THEMES)
        for code in list(themes_form.data.get("themes", []))[:3]:
            label = str(labels.get(code, code)).lower()
            prompts += [JournalPrompt(t.format(theme=label), "theme") for t in templates.theme]

    prompts += [JournalPrompt(t, "general") for t in templates.general]
    unique: dict[str, JournalPrompt] = {}
    for prompt in prompts:
        unique.setdefault(prompt.text, prompt)
    return list(unique.values())


# Audio --------------------------------------------------------------------------------------


def sniff_audio(head: bytes) -> str | None:
    """The audio type HEAD (a file's first bytes) shows, whatever the file claims to be."""
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML, the container of WebM
        return "audio/webm" if b"webm" in head[:64] else None
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":  # ISO base media: M4A, MP4 (iPhones record audio this way)
        return "audio/mp4"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    # An MPEG audio frame: 11 sync bits, and a layer (bits 1-2 of the 2nd byte) that is not 0;
    # layer 0 is AAC's ADTS header, which is not MP3.
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "audio/mpeg"
    return None


def _check_audio(audio: UploadedFile) -> str:
    size = audio.size or 0
    if size == 0:
        raise ValidationError({"audio": [_("The recording is empty. Try recording again.")]})
    if size > AUDIO_MAX_BYTES:
        raise ValidationError(
            {"audio": [_("The recording is larger than 20 MB. Record a shorter one.")]}
        )
    audio.seek(0)
    head = audio.read(64)
    audio.seek(0)
    kind = sniff_audio(head)
    if kind is None:
        raise ValidationError(
            {
                "audio": [
                    _(
                        "This file is not a recording we can play back. "
                        "Upload WebM, Ogg, MP3, M4A or WAV audio."
                    )
                ]
            }
        )
    return kind


# Writing ------------------------------------------------------------------------------------


def journal_entry_create(
    *,
    viewer: Viewer,
    couple: Couple,
    kind: str,
    visibility: str,
    body: str = "",
    prompt: str = "",
    audio: UploadedFile | None = None,
) -> Entry:
    """A partner's journal entry or shared reflection, optionally answering a prompt and with
    an audio reflection. The text may be left empty only when there is a recording. The file
    and the row are kept together: if the row cannot be written, the file is removed."""
    require_entry_write(viewer, couple)
    errors: dict[str, list[str]] = {}
    if kind not in JOURNAL_KINDS:
        errors["kind"] = [_("Choose journal or reflection.")]
    body = body.strip()
    prompt = re.sub(r"\s+", " ", prompt).strip()
    try:
        _clean_entry_fields(kind=None, visibility=visibility, body=body or None)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not body and audio is None:
        errors["body"] = [_("Write something, or add a recording, before saving.")]
    if len(prompt) > MAX_PROMPT_LENGTH:
        errors["prompt"] = [_("Keep a prompt under %(n)s characters.") % {"n": MAX_PROMPT_LENGTH}]
    audio_type = ""
    if audio is not None:
        try:
            audio_type = _check_audio(audio)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    entry = Entry(
        organisation_id=couple.organisation_id,
        couple=couple,
        author=viewer.user,
        kind=kind,
        visibility=visibility,
        body=body,
        prompt=prompt,
        audio_type=audio_type,
        created_at=now,
        updated_at=now,
    )
    stored = ""
    try:
        with transaction.atomic():
            if audio is not None:
                entry.audio.save("audio", audio, save=False)
                stored = entry.audio.name or ""
            entry.save()
            viewer.audit(
                Action.ENTRY_CREATE,
                organisation_id=couple.organisation_id,
                object_type="entry",
                object_id=entry.pk,
                couple_id=couple.pk,
                kind=kind,
                visibility=visibility,
                prompt=bool(prompt),
                audio=bool(stored),
            )
    except BaseException:
        if stored:
            entry.audio.storage.delete(stored)
        raise
    return entry


# Reading ------------------------------------------------------------------------------------


def require_journal_read(viewer: Viewer, couple: Couple) -> None:
    """The journals of COUPLE: its partners, and its care team (who then see only what was
    shared with them). An org admin who sees the couple is refused (403)."""
    require_couple_people(viewer, couple, action="read the journals of")


def journal_entries(
    viewer: Viewer, couple: Couple, *, limit: int = JOURNAL_PAGE_SIZE, offset: int = 0
) -> list[Entry]:
    """The newest journal entries and reflections of COUPLE the viewer may read (LIMIT from
    OFFSET); audited."""
    entries = list(
        _journal_visible(viewer, couple)
        .select_related("author")
        .defer("author__password")[offset : offset + limit]
    )
    viewer.audit(
        Action.JOURNAL_READ,
        organisation_id=couple.organisation_id,
        object_type="couple",
        object_id=couple.pk,
        couple_id=couple.pk,
        entry_ids=[e.pk for e in entries],
    )
    return entries


def journal_entry_count(viewer: Viewer, couple: Couple) -> int:
    """How many journal entries and reflections of COUPLE the viewer may read."""
    return _journal_visible(viewer, couple).count()


def _journal_visible(viewer: Viewer, couple: Couple) -> QuerySet[Entry]:
    return entries_visible_to(viewer, couple).filter(kind__in=JOURNAL_KINDS)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def entry_audio_response(
    viewer: Viewer, couple: Couple, entry_id: int, request: HttpRequest | None = None
) -> HttpResponseBase:
    """An entry's recording, for those who may read the entry (COUPLE from get_couple_for).

    Answers a single byte range when asked (Safari plays audio only from a server that does),
    never lets a cache keep it, and audits every read."""
    entry = get_entry_for(viewer, couple, entry_id)
    if not entry.audio:
        raise deny(
            viewer,
            what="entry_audio",
            object_id=entry_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    content_type = entry.audio_type or "application/octet-stream"
    size = entry.audio.size
    wanted = _RANGE.match(str(request.headers.get("Range", ""))) if request else None
    viewer.audit(
        Action.ENTRY_AUDIO,
        organisation_id=couple.organisation_id,
        object_type="entry",
        object_id=entry.pk,
        couple_id=couple.pk,
        detail={"range": wanted.group(0)} if wanted else None,
    )
    response: HttpResponseBase
    if wanted and (wanted.group(1) or wanted.group(2)):
        first_raw, last_raw = wanted.groups()
        if first_raw:
            first = int(first_raw)
            last = min(int(last_raw), size - 1) if last_raw else size - 1
        else:  # the last N bytes
            first = max(size - int(last_raw), 0)
            last = size - 1
        if first >= size or first > last:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
        else:
            with entry.audio.open("rb") as handle:
                handle.seek(first)
                chunk = handle.read(last - first + 1)
            response = HttpResponse(chunk, status=206, content_type=content_type)
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
    else:
        response = FileResponse(entry.audio.open("rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# The one-time notice --------------------------------------------------------------------------


def notice_seen(couple: Couple, user: User) -> tuple[bool, dt.datetime | None]:
    """Whether USER is a partner of COUPLE, and when they first saw that what they write is not
    monitored in real time (None: this is the first time, which is now recorded)."""
    row = Partner.objects.filter(couple=couple, user=user).values_list("pk", "notice_seen_at")
    found = row.first()
    if found is None:
        return False, None
    partner_id, seen_at = found
    if seen_at is None:
        Partner.objects.filter(pk=partner_id, notice_seen_at__isnull=True).update(
            notice_seen_at=timezone.now()
        )
    return True, seen_at


# Demo ---------------------------------------------------------------------------------------


def demo_wav(seconds: float = 1.0) -> bytes:
    """A short, soft 220 Hz tone as a valid WAV file (8 kHz, 16-bit mono)."""
    import math
    import struct
    import wave

    rate = 8000
    frames = int(rate * seconds)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        fade = rate // 10
        samples = (
            int(
                3000
                * min(1.0, i / fade, (frames - i) / fade)
                * math.sin(2 * math.pi * 220 * i / rate)
            )
            for i in range(frames)
        )
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return buffer.getvalue()


def seed_demo_journals(organisation: Organisation) -> None:
    """Riley & Jordan's journals: entries of every visibility by both partners, answers to
    prompts, a shared reflection and an audio reflection. Runs once per couple."""
    from holdspace.policy import get_couple_for

    found = Couple.objects.filter(organisation=organisation, name="Riley & Jordan").first()
    if found is None:
        return
    if Entry.objects.filter(couple=found, kind__in=JOURNAL_KINDS).exclude(prompt="").exists():
        return
    partners = list(Partner.objects.filter(couple=found).select_related("user").order_by("slot"))
    if len(partners) != 2:
        return
    riley, jordan = (viewer_for(p.user) for p in partners)
    couple = get_couple_for(riley, found.pk)

    def prompt_for(viewer: Viewer, source: str, nth: int = 0) -> str:
        texts = [p.text for p in journal_prompts(couple, viewer.user) if p.source == source]
        return texts[nth] if len(texts) > nth else ""

    writes: list[tuple[Viewer, str, str, str, str]] = [
        (
            riley,
            EntryKind.REFLECTION,
            Visibility.COUPLE,
            prompt_for(riley, "session"),
            "That the silence was never about me. It was him holding his breath the way he "
            "did as a boy, waiting to see which father came home.",
        ),
        (
            riley,
            EntryKind.JOURNAL,
            Visibility.PRIVATE,
            "",
            "I still flinch when he goes quiet. I did not tell him. I want to, when it is not "
            "in the middle of something.",
        ),
        (
            riley,
            EntryKind.JOURNAL,
            Visibility.TEAM,
            prompt_for(riley, "general"),
            "Sleeping better. The Sunday check-in is the thing I want to protect; the week it "
            "slipped we were short with each other by Wednesday.",
        ),
        (
            jordan,
            EntryKind.JOURNAL,
            Visibility.PRIVATE,
            prompt_for(jordan, "own_intention"),
            "Twice I reached out first. Once I waited two days and told myself I was right. "
            "I was, and it did not help.",
        ),
        (
            jordan,
            EntryKind.JOURNAL,
            Visibility.TEAM,
            "",
            "Talking about my father at the session left me raw for a few days. Better now. "
            "I would like to come back to it in our next integration session.",
        ),
    ]
    for viewer, kind, visibility, prompt, body in writes:
        journal_entry_create(
            viewer=viewer,
            couple=couple,
            kind=kind,
            visibility=visibility,
            body=body,
            prompt=prompt,
        )
    journal_entry_create(
        viewer=jordan,
        couple=couple,
        kind=EntryKind.REFLECTION,
        visibility=Visibility.COUPLE,
        body="A voice note for Riley, from the bench by the river.",
        prompt=prompt_for(jordan, "session", 2),
        audio=SimpleUploadedFile("reflection.wav", demo_wav(), content_type="audio/wav"),
    )
