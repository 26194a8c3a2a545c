"""The library (staff), a couple's readings (care team and partners), and a reading page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.readings import (
    get_reading_for,
    library_organisation_for,
    require_reading_assign,
)
from holdspace.readings.models import Reading, Topic
from holdspace.readings.selectors import (
    CoupleReadingsPage,
    assignable_readings,
    couple_readings_page,
    library_list,
    reading_page,
)
from holdspace.readings.services import (
    MAX_BODY,
    MAX_NOTE,
    MAX_SUMMARY,
    MAX_TITLE,
    assignment_create,
    reading_create,
    reading_open,
    reading_update,
    render_markdown,
)


class ReadingForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE)
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=MAX_SUMMARY,
        required=False,
        help_text=gettext_lazy("One sentence shown in lists."),
    )
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=Topic.choices)
    body_markdown = forms.CharField(
        label=gettext_lazy("Text (Markdown)"),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 22, "class": "markdown"}),
        help_text=gettext_lazy(
            "## for a heading, - for a list item, *emphasis*, **strong**, > for a quotation, "
            "[words](https://…) for a link."
        ),
    )
    slug = forms.CharField(
        label=gettext_lazy("Short name"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Letters, digits and hyphens; made from the title when empty."),
    )


class EditForm(ReadingForm):
    archived = forms.BooleanField(
        label=gettext_lazy("Archived — no longer offered for assignment"), required=False
    )


class AssignForm(forms.Form):
    reading_id = forms.ChoiceField(label=gettext_lazy("Reading"))
    partner_id = forms.ChoiceField(label=gettext_lazy("For"), required=False)
    note = forms.CharField(
        label=gettext_lazy("A note for them (optional)"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _assign_form(couple: Couple, readings: list[Reading], data: Any = None) -> AssignForm:
    form = AssignForm(data)
    form.fields["reading_id"].choices = [("", _("Choose a reading…"))] + [  # type: ignore[attr-defined]
        (str(r.pk), f"{r.title} · {r.get_topic_display()}") for r in readings
    ]
    form.fields["partner_id"].choices = [("", _("Both partners"))] + [  # type: ignore[attr-defined]
        (str(p.user_id), _("%(name)s only") % {"name": p.user.display_name})
        for p in couple.loaded_partners
    ]
    return form


def _library(request: HttpRequest, attempted: str) -> Organisation:
    """The library asked for (`?org=`) or the viewer's first (the policy decides)."""
    viewer = viewer_from_request(request)
    return library_organisation_for(viewer, request.GET.get("org"), attempted=attempted)


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    organisation = _library(request, "see the reading library")
    readings = library_list(viewer_from_request(request), organisation)
    return render(
        request, "readings/library.html", {"organisation": organisation, "readings": readings}
    )


def _editor(
    request: HttpRequest,
    organisation: Organisation,
    form: ReadingForm,
    *,
    reading: Reading | None = None,
    preview: SafeString | None = None,
) -> HttpResponse:
    """The editor with FORM as typed and the text as partners will see it (422 when refused)."""
    if preview is None and form.is_bound:
        preview = render_markdown(str(form.data.get("body_markdown", ""))[:MAX_BODY])
    if preview is None and reading is not None:
        preview = render_markdown(reading.body_markdown)
    return render(
        request,
        "readings/edit.html",
        {"organisation": organisation, "form": form, "preview": preview, "reading": reading},
        status=422 if form.errors else 200,
    )


def _preview(form_class: type[ReadingForm], request: HttpRequest) -> tuple[ReadingForm, SafeString]:
    """The form filled in as typed but not checked, and the text as it will look."""
    written = request.POST.dict()
    return form_class(initial=written), render_markdown(written.get("body_markdown", "")[:MAX_BODY])


def _initial(reading: Reading) -> dict[str, Any]:
    return {
        "title": reading.title,
        "summary": reading.summary,
        "topic": reading.topic,
        "body_markdown": reading.body_markdown,
        "slug": reading.slug,
        "archived": reading.archived_at is not None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def reading_new(request: HttpRequest) -> HttpResponse:
    organisation = _library(request, "write the reading library")
    form = ReadingForm(request.POST or None, initial={"topic": Topic.PREPARING})
    if form.is_bound and form.is_valid():
        viewer = viewer_from_request(request)
        try:
            reading_create(viewer=viewer, organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The reading was saved."))
            return redirect("reading_library")
    return _editor(request, organisation, form)


@login_required
@post_only
def reading_new_preview(request: HttpRequest) -> HttpResponse:
    organisation = _library(request, "write the reading library")
    form, preview = _preview(ReadingForm, request)
    return _editor(request, organisation, form, preview=preview)


@login_required
@require_http_methods(["GET", "POST"])
def reading_edit(request: HttpRequest, reading_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    reading = get_reading_for(viewer, reading_id)
    form = EditForm(request.POST or None, initial=_initial(reading))
    if form.is_bound and form.is_valid():
        try:
            reading_update(viewer=viewer, reading=reading, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The reading was saved."))
            return redirect("reading_library")
    return _editor(request, reading.organisation, form, reading=reading)


@login_required
@post_only
def reading_edit_preview(request: HttpRequest, reading_id: int) -> HttpResponse:
    reading = get_reading_for(viewer_from_request(request), reading_id)
    form, preview = _preview(EditForm, request)
    return _editor(request, reading.organisation, form, reading=reading, preview=preview)


def _couple_page(
    request: HttpRequest, page: CoupleReadingsPage, form: AssignForm | None = None
) -> HttpResponse:
    readings = page.assignable or []
    form = form or _assign_form(page.couple, readings)
    return render(
        request,
        "readings/couple.html",
        {
            "couple": page.couple,
            "views": page.views,
            "partner": page.partner,
            "can_assign": page.assignable is not None,
            "form": form,
            "has_readings": bool(readings),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
def couple_readings(request: HttpRequest, couple_id: int) -> HttpResponse:
    """The care team sees who has read what and assigns; a partner sees their readings."""
    page = couple_readings_page(viewer=viewer_from_request(request), couple_id=couple_id)
    return _couple_page(request, page)


@login_required
@post_only
def reading_assign(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_reading_assign(viewer, couple)  # refused (403) before the form is read
    form = _assign_form(couple, assignable_readings(couple), request.POST)
    if form.is_valid():
        try:
            assignment_create(viewer=viewer, couple=couple, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The reading was assigned."))
            return redirect("couple_readings", couple.pk)
    return _couple_page(request, couple_readings_page(viewer=viewer, couple_id=couple_id), form)


@login_required
@require_GET
def couple_reading_page(request: HttpRequest, couple_id: int, assignment_id: int) -> HttpResponse:
    """A reading as its partner reads it; opening it records the (first) read."""
    viewer = viewer_from_request(request)
    page = reading_page(viewer=viewer, couple_id=couple_id, assignment_id=assignment_id)
    read = reading_open(viewer=viewer, couple=page.couple, assignment=page.assignment)
    return render(
        request,
        "readings/reading.html",
        {
            "couple": page.couple,
            "assignment": page.assignment,
            "reading": page.assignment.reading,
            "body": render_markdown(page.assignment.reading.body_markdown),
            "read": read,
            "partner": page.partner,
        },
    )
