from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from holdspace.measures.library import Instrument, InstrumentError
from holdspace.measures.models import Timepoint
from holdspace.measures.schedule import instrument_for
from holdspace.measures.scoring import AnswerError, check_answers
from holdspace.measures.selectors import response_read
from holdspace.measures.services import alert_acknowledge, measures_share, response_submit
from holdspace.policy import (
    get_alert_for,
    get_couple_for,
    is_partner_of,
    require_response_submit,
    viewer_from_request,
)


def _answers_from_form(
    instrument: Instrument, data: QueryDict
) -> tuple[dict[str, float | None], dict[str, list[str]]]:
    """The answers posted, by item id, and any that are not numbers at all."""
    answers: dict[str, float | None] = {}
    errors: dict[str, list[str]] = {}
    for item in instrument.items:
        raw = str(data.get(item.id, "")).strip()
        try:
            answers[item.id] = float(raw) if raw else None
        except ValueError:
            answers[item.id] = None
            errors[item.id] = [_("The answer must be a number.")]
    return answers, errors


@login_required
@require_http_methods(["GET", "POST"])
def measure_form(request: HttpRequest, couple_id: int, code: str, timepoint: str) -> HttpResponse:
    """One instrument on one page, phone-first; answers are kept in the browser until sent."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    if timepoint not in Timepoint.values:
        raise Http404("No such timepoint")
    try:
        partner_id = int(request.GET.get("partner") or viewer.user.pk)
    except ValueError:
        raise Http404("No such partner") from None
    require_response_submit(viewer, couple, partner_id)
    try:
        instrument = instrument_for(couple.organisation.slug, code)
    except InstrumentError:
        raise Http404("No such instrument") from None
    if instrument is None:
        raise Http404("This instrument's wording has not been supplied")
    errors: dict[str, list[str]] = {}
    answers: dict[str, float | None] = {}
    if request.method == "POST":
        answers, errors = _answers_from_form(instrument, request.POST)
        try:
            if errors:  # also name answers that are numbers but off the scale
                try:
                    check_answers(instrument, answers)
                except AnswerError as exc:
                    errors.update({k: [v] for k, v in exc.problems.items()})
                raise ValidationError(errors)
            submitted = response_submit(
                viewer=viewer,
                couple=couple,
                instrument=code,
                timepoint=timepoint,
                answers=answers,
                partner_id=partner_id,
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            if submitted.response.partner_id != viewer.user.pk:
                messages.success(request, _("Saved, as administered by you."))
                return redirect("couple_detail", couple_id=couple.pk)
            return redirect("measure_done", couple_id=couple.pk, response_id=submitted.response.pk)
    partner = next(p for p in couple.loaded_partners if p.user_id == partner_id)
    questions = [
        {
            "id": item.id,
            "text": item.text,
            "continuous": instrument.option_set(item).continuous,
            "minimum": instrument.option_set(item).minimum,
            "maximum": instrument.option_set(item).maximum,
            "value": answers.get(item.id),
            "options": [
                {
                    "value": option.value,
                    "label": option.label,
                    "checked": answers.get(item.id) == option.value,
                }
                for option in instrument.option_set(item).options
            ],
        }
        for item in instrument.items
    ]
    return render(
        request,
        "measures/form.html",
        {
            "couple": couple,
            "instrument": instrument,
            "questions": questions,
            "timepoint": Timepoint(timepoint),
            "answers": answers,
            "errors": errors,
            "partner": partner,
            "administering": partner_id != viewer.user.pk,
            "draft_key": f"holdspace:measure:{couple.pk}:{partner_id}:{code}:{timepoint}",
        },
        status=422 if errors else 200,
    )


@login_required
@require_GET
def measure_done(request: HttpRequest, couple_id: int, response_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    if not is_partner_of(viewer, couple):
        raise Http404("No such response")
    response = response_read(viewer=viewer, couple=couple, response_id=response_id)
    if response.partner_id != viewer.user.pk:  # a shared score, but not this page
        raise Http404("No such response")
    return render(
        request,
        "measures/done.html",
        {
            "couple": couple,
            "response": response,
            "alerts": list(response.alerts.all()),
            "draft_key": f"holdspace:measure:{couple.pk}:{response.partner_id}:"
            f"{response.instrument}:{response.timepoint}",
        },
    )


@login_required
@require_POST
def alert_acknowledge_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    alert = get_alert_for(viewer, alert_id)
    error = ""
    try:
        alert = alert_acknowledge(viewer=viewer, alert=alert, note=request.POST.get("note", ""))
    except ValidationError as exc:
        error = "; ".join(m for ms in exc.message_dict.values() for m in ms)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "measures/_alert.html",
            {"alert": alert, "error": error},
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Alert acknowledged."))
    return redirect("couple_detail", couple_id=alert.couple_id)


@login_required
@require_POST
def measures_share_view(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    try:
        measures_share(viewer=viewer, couple=couple, visibility=request.POST.get("visibility", ""))
    except ValidationError as exc:
        messages.error(request, "; ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, _("Saved: who sees your questionnaire scores."))
    return redirect("couple_detail", couple_id=couple.pk)


@login_required
@require_GET
def administer(request: HttpRequest, couple_id: int) -> HttpResponse:
    """The care team's way into a questionnaire with a partner in the room."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    code = request.GET.get("instrument", "")
    timepoint = request.GET.get("timepoint", "")
    partner = request.GET.get("partner", "")
    if not (code and timepoint and partner.isdigit()):
        messages.error(request, _("Choose a partner, a questionnaire and a timepoint."))
        return redirect("couple_detail", couple_id=couple.pk)
    url = reverse("measure_form", args=[couple.pk, code, timepoint])
    return redirect(f"{url}?partner={partner}")
