"""Commitments: the couple's list with adherence, adding and revising, and check-ins."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.audit.actions import Action
from holdspace.integration.models import Cadence, CheckIn, Commitment
from holdspace.integration.selectors import CommitmentView, couple_commitments
from holdspace.integration.services import checkin_record, commitment_create, commitment_revise
from holdspace.lib import when
from holdspace.lib.forms import errors_onto
from holdspace.policy import (
    get_couple_for,
    is_care_team_of,
    is_partner_of,
    refuse,
    require_couple_people,
    viewer_from_request,
)


class CommitmentForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What we commit to"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("For example: a 20-minute check-in, phones away."),
    )
    who = forms.ChoiceField(label=gettext_lazy("Who keeps it"))
    cadence = forms.ChoiceField(label=gettext_lazy("How often"), choices=Cadence.choices)
    starts_on = forms.DateField(
        label=gettext_lazy("Starting"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _form(couple, data=None, initial=None, prefix=None) -> CommitmentForm:  # type: ignore[no-untyped-def]
    form = CommitmentForm(data, initial=initial, prefix=prefix)
    form.fields["who"].choices = [("both", _("Both of us"))] + [  # type: ignore[attr-defined]
        (str(p.user_id), p.user.display_name) for p in couple.loaded_partners
    ]
    return form


def _revise_form(couple, view: CommitmentView) -> CommitmentForm:  # type: ignore[no-untyped-def]
    """The Revise form of one commitment, filled with its current wording."""
    current = view.current
    return _form(
        couple,
        initial={
            "description": current.description,
            "who": str(current.partner_id) if current.partner_id else "both",
            "cadence": current.cadence,
            "starts_on": current.starts_on,
        },
        prefix=f"r{view.commitment.pk}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitments(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_couple_people(viewer, couple, action="see the commitments of")
    partner = is_partner_of(viewer, couple)
    form = _form(couple, request.POST if request.POST.get("action") == "add" else None)
    # A refused revision comes back in its own Revise section, with what was typed.
    refused: tuple[int, CommitmentForm] | None = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add" and form.is_valid():
                commitment_create(viewer=viewer, couple=couple, **form.cleaned_data)
                messages.success(request, _("The commitment was added."))
                return redirect("commitments", couple.pk)
            if action == "revise":
                raw = str(request.POST.get("commitment", ""))
                found = (
                    Commitment.objects.filter(couple=couple, pk=int(raw)).first()
                    if raw.isdigit()
                    else None
                )
                if found is None:
                    raise Http404("No such commitment")
                revise = _form(couple, request.POST, prefix=f"r{found.pk}")
                refused = (found.pk, revise)
                if revise.is_valid():
                    try:
                        commitment_revise(
                            viewer=viewer, couple=couple, commitment=found, **revise.cleaned_data
                        )
                    except ValidationError as exc:
                        errors_onto(revise, exc)
                    else:
                        messages.success(
                            request, _("The commitment was revised; the earlier wording is kept.")
                        )
                        return redirect("commitments", couple.pk)
        except ValidationError as exc:
            errors_onto(form, exc)
    views = couple_commitments(couple, viewer_id=viewer.user.pk if partner else None)
    viewer.audit(
        Action.COMMITMENT_LIST,
        organisation_id=couple.organisation_id,
        object_type="commitment",
        couple_id=couple.pk,
    )
    rows = [
        (
            v,
            refused[1] if refused and refused[0] == v.commitment.pk else _revise_form(couple, v),
        )
        for v in views
    ]
    return render(
        request,
        "integration/commitments.html",
        {
            "couple": couple,
            "rows": rows,
            "form": form,
            "partner": partner,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def checkin(request: HttpRequest, couple_id: int, commitment_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    commitment = Commitment.objects.filter(couple=couple, pk=commitment_id).first()
    if commitment is None:
        raise Http404("No such commitment")
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
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(
            request,
            _("Checked in: done.")
            if status == CheckIn.DONE
            else _("Checked in: missed this time."),
        )
    return redirect("commitments", couple.pk)


# After the session: the offer, integration sessions, follow-up contacts ----------------------


class OfferForm(forms.Form):
    session = forms.TypedChoiceField(label=gettext_lazy("After the session of"), coerce=int)
    answer = forms.ChoiceField(
        label=gettext_lazy("Their answer"),
        choices=[
            ("accepted", gettext_lazy("Accepted")),
            ("declined", gettext_lazy("Declined")),
            ("undecided", gettext_lazy("Not decided yet")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=4000)


class IntegrationSessionForm(forms.Form):
    held_at = forms.DateTimeField(
        label=gettext_lazy("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    partner = forms.TypedChoiceField(
        label=gettext_lazy("With"), coerce=int, required=False, empty_value=None
    )
    facilitator = forms.TypedChoiceField(label=gettext_lazy("Facilitator"), coerce=int)
    notes = forms.CharField(
        label=gettext_lazy("Notes (care team only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    carry_forward = forms.CharField(
        label=gettext_lazy("What the couple chose to carry forward (they see this)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=gettext_lazy("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    partner = forms.TypedChoiceField(
        label=gettext_lazy("With"), coerce=int, required=False, empty_value=None
    )
    facilitator = forms.TypedChoiceField(label=gettext_lazy("Facilitator"), coerce=int)


@login_required
@require_http_methods(["GET", "POST"])
def integration(request: HttpRequest, couple_id: int) -> HttpResponse:
    """For the care team: the integration offer after each session, integration sessions and
    the follow-up contacts due. Partners see the sessions held and what they carry forward."""
    from holdspace.integration.models import (
        FollowUpContact,
        IntegrationOffer,
        IntegrationSession,
        IntegrationSessionStatus,
    )
    from holdspace.integration.services import (
        follow_up_done,
        integration_offer_record,
        integration_session_close,
        integration_session_record,
        integration_session_schedule,
    )
    from holdspace.sessions.models import MedicineSession

    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_couple_people(viewer, couple, action="see the integration of")
    staff = is_care_team_of(viewer, couple)
    sessions = list(
        MedicineSession.objects.filter(couple=couple, status__in=["ended", "closed"]).order_by(
            "-starts_at"
        )
    )
    offer_form = OfferForm(request.POST if request.POST.get("action") == "offer" else None)
    offer_form.fields["session"].choices = [  # type: ignore[attr-defined]
        (s.pk, when.day(s.starts_at)) for s in sessions
    ]
    held_form = IntegrationSessionForm(
        request.POST if request.POST.get("action") == "session" else None,
        initial={"facilitator": viewer.user.pk},
    )
    held_form.fields["partner"].choices = [("", _("Both partners"))] + [  # type: ignore[attr-defined]
        (p.user_id, p.user.display_name) for p in couple.loaded_partners
    ]
    held_form.fields["facilitator"].choices = [  # type: ignore[attr-defined]
        (m.user_id, m.user.display_name) for m in couple.loaded_care_team
    ]
    plan_form = ScheduleForm(
        request.POST if request.POST.get("action") == "schedule" else None,
        initial={"facilitator": viewer.user.pk},
    )
    plan_form.fields["partner"].choices = held_form.fields["partner"].choices  # type: ignore[attr-defined]
    plan_form.fields["facilitator"].choices = held_form.fields["facilitator"].choices  # type: ignore[attr-defined]
    if request.method == "POST" and not staff:
        raise refuse(
            viewer,
            action="record the integration of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    closing: dict[str, Any] | None = None  # a refused "held"/"cancel", as it was typed
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "offer" and offer_form.is_valid():
                chosen = next(s for s in sessions if s.pk == offer_form.cleaned_data["session"])
                integration_offer_record(
                    viewer=viewer,
                    couple=couple,
                    session=chosen,
                    answer=offer_form.cleaned_data["answer"],
                    note=offer_form.cleaned_data["note"],
                )
                messages.success(request, _("The offer and the answer were recorded."))
                return redirect("integration", couple.pk)
            if action == "session" and held_form.is_valid():
                data = held_form.cleaned_data
                integration_session_record(
                    viewer=viewer,
                    couple=couple,
                    held_at=data["held_at"],
                    facilitator_id=data["facilitator"],
                    partner_id=data["partner"],
                    medicine_session=sessions[0] if sessions else None,
                    notes=data["notes"],
                    carry_forward=data["carry_forward"],
                )
                messages.success(request, _("The integration session was recorded."))
                return redirect("integration", couple.pk)
            if action == "schedule" and plan_form.is_valid():
                data = plan_form.cleaned_data
                integration_session_schedule(
                    viewer=viewer,
                    couple=couple,
                    at=data["at"],
                    facilitator_id=data["facilitator"],
                    partner_id=data["partner"],
                )
                messages.success(
                    request, _("Scheduled: the partners see it and are reminded the day before.")
                )
                return redirect("integration", couple.pk)
            if action in {"held", "cancel"}:
                raw = str(request.POST.get("session", ""))
                planned = (
                    IntegrationSession.objects.filter(couple=couple, pk=int(raw)).first()
                    if raw.isdigit()
                    else None
                )
                if planned is None:
                    raise Http404("No such session")
                integration_session_close(
                    viewer=viewer,
                    couple=couple,
                    planned=planned,
                    held=action == "held",
                    notes=str(request.POST.get("notes", "")),
                    carry_forward=str(request.POST.get("carry_forward", "")),
                )
                messages.success(
                    request,
                    _("The session was recorded.")
                    if action == "held"
                    else _("The session was cancelled."),
                )
                return redirect("integration", couple.pk)
            if action == "follow_up":
                raw = str(request.POST.get("contact", ""))
                contact = (
                    FollowUpContact.objects.filter(couple=couple, pk=int(raw)).first()
                    if raw.isdigit()
                    else None
                )
                if contact is None:
                    raise Http404("No such contact")
                follow_up_done(
                    viewer=viewer,
                    couple=couple,
                    contact=contact,
                    note=str(request.POST.get("note", "")),
                )
                messages.success(request, _("The contact was recorded."))
                return redirect("integration", couple.pk)
        except ValidationError as exc:
            if action == "offer":
                errors_onto(offer_form, exc)
            elif action == "session":
                errors_onto(held_form, exc)
            elif action == "schedule":
                errors_onto(plan_form, exc)
            elif action in {"held", "cancel"}:
                closing = {
                    "pk": int(str(request.POST.get("session"))),
                    "notes": str(request.POST.get("notes", "")),
                    "carry_forward": str(request.POST.get("carry_forward", "")),
                    "errors": exc.message_dict,
                }
            else:
                messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    offers: dict[int, IntegrationOffer] = {}
    for offer in IntegrationOffer.objects.filter(couple=couple).order_by("-created_at", "-id"):
        offers.setdefault(offer.session_id, offer)
    sessions_all = list(
        IntegrationSession.objects.filter(couple=couple).select_related("facilitator", "partner")
    )
    scheduled = [s for s in sessions_all if s.status == IntegrationSessionStatus.SCHEDULED]
    if closing and not any(s.pk == closing["pk"] for s in scheduled):
        # No longer on the schedule (held or cancelled meanwhile): its form is gone.
        messages.error(request, " ".join(m for ms in closing["errors"].values() for m in ms))
    viewer.audit(
        Action.INTEGRATION_READ,
        organisation_id=couple.organisation_id,
        object_type="couple",
        object_id=couple.pk,
        couple_id=couple.pk,
    )
    return render(
        request,
        "integration/integration.html",
        {
            "couple": couple,
            "staff": staff,
            "sessions": [(s, offers.get(s.pk)) for s in sessions],
            "held": [s for s in sessions_all if s.status == IntegrationSessionStatus.HELD],
            "planned": [
                (s, closing if closing and closing["pk"] == s.pk else None)
                for s in sorted(scheduled, key=lambda s: s.held_at)
            ],
            "plan_form": plan_form,
            "follow_ups": list(
                FollowUpContact.objects.filter(couple=couple)
                .select_related("partner", "done_by")
                .order_by("due_on", "id")
            )
            if staff
            else [],
            "offer_form": offer_form,
            "held_form": held_form,
        },
        status=422 if request.method == "POST" else 200,
    )
