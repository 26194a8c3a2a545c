"""The texts partners and staff sign: one file per profile and signed form,
holdspace/documents/<profile>/<code>.md, a TOML head between `+++` lines (version, effective,
source) and the text itself. A changed text is a new version in the same file: signatures
keep the text they were given, with its SHA-256, so an older version stays readable in each
signature even after the file moves on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import Field, ValidationError

from holdspace.lib.schemas import StrictModel
from holdspace.screening.profiles import Profile, RequiredForm

DOCUMENTS_DIR = Path(__file__).resolve().parent.parent / "documents"
FENCE = "+++"


class DocumentError(ValueError):
    """A document file missing, or not in the shape below."""


class DocumentHead(StrictModel):
    version: str = Field(min_length=1, max_length=32)
    effective: dt.date
    source: str = Field(min_length=3)


@dataclass(frozen=True)
class Document:
    """One signed form's text as it is now: what the signing page shows, byte for byte."""

    profile: str
    code: str
    title: str
    version: str
    effective: dt.date
    source: str
    text: str

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


def text_sha256(text: str) -> str:
    """The SHA-256 of TEXT as UTF-8, in hex: what a signature records of the text shown."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parse(path: Path) -> tuple[DocumentHead, str]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DocumentError(f"{path}: {exc}") from exc
    parts = raw.split(FENCE + "\n", 2)
    if len(parts) != 3 or parts[0] != "":
        raise DocumentError(f"{path}: begins with a +++ head, closed by +++")
    try:
        head = DocumentHead.model_validate(tomllib.loads(parts[1]))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise DocumentError(f"{path}: {exc}") from exc
    text = parts[2].strip() + "\n"
    if len(text) < 20:
        raise DocumentError(f"{path}: the text is missing")
    return head, text


@cache
def _document(profile_id: str, code: str, title: str) -> Document:
    head, text = _parse(DOCUMENTS_DIR / profile_id / f"{code}.md")
    return Document(profile_id, code, title, head.version, head.effective, head.source, text)


def document_for(profile: Profile, form: RequiredForm) -> Document:
    """The current text of FORM under PROFILE (DocumentError when its file is missing)."""
    return _document(profile.id, form.code, form.name)


def reload_documents() -> None:
    """Forget the texts read so far (a test, or a new version put in place)."""
    _document.cache_clear()
