from __future__ import annotations

from django.urls import path

from holdspace.reports.regulator.colorado import views

urlpatterns = [
    path("reports/colorado-admin-log/", views.admin_log_page, name="colorado_admin_log"),
    path("reports/colorado-admin-log.csv", views.admin_log_csv, name="colorado_admin_log_csv"),
    path(
        "reports/colorado-admin-log/submit",
        views.admin_log_submit,
        name="colorado_admin_log_submit",
    ),
]
