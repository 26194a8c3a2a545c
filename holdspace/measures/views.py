from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from holdspace.couples.models import Couple
from holdspace.measures.library import Instrument, InstrumentError
from holdspace.measures.models import MeasureResponse, Timepoint
from holdspace.measures.schedule import instrument_for
from holdspace.measures.scoring import AnswerError, check_answers
from holdspace.measures.selectors import response_page
from holdspace.measures.services import (
    SUBMISSION_KEY,
    SubmissionConflict,
    alert_acknowledge,
    measures_share,
    response_submit,
)
from holdspace.policy import (
    Viewer,
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
    unanswered: list[tuple[int, str]] = []  # (number, id) of items to confirm before sending
    # The open form's token: sending it twice (a double click, a resend) is one response.
    submission_key = str(request.POST.get("submission_key", ""))
    if not SUBMISSION_KEY.match(submission_key):
        submission_key = secrets.token_urlsafe(24)
    if request.method == "POST":
        answers, errors = _answers_from_form(instrument, request.POST)
        try:  # every problem at once: not numbers, and numbers off the scale
            check_answers(instrument, answers)
        except AnswerError as exc:
            errors.update({k: [v] for k, v in exc.problems.items()})
        if not errors and not request.POST.get("confirm_unanswered"):
            numbered = enumerate(instrument.items, 1)
            unanswered = [(n, item.id) for n, item in numbered if answers[item.id] is None]
        if not errors and not unanswered:
            try:
                submitted = response_submit(
                    viewer=viewer,
                    couple=couple,
                    instrument=code,
                    timepoint=timepoint,
                    answers=answers,
                    partner_id=partner_id,
                    submission_key=submission_key,
                )
            except ValidationError as exc:
                errors = exc.message_dict
            except SubmissionConflict as exc:  # an older copy of this form, sent again
                messages.info(request, _("These answers were already sent from this form."))
                return _after_submit(request, viewer, couple, exc.stored)
            else:
                if not submitted.created:
                    messages.info(request, _("These answers were already sent from this form."))
                return _after_submit(request, viewer, couple, submitted.response)
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
            "submission_key": submission_key,
            "unanswered": unanswered,
            "unanswered_text": _unanswered_text([n for n, _id in unanswered]),
        },
        status=422 if errors or unanswered else 200,
    )


def _unanswered_text(numbers: list[int]) -> str:
    """ "Item 9 is not answered." / "Items 3, 9 and 10 are not answered." """
    if not numbers:
        return ""
    if len(numbers) == 1:
        return _("Item %(n)s is not answered.") % {"n": numbers[0]}
    listed = _("%(items)s and %(last)s") % {
        "items": ", ".join(str(n) for n in numbers[:-1]),
        "last": numbers[-1],
    }
    return _("Items %(items)s are not answered.") % {"items": listed}


def _after_submit(
    request: HttpRequest, viewer: Viewer, couple: Couple, response: MeasureResponse
) -> HttpResponse:
    if response.partner_id != viewer.user.pk:
        messages.success(request, _("Saved, as administered by you."))
        return redirect("couple_detail", couple_id=couple.pk)
    return redirect("measure_done", couple_id=couple.pk, response_id=response.pk)


@login_required
@require_GET
def measure_done(request: HttpRequest, couple_id: int, response_id: int) -> HttpResponse:
    """A response's page: for the partner who answered, their thank-you; for the care team,
    the answers item by item. Anyone else (the other partner too) meets a 404."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    page = response_page(viewer=viewer, couple=couple, response_id=response_id)
    response = page.response
    if not is_partner_of(viewer, couple):
        return render(request, "measures/response.html", {"couple": couple, "page": page})
    skipped_safety = _unanswered_text([a.number for a in page.skipped_safety_items])
    unanswered = _unanswered_text([a.number for a in page.unanswered])
    return render(
        request,
        "measures/done.html",
        {
            "couple": couple,
            "response": response,
            "alerts": page.alerts_from_answers,
            "skipped_safety": skipped_safety,
            # The notice above already names a skipped safety item; not twice.
            "unanswered_text": "" if unanswered == skipped_safety else unanswered,
            "no_total": bool(
                page.instrument.scoring.total and response.missing and response.total is None
            ),
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
