"""The couple progress report as a page and as a PDF, and the facilitator's summary form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from holdspace.couples.models import Couple
from holdspace.lib.forms import errors_onto
from holdspace.policy import get_couple_for, is_care_team_of, require_care_team, viewer_from_request
from holdspace.reports.progress import (
    VARIANTS,
    ProgressReport,
    can_write_summary,
    progress_report,
    summary_history,
)
from holdspace.reports.progress_pdf import pdf_filename, render_progress_pdf
from holdspace.reports.services import SUMMARY_MAX, progress_summary_write


class SummaryForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("The facilitator's summary"),
        help_text=gettext_lazy(
            "Written for the couple: it appears in both the couple's report and the clinical "
            "record. What changed, what they carry forward, next steps."
        ),
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


def _variant(request: HttpRequest) -> str | None:
    variant = request.GET.get("variant", "couple")
    return variant if variant in VARIANTS else None


@login_required
@require_GET
def progress_page(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    variant = _variant(request)
    if variant is None:
        return HttpResponseBadRequest(_("The variant is couple or clinical."))
    report = progress_report(viewer, couple, variant, output="html")
    return _page(request, couple, report, SummaryForm())


def _page(
    request: HttpRequest,
    couple: Couple,
    report: ProgressReport,
    form: SummaryForm,
    status: int = 200,
) -> HttpResponse:
    viewer = viewer_from_request(request)
    writer = can_write_summary(viewer, couple)
    return render(
        request,
        "reports/progress.html",
        {
            "couple": couple,
            "report": report,
            "care_team": is_care_team_of(viewer, couple),
            "form": form if writer else None,
            "history": summary_history(couple)[1:] if writer else [],
        },
        status=status,
    )


@login_required
@require_GET
def progress_pdf(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    variant = _variant(request)
    if variant is None:
        return HttpResponseBadRequest(_("The variant is couple or clinical."))
    report = progress_report(viewer, couple, variant, output="pdf")
    response = HttpResponse(render_progress_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def progress_summary(request: HttpRequest, couple_id: int) -> HttpResponse:
    """A new facilitator's summary, from the report page (care team only)."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_care_team(viewer, couple, action="write the progress summary of")
    variant = request.POST.get("variant", "couple")
    variant = variant if variant in VARIANTS else "couple"
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            progress_summary_write(viewer=viewer, couple=couple, text=form.cleaned_data["text"])
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The summary was saved; both reports show it now."))
            return redirect(reverse("progress_report", args=[couple.pk]) + f"?variant={variant}")
    report = progress_report(viewer, couple, variant, output="html")
    return _page(request, couple, report, form, status=422)
