"""The journal page (a partner's journal, or the entries shared with the care team) and the
audio of an entry."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.couples.models import EntryKind, Visibility
from holdspace.couples.services import MAX_ENTRY_LENGTH
from holdspace.integration.journal import (
    DEFAULT_VISIBILITY,
    MAX_PROMPT_LENGTH,
    entry_audio_response,
    journal_entries,
    journal_entry_create,
    journal_prompts,
    require_journal_read,
)
from holdspace.lib.forms import errors_onto
from holdspace.policy import get_couple_for, is_partner_of, viewer_from_request


class JournalForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What are you writing?"),
        choices=[
            (EntryKind.JOURNAL, gettext_lazy("A journal entry, for myself")),
            (EntryKind.REFLECTION, gettext_lazy("A shared reflection, written for the two of us")),
        ],
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
        help_text=gettext_lazy(
            "Record or choose a recording: WebM, Ogg, MP3, M4A or WAV, up to 20 MB. "
            "Nobody transcribes it; it is played back only to those who may see this entry."
        ),
        widget=forms.FileInput(attrs={"accept": "audio/*", "capture": "user"}),
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who can see this"),
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        initial=Visibility.PRIVATE,
    )


@login_required
@require_http_methods(["GET", "POST"])
def journal(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_journal_read(viewer, couple)
    partner = is_partner_of(viewer, couple)
    if request.method == "POST":
        form = JournalForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                journal_entry_create(
                    viewer=viewer,
                    couple=couple,
                    kind=data["kind"],
                    visibility=data["visibility"],
                    body=data["body"],
                    prompt=data["prompt"],
                    audio=data["audio"] or None,
                )
            except ValidationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Saved to your journal."))
                return redirect("journal", couple.pk)
    else:
        kind = request.GET.get("kind")
        kind = kind if kind in DEFAULT_VISIBILITY else EntryKind.JOURNAL
        form = JournalForm(
            initial={"kind": kind, "visibility": DEFAULT_VISIBILITY[EntryKind(kind)]}
        )
    entries = journal_entries(viewer, couple)
    chosen = str(form["prompt"].value() or "")
    choices = [p.text for p in journal_prompts(couple, viewer.user)] if partner else []
    if chosen and chosen not in choices:  # a prompt from before, kept while they write
        choices.insert(0, chosen)
    me = viewer.user.pk
    context = {
        "couple": couple,
        "partner": partner,
        "form": form,
        "kind_choices": [
            (value, label, DEFAULT_VISIBILITY[EntryKind(value)])
            for value, label in form.fields["kind"].choices  # type: ignore[attr-defined]
        ],
        "chosen_prompt": chosen,
        "prompt_choices": choices,
        "mine": [e for e in entries if partner and e.author_id == me],
        "shared_with_me": [e for e in entries if partner and e.author_id != me],
        "shared_with_team": [] if partner else entries,
        "other_partner": next((p.user for p in couple.loaded_partners if p.user_id != me), None),
    }
    return render(request, "integration/journal.html", context, status=422 if form.errors else 200)


@login_required
@require_GET
def entry_audio(request: HttpRequest, couple_id: int, entry_id: int) -> HttpResponseBase:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    return entry_audio_response(viewer, couple, entry_id, request)
