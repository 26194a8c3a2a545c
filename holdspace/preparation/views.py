from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.bookings.services import BookingConflict
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.preparation import (
    get_preparation_session_for,
    preparation_facilitators,
    require_preparation_session_record,
)
from holdspace.preparation.forms import (
    FORMS,
    ClientDataForm,
    PreparationBookForm,
    PreparationCancelForm,
    PreparationHoldForm,
    PreparationSessionForm,
    field_for,
)
from holdspace.preparation.selectors import PartnerFormPage, partner_form_page
from holdspace.preparation.selectors import readiness_page as readiness_page_read
from holdspace.preparation.services import (
    partner_form_submit,
    preparation_session_cancel,
    preparation_session_hold,
    preparation_session_record,
    preparation_session_schedule,
)
from holdspace.screening.profiles import ClientData


@login_required
@require_GET
def readiness_page(request: HttpRequest, couple_id: int) -> HttpResponse:
    """Per partner, every requirement of the profile, done or missing, with links."""
    viewer = viewer_from_request(request)
    page = readiness_page_read(viewer=viewer, couple=get_couple_for(viewer, couple_id))
    return render(
        request,
        "preparation/readiness.html",
        {
            "couple": page.couple,
            "result": page.seen.result,
            "partners": page.seen.partners,
            "staff": page.seen.care_team,
            "sessions": page.sessions,
            "scheduled": page.scheduled,
            "session_signings": page.session_signings,
            "signatures": page.signatures,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_form(request: HttpRequest, couple_id: int, partner_id: int, kind: str) -> HttpResponse:
    """One preparation form for one partner: theirs to complete, or the care team's with them."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    page = partner_form_page(viewer=viewer, couple=couple, partner_id=partner_id, kind=kind)
    if page.required is not None and page.required.signed:
        return redirect("signature_sign", couple.pk, partner_id, kind)
    if page.client_data is not None:
        return _client_data_form(request, page, page.client_data)
    previous = page.previous.data if page.previous else None
    form = FORMS[kind](request.POST or None, initial=previous)
    if request.method == "POST" and form.is_valid():
        try:
            partner_form_submit(
                viewer=viewer, couple=couple, partner_id=partner_id, kind=kind, data=request.POST
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("readiness", couple.pk)
    return render(
        request,
        "preparation/form.html",
        {**vars(page), "form": form},
        status=422 if request.method == "POST" else 200,
    )


def _client_data_form(
    request: HttpRequest, page: PartnerFormPage, client_data: ClientData
) -> HttpResponse:
    """The coded client data form (Oregon's 303): what is on record, read as its labels, and
    the form to answer it (again), through the same body and check as the API."""
    previous = page.previous.data if page.previous else None
    form = ClientDataForm(
        request.POST or None,
        client_data=client_data,
        initial=ClientDataForm.initial_from(previous),
    )
    if request.method == "POST" and form.is_valid():
        try:
            partner_form_submit(
                viewer=viewer_from_request(request),
                couple=page.couple,
                partner_id=page.partner.user_id,
                kind=page.kind,
                data=form.body(),
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error(field_for(field, form.fields), problems)
        else:
            messages.success(request, _("Saved."))
            return redirect("partner_form", page.couple.pk, page.partner.user_id, page.kind)
    return render(
        request,
        "preparation/client_data.html",
        {**vars(page), "form": form},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def preparation_session_new(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_preparation_session_record(viewer, couple)
    form = PreparationSessionForm(
        request.POST or None,
        initial={
            "facilitator": viewer.user.pk,
            "kind": request.GET.get("kind", "private"),
            "partner": request.GET.get("partner"),
        },
    )
    form.fields["partner"].choices = [("", "—")] + [  # type: ignore[attr-defined]
        (p.user_id, p.user.display_name) for p in couple.loaded_partners
    ]
    form.fields["facilitator"].choices = preparation_facilitators(couple)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            preparation_session_record(
                viewer=viewer,
                couple=couple,
                kind=form.cleaned_data["kind"],
                partner_id=form.cleaned_data["partner"] or None,
                held_at=form.cleaned_data["held_at"],
                facilitator_id=form.cleaned_data["facilitator"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The preparation session was recorded."))
            return redirect("readiness", couple.pk)
    return render(
        request,
        "preparation/session_new.html",
        {"couple": couple, "form": form},
        status=422 if request.method == "POST" else 200,
    )


# Booked ahead on the calendar, then held or cancelled -----------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preparation_session_book(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_preparation_session_record(viewer, couple)
    form = PreparationBookForm(
        request.POST or None,
        initial={"facilitator": viewer.user.pk, "kind": request.GET.get("kind", "private")},
    )
    form.fields["partner"].choices = [("", "—")] + [  # type: ignore[attr-defined]
        (p.user_id, p.user.display_name) for p in couple.loaded_partners
    ]
    form.fields["facilitator"].choices = preparation_facilitators(couple)  # type: ignore[attr-defined]
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            preparation_session_schedule(
                viewer=viewer,
                couple=couple,
                kind=data["kind"],
                partner_id=data["partner"] or None,
                starts_at=data["starts_at"],
                ends_at=_until(data["starts_at"], data["ends_at"]),
                facilitator_id=data["facilitator"],
                room=data["room"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        except BookingConflict as exc:
            status = 409
            errors_onto(form, exc.as_validation_error(facilitators="facilitator"))
        else:
            messages.success(request, _("The preparation session is booked."))
            return redirect("readiness", couple.pk)
    return render(
        request, "preparation/session_book.html", {"couple": couple, "form": form}, status=status
    )


def _until(at: dt.datetime, ends: dt.time | None) -> dt.datetime | None:
    """The end typed as a time of the start's day (the organisation's), or none."""
    if ends is None:
        return None
    return timezone.make_aware(dt.datetime.combine(timezone.localtime(at).date(), ends))


@login_required
@post_only
def preparation_session_held(request: HttpRequest, couple_id: int, session_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    session = get_preparation_session_for(viewer, couple, session_id)
    form = PreparationHoldForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        preparation_session_hold(
            viewer=viewer, couple=couple, session=session, notes=form.cleaned_data["notes"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, _("The preparation session is recorded as held."))
    return redirect("readiness", couple.pk)


@login_required
@post_only
def preparation_session_cancelled(
    request: HttpRequest, couple_id: int, session_id: int
) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    session = get_preparation_session_for(viewer, couple, session_id)
    form = PreparationCancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        preparation_session_cancel(viewer=viewer, couple=couple, session=session, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, _("The preparation session is cancelled."))
    return redirect("readiness", couple.pk)
