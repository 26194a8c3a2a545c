"""The journal's form: its choices and limits come from the entry's model and service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from holdspace.couples.models import ENTRY_KINDS, JOURNAL_KINDS, EntryKind, Visibility
from holdspace.couples.services import AUDIO_MAX_BYTES, MAX_ENTRY_LENGTH, MAX_PROMPT_LENGTH

# How the journal names its two kinds to the partner writing.
KIND_LABELS = {
    EntryKind.JOURNAL: gettext_lazy("A journal entry, for myself"),
    EntryKind.REFLECTION: gettext_lazy("A shared reflection, written for the two of us"),
}


class JournalForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What are you writing?"),
        choices=[(kind, KIND_LABELS[EntryKind(kind)]) for kind in JOURNAL_KINDS],
        widget=forms.RadioSelect,
        initial=EntryKind.JOURNAL,
    )
    prompt = forms.CharField(required=False, max_length=MAX_PROMPT_LENGTH)
    body = forms.CharField(
        label=gettext_lazy("Your words"),
        required=False,
        max_length=MAX_ENTRY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    audio = forms.FileField(
        label=gettext_lazy("Or a voice note (optional)"),
        required=False,
        help_text=format_lazy(
            gettext_lazy(
                "Record or choose a recording: WebM, Ogg, MP3, M4A or WAV, up to {mb} MB. "
                "Nobody transcribes it; it is played back only to those who may see this entry."
            ),
            mb=AUDIO_MAX_BYTES // (1024 * 1024),
        ),
        widget=forms.FileInput(attrs={"accept": "audio/*", "capture": "user"}),
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who can see this"),
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        initial=Visibility.PRIVATE,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("body") and not data.get("audio") and "body" not in self.errors:
            self.add_error("body", _("Write something, or add a recording, before saving."))
        return data

    @classmethod
    def blank(cls, kind: object) -> JournalForm:
        """An empty form for KIND (`?kind=` of the link that opened it), with that kind's
        default visibility; a journal entry when KIND is not one of the journal's."""
        chosen = str(kind) if kind in JOURNAL_KINDS else EntryKind.JOURNAL
        return cls(initial={"kind": chosen, "visibility": ENTRY_KINDS[chosen].default_visibility})

    def kind_choices(self) -> list[tuple[str, str, str]]:
        """(value, label, default visibility) of each kind, for the page's script."""
        return [
            (kind, str(KIND_LABELS[EntryKind(kind)]), ENTRY_KINDS[kind].default_visibility)
            for kind in JOURNAL_KINDS
        ]
