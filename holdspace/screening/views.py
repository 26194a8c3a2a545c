from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.couples.models import Couple
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import Viewer, require_partner_record_write, viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.screening import (
    can_override_screening,
    can_see_screening_findings,
    require_screening_override,
    screening_queue_organisation,
)
from holdspace.screening.forms import OverrideForm, ScreeningForm
from holdspace.screening.models import TALK_IT_THROUGH, Decision, Screening
from holdspace.screening.profiles import get_profile
from holdspace.screening.selectors import (
    screening_answered_last,
    screening_page,
    screening_read,
    screenings_awaiting_decision,
)
from holdspace.screening.services import screening_override, screening_submit


@login_required
@require_http_methods(["GET", "POST"])
def screening_form(request: HttpRequest, couple_id: int, partner_id: int) -> HttpResponse:
    """A partner's intake: by the partner in the portal, or by the care team with them."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_partner_record_write(viewer, couple, partner_id, action="screen")
    partner = next(p for p in couple.loaded_partners if p.user_id == partner_id)
    profile = get_profile(couple.organisation.profile)
    last = (
        screening_answered_last(viewer=viewer, couple=couple, partner_id=partner_id)
        if request.method == "GET"
        else None
    )
    form = ScreeningForm(
        request.POST or None, profile=profile, initial=ScreeningForm.initial_from(last, profile)
    )
    if request.method == "POST" and form.is_valid():
        try:
            screening = screening_submit(
                viewer=viewer,
                couple=couple,
                partner_id=partner_id,
                substance=form.cleaned_data["substance"],
                conditions=form.cleaned_data["conditions"],
                medications=form.medication_list(),
                answers=form.answers(),
                substances_used=form.cleaned_data["substances_used"],
                support_notes=form.cleaned_data["support_notes"],
                date_of_birth=form.cleaned_data["date_of_birth"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            if can_see_screening_findings(viewer, couple):
                return redirect("screening_detail", couple.pk, screening.pk)
            return render(
                request,
                "screening/done.html",
                {
                    "couple": couple,
                    "alerts": screening.alerts.exists(),
                    "talk_first": screening.decision != Decision.ELIGIBLE,
                    "talk_it_through": TALK_IT_THROUGH,
                },
            )
    return render(
        request,
        "screening/form.html",
        {
            "couple": couple,
            "partner": partner,
            "form": form,
            "profile": profile,
            "with_partner": viewer.user.pk != partner_id,
            "last": last,
            "questions": [form[name] for name in form.question_fields["client_information"]],
            "support": [form[name] for name in form.question_fields["support_needs"]],
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def screening_detail(request: HttpRequest, couple_id: int, screening_id: int) -> HttpResponse:
    """One screening with its findings and sources, and a clinical lead's decision form."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    screening = screening_read(viewer=viewer, couple=couple, screening_id=screening_id)
    return _detail(request, viewer, couple, screening, OverrideForm(), status=200)


@login_required
@post_only
def screening_override_post(
    request: HttpRequest, couple_id: int, screening_id: int
) -> HttpResponse:
    """A clinical lead replaces the engine's decision, with a written reason."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    screening = screening_read(viewer=viewer, couple=couple, screening_id=screening_id)
    require_screening_override(viewer, screening)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            screening_override(
                viewer=viewer,
                screening=screening,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("screening_detail", couple.pk, screening.pk)
    return _detail(request, viewer, couple, screening, form, status=422)


def _detail(
    request: HttpRequest,
    viewer: Viewer,
    couple: Couple,
    screening: Screening,
    form: OverrideForm,
    *,
    status: int,
) -> HttpResponse:
    return render(
        request,
        "screening/detail.html",
        {
            **vars(screening_page(viewer=viewer, couple=couple, screening=screening)),
            "can_override": can_override_screening(viewer, couple),
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
def screening_queue(request: HttpRequest) -> HttpResponse:
    """Screenings that need a clinical lead's decision, oldest first: the lead's queue (a
    facilitator sees their own couples' to prepare the conversation)."""
    viewer = viewer_from_request(request)
    organisation = screening_queue_organisation(viewer, request.GET.get("org"))
    return render(
        request,
        "screening/queue.html",
        {
            "organisation": organisation,
            "screenings": screenings_awaiting_decision(
                viewer=viewer, organisation_id=organisation.pk
            ),
        },
    )
