from __future__ import annotations

from django.urls import path

from holdspace.pages.today import views

urlpatterns = [
    path("today/", views.today, name="today"),
]
