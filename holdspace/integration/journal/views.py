"""The journal page (a partner's journal, or the entries shared with the care team) and the
voice note of an entry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.couples.forms import WriteForm
from holdspace.couples.models import Couple
from holdspace.couples.services import entry_create
from holdspace.integration.journal.forms import JournalForm
from holdspace.integration.journal.selectors import JournalPage, journal_page, voice_note
from holdspace.lib.forms import errors_onto
from holdspace.lib.ranges import ranged_file_response
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.entries import can_write_entries, require_entry_write


@login_required
@require_http_methods(["GET", "POST"])
def journal(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    if request.method == "GET":
        if can_write_entries(viewer, couple):  # a partner: their portal's Journal section
            write = WriteForm.blank(stage=couple.stage, kind=request.GET.get("kind"))
            return render_write(request, journal_page(viewer, couple), write)
        return _page(request, viewer, couple, JournalForm.blank(request.GET.get("kind")))
    require_entry_write(viewer, couple)
    form = JournalForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            entry_create(viewer=viewer, couple=couple, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Saved to your journal."))
            return redirect("journal", couple.pk)
    return _page(request, viewer, couple, form)


def render_write(
    request: HttpRequest, page: JournalPage, form: WriteForm, *, status: int = 200
) -> HttpResponse:
    """The portal's Journal section: a partner's entries and the one Write form (blank, or
    refused with what was typed)."""
    context = {
        "couple": page.couple,
        "page": page,
        "section": "journal",
        **form.context([p.text for p in page.prompts]),
    }
    return render(request, "couples/portal_journal.html", context, status=status)


def _page(request: HttpRequest, viewer: Viewer, couple: Couple, form: JournalForm) -> HttpResponse:
    page = journal_page(viewer, couple)
    chosen = str(form["prompt"].value() or "")
    choices = [p.text for p in page.prompts]
    if chosen and chosen not in choices:  # a prompt from before, kept while they write
        choices.insert(0, chosen)
    context = {
        "couple": couple,
        "page": page,
        "partner": page.writer,
        "form": form,
        "kind_choices": form.kind_choices(),
        "chosen_prompt": chosen,
        "prompt_choices": choices if page.writer else [],
    }
    return render(request, "integration/journal.html", context, status=422 if form.errors else 200)


@login_required
@require_GET
def entry_audio(request: HttpRequest, couple_id: int, entry_id: int) -> HttpResponseBase:
    viewer = viewer_from_request(request)
    range_header = str(request.headers.get("Range", ""))
    note = voice_note(
        viewer, get_couple_for(viewer, couple_id), entry_id, range_header=range_header
    )
    return ranged_file_response(
        note.file, size=note.size, content_type=note.content_type, range_header=range_header
    )
