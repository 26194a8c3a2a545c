from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from holdspace.couples.models import ENTRY_KINDS, EntryKind, Visibility, kinds_offered_at
from holdspace.couples.services import (
    AUDIO_MAX_BYTES,
    MAX_COUPLE_NAME,
    MAX_ENTRY_LENGTH,
    MAX_PROMPT_LENGTH,
    MAX_REPLY_LENGTH,
)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    visibility = forms.ChoiceField(
        label=_("Who can see this"), choices=Visibility.choices, initial=Visibility.PRIVATE
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))


# How the Write form names each kind to the partner writing.
WRITE_LABELS = {
    EntryKind.JOURNAL: _("A journal entry, for myself"),
    EntryKind.REFLECTION: _("A shared reflection, written for the two of us"),
    EntryKind.INTENTION: _("My intention for the medicine session"),
    EntryKind.SHARED_INTENTION: _("Our shared intention, as a couple"),
}


class WriteForm(forms.Form):
    """The portal's one way to write an entry. It offers the kinds that make sense at the
    couple's stage (`kinds_offered_at`) but takes every kind, as the API does; what each kind
    allows (words, a prompt, a voice note) is `entry_create`'s to check."""

    kind = forms.ChoiceField(
        label=_("What are you writing?"),
        choices=[(kind.value, WRITE_LABELS[kind]) for kind in EntryKind],
        widget=forms.RadioSelect,
    )
    prompt = forms.CharField(required=False, max_length=MAX_PROMPT_LENGTH)
    body = forms.CharField(
        label=_("Your words"),
        required=False,
        max_length=MAX_ENTRY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    audio = forms.FileField(
        label=_("Or a voice note (optional)"),
        required=False,
        help_text=format_lazy(
            _(
                "Record or choose a recording: WebM, Ogg, MP3, M4A or WAV, up to {mb} MB. "
                "Nobody transcribes it; it is played back only to those who may see this entry. "
                "For a journal entry or a reflection."
            ),
            mb=AUDIO_MAX_BYTES // (1024 * 1024),
        ),
        widget=forms.FileInput(attrs={"accept": "audio/*", "capture": "user"}),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see this"), choices=Visibility.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, stage: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = kinds_offered_at(stage)

    @classmethod
    def blank(cls, *, stage: str, kind: object = None) -> WriteForm:
        """An empty form at STAGE for KIND (`?kind=` of the link that opened it) if the stage
        offers it, else the stage's first kind; with that kind's default visibility."""
        offered = kinds_offered_at(stage)
        chosen = str(kind) if kind in offered else offered[0]
        return cls(
            stage=stage,
            initial={"kind": chosen, "visibility": ENTRY_KINDS[chosen].default_visibility},
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("body") and not data.get("audio") and "body" not in self.errors:
            self.add_error("body", _("Write something, or add a recording, before saving."))
        return data

    def context(self, prompts: list[str]) -> dict[str, object]:
        """What the Write form's template needs besides the form: the kinds offered, and the
        prompts (PROMPTS, with one chosen before kept while they write)."""
        chosen = str(self["prompt"].value() or "")
        choices = list(prompts)
        if chosen and chosen not in choices:
            choices.insert(0, chosen)
        return {
            "form": self,
            "kind_choices": self.kind_choices(),
            "chosen_prompt": chosen,
            "prompt_choices": choices,
            "visibility_choices": VisibilityForm.base_fields["visibility"].choices,  # type: ignore[attr-defined]
        }

    def kind_choices(self) -> list[tuple[str, str, str, bool]]:
        """(value, label, default visibility, takes a prompt or voice note) of each kind
        offered, and of a kind not offered that was sent (kept while they fix the form)."""
        sent = str(self["kind"].value() or "")
        shown = [
            *self.offered,
            *([sent] if sent in ENTRY_KINDS and sent not in self.offered else []),
        ]
        return [
            (
                kind,
                str(WRITE_LABELS[EntryKind(kind)]),
                ENTRY_KINDS[kind].default_visibility,
                ENTRY_KINDS[kind].journal,
            )
            for kind in shown
        ]


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(label=_("Who can see this"), choices=Visibility.choices)


class CoupleForm(forms.Form):
    # Shown, ticked or not, when a partner is already in another couple here.
    confirm = forms.BooleanField(
        label=_("Yes, add them even though they are in another couple here"), required=False
    )

    name = forms.CharField(
        label=_("Couple name"),
        max_length=200,
        help_text=_("How the couple is known, for example “Alex & Sam”."),
    )
    facilitators = forms.MultipleChoiceField(
        label=_("Care team"), required=False, widget=forms.CheckboxSelectMultiple
    )
    partner_a_name = forms.CharField(label=_("First partner's name"), max_length=120)
    partner_a_email = forms.EmailField(label=_("First partner's e-mail"))
    partner_b_name = forms.CharField(label=_("Second partner's name"), max_length=120)
    partner_b_email = forms.EmailField(label=_("Second partner's e-mail"))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        a, b = data.get("partner_a_email"), data.get("partner_b_email")
        if a and b and str(a).lower() == str(b).lower():
            self.add_error("partner_b_email", _("The two partners need different addresses."))
        return data


class ConfirmPartnerElsewhere(forms.Form):
    """A form that adds a partner: it asks to confirm one already in another couple."""

    confirm = forms.BooleanField(
        label=_("Yes, add this person even though they are in another couple here"),
        required=False,
    )


class CoupleEditForm(forms.Form):
    name = forms.CharField(label=_("Couple name"), max_length=MAX_COUPLE_NAME)
    # Checked by the service, which names the problem (at least one, of this organisation).
    care_team = forms.MultipleChoiceField(
        label=_("Care team"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At least one facilitator. Clinical leads see every couple in any case."),
    )


class PartnerInviteForm(ConfirmPartnerElsewhere):
    display_name = forms.CharField(label=_("Partner's name"), max_length=120)
    email = forms.EmailField(label=_("Partner's e-mail"))
    field_order = ["display_name", "email", "confirm"]


class InvitationEmailForm(ConfirmPartnerElsewhere):
    email = forms.EmailField(label=_("Correct e-mail address"))
    field_order = ["email", "confirm"]


class ReplyForm(forms.Form):
    # Blank is refused by the service, with its own words.
    body = forms.CharField(
        label=_("Reply"),
        required=False,
        max_length=MAX_REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
