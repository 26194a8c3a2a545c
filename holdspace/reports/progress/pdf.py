"""The couple progress report as a PDF, drawn by WeasyPrint from the print template."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from holdspace.reports.progress.types import ProgressReport


def render_progress_pdf(report: ProgressReport) -> bytes:
    """REPORT on A4, charts included. Nothing is fetched while rendering: the template holds
    its styles and the charts are inline SVG, so only data: URLs are allowed."""
    # Imported on first use, not for a cycle: WeasyPrint takes seconds to load (Pango, fonts),
    # which only a PDF download should pay.
    from weasyprint import HTML  # type: ignore[import-untyped]  # noqa: PLC0415
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]  # noqa: PLC0415

    html = render_to_string("reports/progress_pdf.html", {"report": report})
    pdf: bytes = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()
    return pdf


def pdf_filename(report: ProgressReport) -> str:
    """holdspace-progress-riley-jordan-couple-2025-05-01.pdf: plain ASCII, safe in a header."""
    name = slugify(report.couple_name) or f"couple-{report.couple_id}"
    day = timezone.localdate(report.generated_at).isoformat()
    return f"holdspace-progress-{name}-{report.variant}-{day}.pdf"


def pdf_response(report: ProgressReport) -> HttpResponse:
    """REPORT as a PDF download, never kept by a cache (the page and the API answer the same)."""
    response = HttpResponse(render_progress_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(report)}"'
    response["Cache-Control"] = "no-store"
    return response
