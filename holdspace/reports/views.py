from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from holdspace.accounts.models import Organisation
from holdspace.policy import can_export, viewer_from_request
from holdspace.reports.exports import measures_csv
from holdspace.reports.selectors import program_outcomes


@login_required
@require_GET
def measures_export(request: HttpRequest) -> HttpResponse:
    """The de-identified measures CSV of one organisation the viewer may export from."""
    viewer = viewer_from_request(request)
    allowed = [org for org in viewer.roles if can_export(viewer, org)]
    try:
        organisation_id = int(request.GET.get("organisation") or (allowed[0] if allowed else 0))
    except ValueError:
        raise Http404("No such organisation") from None
    body = measures_csv(viewer=viewer, organisation_id=organisation_id)
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
    allowed = [org for org in viewer.roles if can_export(viewer, org)]
    try:
        organisation_id = int(request.GET.get("organisation") or (allowed[0] if allowed else 0))
    except ValueError:
        raise Http404("No such organisation") from None
    rows = program_outcomes(viewer=viewer, organisation_id=organisation_id)
    organisation = Organisation.objects.get(pk=organisation_id)
    return render(request, "reports/outcomes.html", {"rows": rows, "organisation": organisation})
