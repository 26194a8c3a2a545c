"""Riley & Jordan's journals (holdspace/demo/data/journals.toml), written through
`entry_create` as the partners would, answering the prompts their journal offers them."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from pydantic import Field, model_validator

from holdspace.accounts.models import Organisation
from holdspace.couples.models import JOURNAL_KINDS, Couple, Entry, EntryKind, Visibility
from holdspace.couples.services import entry_create
from holdspace.integration.journal.prompts import PromptSource, journal_prompts
from holdspace.lib.schemas import StrictModel, load_toml
from holdspace.policy.core import Viewer, viewer_for
from holdspace.policy.couples import get_couple_for

JOURNALS_FILE = Path(__file__).resolve().parent / "data" / "journals.toml"


class DemoJournalEntry(StrictModel):
    partner: str = Field(min_length=1)
    kind: EntryKind
    visibility: Visibility
    body: str = Field(min_length=1)
    prompt: PromptSource | None = None
    nth: int = Field(default=0, ge=0)
    voice_note_seconds: float | None = Field(default=None, gt=0, le=10)


class DemoJournals(StrictModel):
    couple: str
    partners: tuple[str, str]
    entries: list[DemoJournalEntry]

    @model_validator(mode="after")
    def _written_by_the_partners(self) -> DemoJournals:
        strangers = {e.partner for e in self.entries} - set(self.partners)
        if strangers:
            raise ValueError(f"entries by {sorted(strangers)}, not one of {self.partners}")
        return self


def demo_wav(seconds: float = 1.0) -> bytes:
    """A short, soft 220 Hz tone as a valid WAV file (8 kHz, 16-bit mono)."""
    rate = 8000
    frames = int(rate * seconds)
    fade = rate // 10
    samples = (
        int(3000 * min(1.0, i / fade, (frames - i) / fade) * math.sin(2 * math.pi * 220 * i / rate))
        for i in range(frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return buffer.getvalue()


def _prompt(viewer: Viewer, couple: Couple, source: PromptSource | None, nth: int) -> str:
    if source is None:
        return ""
    texts = [p.text for p in journal_prompts(viewer, couple) if p.source == source]
    return texts[nth] if len(texts) > nth else ""


def seed_demo_journals(organisation: Organisation) -> None:
    """The journals of the couple journals.toml names, once: nothing when the couple is not in
    ORGANISATION, has not two partners, or has answered a prompt already."""
    data = load_toml(JOURNALS_FILE, DemoJournals)
    found = Couple.objects.filter(organisation=organisation, name=data.couple).first()
    if found is None:
        return
    if Entry.objects.filter(couple=found, kind__in=JOURNAL_KINDS).exclude(prompt="").exists():
        return
    seated = [viewer_for(p.user) for p in found.partners.select_related("user").order_by("slot")]
    if len(seated) != 2:
        return
    partners = dict(zip(data.partners, seated, strict=True))
    for written in data.entries:
        viewer = partners[written.partner]
        couple = get_couple_for(viewer, found.pk)
        seconds = written.voice_note_seconds
        entry_create(
            viewer=viewer,
            couple=couple,
            kind=written.kind,
            visibility=written.visibility,
            body=written.body,
            prompt=_prompt(viewer, couple, written.prompt, written.nth),
            audio=SimpleUploadedFile("reflection.wav", demo_wav(seconds), content_type="audio/wav")
            if seconds
            else None,
        )
