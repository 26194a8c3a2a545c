from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.reports.progress import views

urlpatterns: list[URLPattern] = [
    path(
        "couples/<int:couple_id>/report/",
        views.progress_page,
        name="progress_report",
    ),
    path(
        "couples/<int:couple_id>/report.pdf",
        views.progress_pdf,
        name="progress_report_pdf",
    ),
    path(
        "couples/<int:couple_id>/report/summary",
        views.progress_summary,
        name="progress_summary",
    ),
]
