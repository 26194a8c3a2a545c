from __future__ import annotations

from django.urls import path

from holdspace.bookings import views

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
]
