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
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.lib.forms import errors_onto
from holdspace.policy import (
    Viewer,
    deny,
    get_couple_for,
    is_partner_of,
    organisation_for,
    require_care_team,
    viewer_from_request,
)
from holdspace.readings.models import Reading, Topic
from holdspace.readings.selectors import (
    assignable_readings,
    couple_readings,
    get_assignment_for,
    library_list,
)
from holdspace.readings.services import (
    LIBRARY_ROLES,
    MAX_BODY,
    MAX_NOTE,
    MAX_SUMMARY,
    MAX_TITLE,
    assignment_create,
    can_assign_readings,
    get_reading_for,
    reading_create,
    reading_open,
    reading_update,
    render_markdown,
    require_readings_view,
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


def _library_organisation(request: HttpRequest, viewer: Viewer, attempted: str) -> Organisation:
    """The library asked for (`?org=`) or the viewer's first: another organisation's does not
    exist for them (404); their own, without a staff role, is refused (403)."""
    requested = str(request.GET.get("org") or "").strip()
    if requested.isdigit() and viewer.role_in(int(requested)) is None:
        raise deny(viewer, what="reading library", object_id=requested, organisation_id=None)
    return organisation_for(
        viewer, requested, LIBRARY_ROLES, what="reading library", attempted=attempted
    )


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = _library_organisation(request, viewer, "see the reading library")
    return render(
        request,
        "readings/library.html",
        {"organisation": organisation, "readings": library_list(viewer, organisation)},
    )


def _previewing(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("action") == "preview"


def _reading_form(
    request: HttpRequest, form_class: type[ReadingForm], initial: dict[str, Any]
) -> tuple[ReadingForm, SafeString | None]:
    """The form as posted, bound to be saved; or, for a preview, filled in but not checked,
    with the text as it will look."""
    if _previewing(request):
        written = request.POST.dict()
        preview = render_markdown(written.get("body_markdown", "")[:MAX_BODY])
        return form_class(initial=written), preview
    return form_class(request.POST or None, initial=initial), None


def _save(request: HttpRequest, form: ReadingForm, save: Any) -> HttpResponse | None:
    if request.method != "POST" or _previewing(request) or not form.is_valid():
        return None
    try:
        save(form.cleaned_data)
    except ValidationError as exc:
        errors_onto(form, exc)
        return None
    messages.success(request, _("The reading was saved."))
    return redirect("reading_library")


@login_required
@require_http_methods(["GET", "POST"])
def reading_new(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = _library_organisation(request, viewer, "write the reading library")
    form, preview = _reading_form(request, ReadingForm, {"topic": Topic.PREPARING})
    done = _save(
        request,
        form,
        lambda data: reading_create(viewer=viewer, organisation=organisation, **data),
    )
    if done is not None:
        return done
    if preview is None and form.is_bound:
        preview = render_markdown(str(request.POST.get("body_markdown", ""))[:MAX_BODY])
    return render(
        request,
        "readings/edit.html",
        {"organisation": organisation, "form": form, "preview": preview, "reading": None},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reading_edit(request: HttpRequest, reading_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    reading = get_reading_for(viewer, reading_id)
    form, preview = _reading_form(
        request,
        EditForm,
        {
            "title": reading.title,
            "summary": reading.summary,
            "topic": reading.topic,
            "body_markdown": reading.body_markdown,
            "slug": reading.slug,
            "archived": reading.archived_at is not None,
        },
    )
    done = _save(
        request,
        form,
        lambda data: reading_update(viewer=viewer, reading=reading, **data),
    )
    if done is not None:
        return done
    if preview is None and form.is_bound:
        preview = render_markdown(str(request.POST.get("body_markdown", ""))[:MAX_BODY])
    return render(
        request,
        "readings/edit.html",
        {
            "organisation": reading.organisation,
            "form": form,
            "preview": preview if preview is not None else render_markdown(reading.body_markdown),
            "reading": reading,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def couple_readings_page(request: HttpRequest, couple_id: int) -> HttpResponse:
    """The care team assigns and sees who has read what; a partner sees their readings."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_readings_view(viewer, couple)
    partner = is_partner_of(viewer, couple)
    can_assign = can_assign_readings(viewer, couple)
    readings = assignable_readings(couple) if can_assign else []
    form = _assign_form(couple, readings, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require_care_team(viewer, couple, action="assign readings to")
        if form.is_valid():
            try:
                assignment_create(viewer=viewer, couple=couple, **form.cleaned_data)
            except ValidationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("The reading was assigned."))
                return redirect("couple_readings", couple.pk)
    views = couple_readings(viewer, couple)
    viewer.audit(
        Action.READING_LIST,
        organisation_id=couple.organisation_id,
        object_type="reading_assignment",
        couple_id=couple.pk,
        ids=[v.assignment.pk for v in views],
    )
    return render(
        request,
        "readings/couple.html",
        {
            "couple": couple,
            "views": views,
            "partner": partner,
            "can_assign": can_assign,
            "form": form,
            "has_readings": bool(readings),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_GET
def couple_reading_page(request: HttpRequest, couple_id: int, assignment_id: int) -> HttpResponse:
    """A reading as its partner reads it; opening it records the (first) read."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_readings_view(viewer, couple)
    assignment = get_assignment_for(viewer, couple, assignment_id)
    read = reading_open(viewer=viewer, couple=couple, assignment=assignment)
    return render(
        request,
        "readings/reading.html",
        {
            "couple": couple,
            "assignment": assignment,
            "reading": assignment.reading,
            "body": render_markdown(assignment.reading.body_markdown),
            "read": read,
            "partner": read is not None,
        },
    )
