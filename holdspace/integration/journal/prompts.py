"""Journal prompts, drawn from what the writer may read: their own intentions and themes,
intentions shared with the couple, and their latest medicine session. The wording comes from
rules/journal_prompts.toml, checked when loaded."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from pydantic import model_validator

from holdspace.couples.models import Couple, EntryKind, Partner
from holdspace.integration.selectors import ENDED_STATUSES
from holdspace.lib import when
from holdspace.lib.schemas import StrictModel, load_toml
from holdspace.policy.core import Viewer
from holdspace.policy.entries import can_write_entries, entries_visible_to
from holdspace.policy.preparation import partner_forms_visible_to
from holdspace.preparation.forms import THEMES
from holdspace.preparation.models import FormKind
from holdspace.sessions.models import MedicineSession

PROMPTS_FILE = Path(__file__).resolve().parents[2] / "rules" / "journal_prompts.toml"
_QUOTE_LENGTH = 140


class PromptSource(StrEnum):
    """What a prompt is drawn from."""

    GENERAL = "general"
    OWN_INTENTION = "own_intention"
    PARTNER_INTENTION = "partner_intention"
    SHARED_INTENTION = "shared_intention"
    THEME = "theme"
    SESSION = "session"


# The placeholders each kind of template may use.
_PLACEHOLDERS: dict[PromptSource, set[str]] = {
    PromptSource.GENERAL: set(),
    PromptSource.OWN_INTENTION: {"intention"},
    PromptSource.PARTNER_INTENTION: {"intention", "partner"},
    PromptSource.SHARED_INTENTION: {"intention"},
    PromptSource.THEME: {"theme"},
    PromptSource.SESSION: {"date", "partner"},
}


class PromptTemplates(StrictModel):
    """journal_prompts.toml: each template may use only its placeholders."""

    source: str
    version: str
    general: list[str]
    own_intention: list[str]
    partner_intention: list[str]
    shared_intention: list[str]
    theme: list[str]
    session: list[str]

    @model_validator(mode="after")
    def _placeholders(self) -> PromptTemplates:
        for field, names in _PLACEHOLDERS.items():
            for template in getattr(self, field):
                used = {name for _t, name, _f, _c in string.Formatter().parse(template) if name}
                if used - names:
                    raise ValueError(f"{field}: {template!r} may use only {sorted(names)}")
        return self

    def of(self, source: PromptSource) -> list[str]:
        templates: list[str] = getattr(self, source.value)
        return templates


@cache
def prompt_templates() -> PromptTemplates:
    return load_toml(PROMPTS_FILE, PromptTemplates)


@dataclass(frozen=True)
class JournalPrompt:
    text: str
    source: PromptSource


def _quote(text: str) -> str:
    flat = re.sub(r"\s+", " ", text).strip().rstrip(".;,:")  # the template punctuates
    return flat if len(flat) <= _QUOTE_LENGTH else flat[: _QUOTE_LENGTH - 1].rstrip() + "…"


def _filled(source: PromptSource, **values: str) -> list[JournalPrompt]:
    return [JournalPrompt(t.format(**values), source) for t in prompt_templates().of(source)]


def _partner_name(viewer: Viewer, couple: Couple) -> str:
    other = (
        Partner.objects.filter(couple=couple)
        .exclude(user=viewer.user)
        .select_related("user")
        .first()
    )
    return (other.user.display_name if other else "") or _("your partner")


def _session_prompts(couple: Couple, partner_name: str) -> list[JournalPrompt]:
    """About the couple's latest medicine session, once it has ended."""
    session = (
        MedicineSession.objects.filter(couple=couple, status__in=ENDED_STATUSES)
        .order_by("-starts_at", "-id")
        .first()
    )
    if session is None:
        return []
    return _filled(PromptSource.SESSION, date=when.day(session.starts_at), partner=partner_name)


def _intention_prompts(viewer: Viewer, couple: Couple, partner_name: str) -> list[JournalPrompt]:
    """Quoting intentions, only those the viewer may read: the policy decides, not this."""
    intentions = (
        entries_visible_to(viewer, couple)
        .filter(kind__in=[EntryKind.INTENTION, EntryKind.SHARED_INTENTION])
        .exclude(body="")
        .order_by("-created_at", "-id")
        .values_list("author_id", "kind", "body")[:12]
    )
    own: list[str] = []
    shared: list[str] = []
    partners: list[str] = []
    for author_id, kind, body in intentions:
        if kind == EntryKind.SHARED_INTENTION:
            shared.append(body)
        elif author_id == viewer.user.pk:
            own.append(body)
        else:
            partners.append(body)
    prompts: list[JournalPrompt] = []
    for body in shared[:1]:
        prompts += _filled(PromptSource.SHARED_INTENTION, intention=_quote(body))
    for body in own[:2]:
        prompts += _filled(PromptSource.OWN_INTENTION, intention=_quote(body))
    for body in partners[:1]:
        prompts += _filled(
            PromptSource.PARTNER_INTENTION, intention=_quote(body), partner=partner_name
        )
    return prompts


def _theme_prompts(viewer: Viewer, couple: Couple) -> list[JournalPrompt]:
    """About the themes the viewer chose to explore in preparation (never their own words)."""
    themes_form = (
        partner_forms_visible_to(viewer, couple)
        .filter(kind=FormKind.THEMES, partner=viewer.user)
        .order_by("-created_at", "-id")
        .first()
    )
    if themes_form is None:
        return []
    labels = dict(THEMES)
    prompts: list[JournalPrompt] = []
    for code in list(themes_form.data.get("themes", []))[:3]:
        prompts += _filled(PromptSource.THEME, theme=str(labels.get(code, code)).lower())
    return prompts


def journal_prompts(viewer: Viewer, couple: Couple) -> list[JournalPrompt]:
    """Prompts for VIEWER's journal in COUPLE (from get_couple_for), each once; none for anyone
    who does not write there (the care team reads the journals, it does not write them)."""
    if not can_write_entries(viewer, couple, EntryKind.JOURNAL):
        return []
    partner_name = _partner_name(viewer, couple)
    prompts = [
        *_session_prompts(couple, partner_name),
        *_intention_prompts(viewer, couple, partner_name),
        *_theme_prompts(viewer, couple),
        *_filled(PromptSource.GENERAL),
    ]
    unique: dict[str, JournalPrompt] = {}
    for prompt in prompts:
        unique.setdefault(prompt.text, prompt)
    return list(unique.values())
