"""The commitments page and the integration page, each action at a URL of its own.

A refused action renders its page again with the errors beside the form that was sent, and
what was typed kept (422)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from holdspace.bookings.services import BookingConflict
from holdspace.couples.models import Couple
from holdspace.integration.forms import (
    CommitmentForm,
    IntegrationSessionForm,
    OfferForm,
    ScheduleForm,
    revise_prefix,
)
from holdspace.integration.models import MAX_NOTES, MAX_TEXT, CheckInStatus
from holdspace.integration.selectors import (
    CommitmentView,
    commitments_page,
    ended_medicine_sessions,
    integration_page,
)
from holdspace.integration.services import (
    checkin_record,
    commitment_create,
    commitment_revise,
    follow_up_done,
    integration_offer_record,
    integration_session_close,
    integration_session_record,
    integration_session_schedule,
)
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.integration import (
    get_commitment_for,
    get_follow_up_for,
    get_integration_session_for,
    require_integration_record,
)


def _problems(exc: ValidationError) -> str:
    return " ".join(m for ms in exc.message_dict.values() for m in ms)


# Commitments -------------------------------------------------------------------------------


def _revise_form(couple: Couple, view: CommitmentView) -> CommitmentForm:
    """The Revise form of one commitment, filled with its current wording."""
    current = view.current
    return CommitmentForm(
        couple,
        initial={
            "description": current.description,
            "who": str(current.partner_id) if current.partner_id else "both",
            "cadence": current.cadence,
            "starts_on": current.starts_on,
        },
        prefix=revise_prefix(view.commitment.pk),
    )


def _commitments(
    request: HttpRequest,
    viewer: Viewer,
    couple: Couple,
    *,
    add: CommitmentForm | None = None,
    revised: tuple[int, CommitmentForm] | None = None,
) -> HttpResponse:
    """The page, with ADD or a REVISED commitment's form as they were sent when refused."""
    page = commitments_page(viewer, couple)
    rows = [
        (v, revised[1] if revised and revised[0] == v.commitment.pk else _revise_form(couple, v))
        for v in page.commitments
    ]
    context = {
        "couple": couple,
        "rows": rows,
        "form": add or CommitmentForm(couple),
        "partner": page.partner,
        "max_text": MAX_TEXT,
    }
    refused = add is not None or revised is not None
    return render(request, "integration/commitments.html", context, status=422 if refused else 200)


@login_required
@require_GET
def commitments(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    return _commitments(request, viewer, get_couple_for(viewer, couple_id))


@login_required
@post_only
def commitment_add(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    form = CommitmentForm(couple, request.POST)
    if form.is_valid():
        try:
            commitment_create(viewer=viewer, couple=couple, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The commitment was added."))
            return redirect("commitments", couple.pk)
    return _commitments(request, viewer, couple, add=form)


@login_required
@post_only
def commitment_revision(request: HttpRequest, couple_id: int, commitment_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    commitment = get_commitment_for(viewer, couple, commitment_id)
    form = CommitmentForm(couple, request.POST, prefix=revise_prefix(commitment.pk))
    if form.is_valid():
        try:
            commitment_revise(
                viewer=viewer, couple=couple, commitment=commitment, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The commitment was revised; the earlier wording is kept."))
            return redirect("commitments", couple.pk)
    return _commitments(request, viewer, couple, revised=(commitment.pk, form))


@login_required
@post_only
def checkin(request: HttpRequest, couple_id: int, commitment_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    commitment = get_commitment_for(viewer, couple, commitment_id)
    status = str(request.POST.get("status", ""))
    try:
        checkin_record(
            viewer=viewer,
            couple=couple,
            commitment=commitment,
            status=status,
            note=str(request.POST.get("note", "")),
        )
    except ValidationError as exc:
        messages.error(request, _problems(exc))
    else:
        messages.success(
            request,
            _("Checked in: done.")
            if status == CheckInStatus.DONE
            else _("Checked in: missed this time."),
        )
    return redirect("commitments", couple.pk)


# The integration page ----------------------------------------------------------------------


@dataclass
class _Sent:
    """The integration page's forms, any of them as sent when refused."""

    offer: OfferForm | None = None
    held: IntegrationSessionForm | None = None
    plan: ScheduleForm | None = None
    closing: dict[str, Any] | None = None  # a refused "held"/"cancel", as it was typed
    problems: list[str] = field(default_factory=list)  # shown above the page

    @property
    def refused(self) -> bool:
        sent = (self.offer, self.held, self.plan, self.closing)
        return any(form is not None for form in sent) or bool(self.problems)


def _integration(
    request: HttpRequest, viewer: Viewer, couple: Couple, sent: _Sent | None = None
) -> HttpResponse:
    sent = sent or _Sent()
    page = integration_page(viewer, couple)
    closing = sent.closing
    problems = list(sent.problems)
    if closing and not any(s.pk == closing["pk"] for s in page.planned):
        # No longer on the schedule (held or cancelled meanwhile): its form is gone.
        problems.append(_problems(ValidationError(closing["errors"])))
    for problem in problems:
        messages.error(request, problem)
    facilitator = {"facilitator": viewer.user.pk}
    context = {
        "couple": couple,
        "staff": page.staff,
        "sessions": page.sessions,
        "held": page.held,
        "planned": [
            (s, closing if closing and closing["pk"] == s.pk else None) for s in page.planned
        ],
        "follow_ups": page.follow_ups,
        "offer_form": sent.offer or OfferForm(page.ended),
        "held_form": sent.held or IntegrationSessionForm(couple, initial=facilitator),
        "plan_form": sent.plan or ScheduleForm(couple, initial=facilitator),
        "max_text": MAX_TEXT,
        "max_notes": MAX_NOTES,
    }
    return render(
        request, "integration/integration.html", context, status=422 if sent.refused else 200
    )


def _care_team_couple(request: HttpRequest, couple_id: int) -> tuple[Viewer, Couple]:
    """The viewer and the couple of a write on the integration page: the care team's alone,
    refused (403) for anyone else before the input is looked at."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_integration_record(viewer, couple)
    return viewer, couple


@login_required
@require_GET
def integration(request: HttpRequest, couple_id: int) -> HttpResponse:
    """For the care team: the integration offer after each session, integration sessions and
    the follow-up contacts due. Partners see the sessions held and what they carry forward."""
    viewer = viewer_from_request(request)
    return _integration(request, viewer, get_couple_for(viewer, couple_id))


@login_required
@post_only
def offer_record(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer, couple = _care_team_couple(request, couple_id)
    form = OfferForm(ended_medicine_sessions(couple), request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            integration_offer_record(
                viewer=viewer,
                couple=couple,
                session=form.sessions[data["session"]],
                answer=data["answer"],
                note=data["note"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The offer and the answer were recorded."))
            return redirect("integration", couple.pk)
    return _integration(request, viewer, couple, _Sent(offer=form))


@login_required
@post_only
def session_record(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer, couple = _care_team_couple(request, couple_id)
    form = IntegrationSessionForm(couple, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ended = ended_medicine_sessions(couple)
        try:
            integration_session_record(
                viewer=viewer,
                couple=couple,
                held_at=data["held_at"],
                facilitator_id=data["facilitator"],
                partner_id=data["partner"],
                medicine_session=ended[0] if ended else None,
                notes=data["notes"],
                carry_forward=data["carry_forward"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The integration session was recorded."))
            return redirect("integration", couple.pk)
    return _integration(request, viewer, couple, _Sent(held=form))


@login_required
@post_only
def session_schedule(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer, couple = _care_team_couple(request, couple_id)
    form = ScheduleForm(couple, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            integration_session_schedule(
                viewer=viewer,
                couple=couple,
                at=data["at"],
                facilitator_id=data["facilitator"],
                partner_id=data["partner"],
                ends_at=_until(data["at"], data["ends_at"]),
                room=data["room"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        except BookingConflict as exc:
            errors_onto(form, exc.as_validation_error(facilitators="facilitator"))
        else:
            messages.success(
                request, _("Scheduled: the partners see it and are reminded the day before.")
            )
            return redirect("integration", couple.pk)
    return _integration(request, viewer, couple, _Sent(plan=form))


def _until(at: dt.datetime, ends: dt.time | None) -> dt.datetime | None:
    """The end typed as a time of the start's day (the organisation's), or none."""
    if ends is None:
        return None
    return timezone.make_aware(dt.datetime.combine(timezone.localtime(at).date(), ends))


def _close(request: HttpRequest, couple_id: int, session_id: int, *, held: bool) -> HttpResponse:
    viewer, couple = _care_team_couple(request, couple_id)
    planned = get_integration_session_for(viewer, couple, session_id)
    notes = str(request.POST.get("notes", ""))
    carry_forward = str(request.POST.get("carry_forward", ""))
    try:
        integration_session_close(
            viewer=viewer,
            couple=couple,
            planned=planned,
            held=held,
            notes=notes,
            carry_forward=carry_forward,
        )
    except ValidationError as exc:
        typed = {"pk": planned.pk, "notes": notes, "carry_forward": carry_forward}
        return _integration(
            request, viewer, couple, _Sent(closing={**typed, "errors": exc.message_dict})
        )
    messages.success(
        request, _("The session was recorded.") if held else _("The session was cancelled.")
    )
    return redirect("integration", couple.pk)


@login_required
@post_only
def session_held(request: HttpRequest, couple_id: int, session_id: int) -> HttpResponse:
    return _close(request, couple_id, session_id, held=True)


@login_required
@post_only
def session_cancel(request: HttpRequest, couple_id: int, session_id: int) -> HttpResponse:
    return _close(request, couple_id, session_id, held=False)


@login_required
@post_only
def follow_up_record(request: HttpRequest, couple_id: int, contact_id: int) -> HttpResponse:
    viewer, couple = _care_team_couple(request, couple_id)
    contact = get_follow_up_for(viewer, couple, contact_id)
    try:
        follow_up_done(
            viewer=viewer, couple=couple, contact=contact, note=str(request.POST.get("note", ""))
        )
    except ValidationError as exc:
        return _integration(request, viewer, couple, _Sent(problems=[_problems(exc)]))
    messages.success(request, _("The contact was recorded."))
    return redirect("integration", couple.pk)
