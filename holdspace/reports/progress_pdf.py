"""The couple progress report as a PDF, drawn by WeasyPrint from the print template."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from holdspace.reports.progress import ProgressReport


def render_progress_pdf(report: ProgressReport) -> bytes:
    """REPORT on A4, charts included. Nothing is fetched while rendering: the template holds
    its styles and the charts are inline SVG, so only data: URLs are allowed."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    html = render_to_string("reports/progress_pdf.html", {"report": report})
    pdf: bytes = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()
    return pdf


def pdf_filename(report: ProgressReport) -> str:
    """holdspace-progress-riley-jordan-couple-2025-05-01.pdf: plain ASCII, safe in a header."""
    name = slugify(report.couple_name) or f"couple-{report.couple_id}"
    day = timezone.localdate(report.generated_at).isoformat()
    return f"holdspace-progress-{name}-{report.variant}-{day}.pdf"
