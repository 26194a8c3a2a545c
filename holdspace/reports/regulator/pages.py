"""What every regulator report's web pages share (each report's views import it; sibling views
modules may not import each other)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from holdspace.policy.regulator import ReportNotOffered


def report_not_offered(request: HttpRequest, exc: ReportNotOffered) -> HttpResponse:
    """The 404 page for a report the organisation's profile does not have, saying so."""
    return render(request, "reports/regulator/not_offered.html", {"message": str(exc)}, status=404)
