"""Commitments: the couple's list with adherence, adding and revising, and check-ins."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from holdspace.integration.models import Cadence, CheckIn, Commitment
from holdspace.integration.selectors import couple_commitments
from holdspace.integration.services import checkin_record, commitment_create, commitment_revise
from holdspace.lib.forms import errors_onto
from holdspace.policy import (
    get_couple_for,
    is_care_team_of,
    is_partner_of,
    refuse,
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
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _form(couple, data=None, initial=None, prefix=None) -> CommitmentForm:  # type: ignore[no-untyped-def]
    form = CommitmentForm(data, initial=initial, prefix=prefix)
    form.fields["who"].choices = [("both", _("Both of us"))] + [  # type: ignore[attr-defined]
        (str(p.user_id), p.user.display_name) for p in couple.loaded_partners
    ]
    return form


@login_required
@require_http_methods(["GET", "POST"])
def commitments(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    partner = is_partner_of(viewer, couple)
    if not (partner or is_care_team_of(viewer, couple)):
        raise refuse(
            viewer,
            action="see the commitments of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    form = _form(couple, request.POST if request.POST.get("action") == "add" else None)
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
                if revise.is_valid():
                    commitment_revise(
                        viewer=viewer, couple=couple, commitment=found, **revise.cleaned_data
                    )
                    messages.success(
                        request, _("The commitment was revised; the earlier wording is kept.")
                    )
                    return redirect("commitments", couple.pk)
                messages.error(
                    request, " ".join(str(e) for errs in revise.errors.values() for e in errs)
                )
        except ValidationError as exc:
            errors_onto(form, exc)
    views = couple_commitments(couple, viewer_id=viewer.user.pk if partner else None)
    viewer.audit(
        action="commitment.list",
        organisation_id=couple.organisation_id,
        object_type="commitment",
        couple_id=couple.pk,
    )
    return render(
        request,
        "integration/commitments.html",
        {
            "couple": couple,
            "views": views,
            "form": form,
            "partner": partner,
            "cadences": Cadence.choices,
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
