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
from django.views.decorators.http import require_GET

from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.reports import require_progress_summary_write
from holdspace.reports.progress import selectors
from holdspace.reports.progress.pdf import pdf_response
from holdspace.reports.progress.services import SUMMARY_MAX, progress_summary_write
from holdspace.reports.progress.types import VARIANTS


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


def _bad_variant() -> HttpResponse:
    return HttpResponseBadRequest(_("The variant is couple or clinical."))


def _render(
    request: HttpRequest, page: selectors.ProgressPage, form: SummaryForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "reports/progress.html",
        {
            "couple": page.couple,
            "report": page.report,
            "care_team": page.clinical_allowed,
            "form": form if page.summary_allowed else None,
            "history": page.history,
        },
        status=status,
    )


@login_required
@require_GET
def progress_page(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    variant = _variant(request)
    if variant is None:
        return _bad_variant()
    return _render(request, selectors.progress_page(viewer, couple, variant), SummaryForm())


@login_required
@require_GET
def progress_pdf(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    variant = _variant(request)
    if variant is None:
        return _bad_variant()
    return pdf_response(selectors.progress_report(viewer, couple, variant, output="pdf"))


@login_required
@post_only
def progress_summary(request: HttpRequest, couple_id: int) -> HttpResponse:
    """A new facilitator's summary, from the report page (care team only)."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    # Refused before the form is read: a partner's post is a 403 whatever it holds.
    require_progress_summary_write(viewer, couple)
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
    page = selectors.progress_page(viewer, couple, variant)
    return _render(request, page, form, status=422)
