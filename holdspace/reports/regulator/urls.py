from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.reports.regulator import views

urlpatterns: list[URLPattern] = [
    path("reports/oregon-303/", views.oregon_303_page, name="oregon_303"),
    path("reports/oregon-303/csv", views.oregon_303_csv, name="oregon_303_csv"),
    path("reports/oregon-303/submit", views.oregon_303_submit, name="oregon_303_submit"),
]
