from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.lib import when
from holdspace.lib.forms import errors_onto
from holdspace.policy import (
    get_couple_for,
    is_care_team_of,
    partner_forms_visible_to,
    preparation_sessions_visible_to,
    require_care_team,
    require_partner_record_write,
    require_readiness,
    viewer_from_request,
)
from holdspace.preparation.forms import FORMS, THEMES, PreparationSessionForm, ScheduleForm
from holdspace.preparation.models import FormKind
from holdspace.preparation.readiness import readiness
from holdspace.preparation.services import (
    partner_form_submit,
    preparation_facilitators,
    preparation_session_record,
)
from holdspace.screening.profiles import get_profile
from holdspace.sessions.services import NotReady, medicine_session_schedule


@login_required
@require_GET
def readiness_page(request: HttpRequest, couple_id: int) -> HttpResponse:
    """Per partner, every requirement of the profile, done or missing, with links."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_readiness(viewer, couple)
    result = readiness(couple)
    staff = is_care_team_of(viewer, couple)
    partners = [p for p in result.partners if staff or p.partner.user_id == viewer.user.pk]
    labels = dict(THEMES)
    themes: dict[int, dict[str, object]] = {}
    for record in (
        partner_forms_visible_to(viewer, couple)
        .filter(kind=FormKind.THEMES)
        .order_by("-created_at", "-id")
    ):
        if record.partner_id not in themes:
            themes[record.partner_id] = {
                "chosen": [str(labels.get(t, t)) for t in record.data.get("themes", [])],
                "own_words": record.data.get("own_words", ""),
            }
    for pr in partners:
        pr.partner.themes = themes.get(pr.partner.user_id)  # type: ignore[attr-defined]
    viewer.audit(
        Action.READINESS_READ,
        organisation_id=couple.organisation_id,
        object_type="couple",
        object_id=couple.pk,
        couple_id=couple.pk,
    )
    return render(
        request,
        "preparation/readiness.html",
        {
            "couple": couple,
            "result": result,
            "partners": partners,
            "staff": staff,
            "sessions": list(
                preparation_sessions_visible_to(viewer, couple)
                .select_related("partner", "facilitator")
                .order_by("-held_at")
            ),
            "scheduled": list(couple.medicine_sessions.order_by("starts_at")) if staff else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_form(request: HttpRequest, couple_id: int, partner_id: int, kind: str) -> HttpResponse:
    """One preparation form for one partner: theirs to complete, or the care team's with them."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    if kind not in FormKind.values:
        raise Http404("No such form")
    require_partner_record_write(viewer, couple, partner_id, action="complete forms for")
    partner = next(p for p in couple.loaded_partners if p.user_id == partner_id)
    profile = get_profile(couple.organisation.profile)
    previous = (
        partner_forms_visible_to(viewer, couple)
        .filter(partner_id=partner_id, kind=kind)
        .order_by("-created_at", "-id")
        .first()
    )
    form_class = FORMS[kind]
    form = form_class(request.POST or None, initial=previous.data if previous else None)
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
    required = profile.required(kind)
    return render(
        request,
        "preparation/form.html",
        {
            "couple": couple,
            "partner": partner,
            "kind": kind,
            "title": required.name if required else FormKind(kind).label,
            "required": required,
            "form": form,
            "previous": previous,
            "with_partner": viewer.user.pk != partner_id,
        },
        status=422 if request.method == "POST" else 200,
    )


def _team_choices(couple: Couple) -> list[tuple[int, str]]:
    return [(m.user_id, m.user.display_name) for m in couple.loaded_care_team]


@login_required
@require_http_methods(["GET", "POST"])
def preparation_session_new(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_care_team(viewer, couple, action="record preparation sessions for")
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


@login_required
@require_http_methods(["GET", "POST"])
def medicine_session_new(request: HttpRequest, couple_id: int) -> HttpResponse:
    """Schedule a medicine session: refused, with what is missing, until the couple is ready."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_care_team(viewer, couple, action="schedule medicine sessions for")
    form = ScheduleForm(request.POST or None)
    form.fields["facilitators"].choices = _team_choices(couple)  # type: ignore[attr-defined]
    missing: list[dict[str, object]] = []
    if request.method == "POST" and form.is_valid():
        try:
            session = medicine_session_schedule(
                viewer=viewer,
                couple=couple,
                starts_at=form.cleaned_data["starts_at"],
                room=form.cleaned_data["room"],
                facilitator_ids=form.cleaned_data["facilitators"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        except NotReady as exc:
            missing = exc.missing
        else:
            messages.success(
                request,
                _("The medicine session is scheduled for %(when)s.")
                % {"when": when.when(session.starts_at)},
            )
            return redirect("couple_detail", couple.pk)
    return render(
        request,
        "preparation/schedule.html",
        {"couple": couple, "form": form, "missing": missing},
        status=409 if missing else (422 if request.method == "POST" else 200),
    )
