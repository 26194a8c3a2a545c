from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.reports import progress_views

urlpatterns: list[URLPattern] = [
    path(
        "couples/<int:couple_id>/report/",
        progress_views.progress_page,
        name="progress_report",
    ),
    path(
        "couples/<int:couple_id>/report.pdf",
        progress_views.progress_pdf,
        name="progress_report_pdf",
    ),
    path(
        "couples/<int:couple_id>/report/summary",
        progress_views.progress_summary,
        name="progress_summary",
    ),
]
