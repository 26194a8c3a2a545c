"""The organisation's de-identified measures export and its program outcomes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from holdspace.policy.core import viewer_from_request
from holdspace.policy.reports import get_export_organisation_for
from holdspace.reports.selectors import measures_csv, program_outcomes


@login_required
@require_GET
def measures_export(request: HttpRequest) -> HttpResponse:
    """The de-identified measures CSV of one organisation the viewer may export from."""
    viewer = viewer_from_request(request)
    organisation = get_export_organisation_for(viewer, request.GET.get("organisation"))
    body = measures_csv(viewer=viewer, organisation_id=organisation.pk)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="holdspace-measures.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def outcomes(request: HttpRequest) -> HttpResponse:
    """Program outcomes for a clinical lead or researcher: change from baseline per
    instrument, aggregated, with no person named."""
    viewer = viewer_from_request(request)
    organisation = get_export_organisation_for(viewer, request.GET.get("organisation"))
    rows = program_outcomes(viewer=viewer, organisation_id=organisation.pk)
    return render(request, "reports/outcomes.html", {"rows": rows, "organisation": organisation})
