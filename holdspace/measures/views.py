from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.couples.models import Couple
from holdspace.lib.http import post_only
from holdspace.measures.library import Instrument
from holdspace.measures.models import MeasureResponse
from holdspace.measures.scoring import AnswerError, check_answers
from holdspace.measures.selectors import MeasureFormPage, measure_form_page, response_page
from holdspace.measures.services import (
    SUBMISSION_KEY,
    SubmissionConflict,
    alert_acknowledge,
    measures_share,
    response_submit,
)
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.measures import answers_as_partner, get_alert_for


@dataclass
class _Posted:
    """The answers as sent, what is wrong with them, and the unanswered items (number, id) to
    confirm before the response is stored."""

    answers: dict[str, float | None] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    unanswered: list[tuple[int, str]] = field(default_factory=list)


def _posted(instrument: Instrument, data: QueryDict) -> _Posted:
    """The answers posted, by item id: every problem at once (not numbers, numbers off the
    scale), and, when there is none, the items left empty unless the partner confirmed them."""
    posted = _Posted()
    for item in instrument.items:
        raw = str(data.get(item.id, "")).strip()
        try:
            posted.answers[item.id] = float(raw) if raw else None
        except ValueError:
            posted.answers[item.id] = None
            posted.errors[item.id] = [_("The answer must be a number.")]
    try:
        check_answers(instrument, posted.answers)
    except AnswerError as exc:
        posted.errors.update({k: [v] for k, v in exc.problems.items()})
    if not posted.errors and not data.get("confirm_unanswered"):
        numbered = enumerate(instrument.items, 1)
        posted.unanswered = [(n, i.id) for n, i in numbered if posted.answers[i.id] is None]
    return posted


@login_required
@require_http_methods(["GET", "POST"])
def measure_form(request: HttpRequest, couple_id: int, code: str, timepoint: str) -> HttpResponse:
    """One instrument on one page, phone-first; answers are kept in the browser until sent."""
    viewer = viewer_from_request(request)
    page = measure_form_page(
        viewer=viewer,
        couple_id=couple_id,
        code=code,
        timepoint=timepoint,
        partner=str(request.GET.get("partner", "")),
    )
    # The open form's token: sending it twice (a double click, a resend) is one response.
    submission_key = str(request.POST.get("submission_key", ""))
    if not SUBMISSION_KEY.match(submission_key):
        submission_key = secrets.token_urlsafe(24)
    if request.method == "GET":
        return _form(request, page, _Posted(), submission_key)
    return _measure_submit(request, viewer, page, submission_key)


def _measure_submit(
    request: HttpRequest, viewer: Viewer, page: MeasureFormPage, submission_key: str
) -> HttpResponse:
    posted = _posted(page.instrument, request.POST)
    if posted.errors or posted.unanswered:
        return _form(request, page, posted, submission_key)
    try:
        submitted = response_submit(
            viewer=viewer,
            couple=page.couple,
            instrument=page.instrument.code,
            timepoint=page.timepoint.value,
            answers=posted.answers,
            partner_id=page.partner.user_id,
            submission_key=submission_key,
        )
    except ValidationError as exc:
        posted.errors = exc.message_dict
        return _form(request, page, posted, submission_key)
    except SubmissionConflict as exc:  # an older copy of this form, sent again
        messages.info(request, _("These answers were already sent from this form."))
        return _after_submit(request, viewer, page.couple, exc.stored)
    if not submitted.created:
        messages.info(request, _("These answers were already sent from this form."))
    return _after_submit(request, viewer, page.couple, submitted.response)


def _form(
    request: HttpRequest, page: MeasureFormPage, posted: _Posted, submission_key: str
) -> HttpResponse:
    return render(
        request,
        "measures/form.html",
        {
            "couple": page.couple,
            "instrument": page.instrument,
            "questions": page.questions(posted.answers),
            "timepoint": page.timepoint,
            "answers": posted.answers,
            "errors": posted.errors,
            "partner": page.partner,
            "administering": page.administering,
            "draft_key": page.draft_key,
            "submission_key": submission_key,
            "unanswered": posted.unanswered,
            "unanswered_text": _unanswered_text([n for n, _id in posted.unanswered]),
        },
        status=422 if posted.errors or posted.unanswered else 200,
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
    if not answers_as_partner(viewer, couple):
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
@post_only
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
@post_only
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
