from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.reminders import views

urlpatterns: list[URLPattern] = [
    path("r/<str:token>", views.signin_link, name="signin_link"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("couples/<int:couple_id>/calendar/", views.calendar_settings, name="calendar_settings"),
    path("couples/<int:couple_id>/calendar/new", views.calendar_create, name="calendar_create"),
    path("couples/<int:couple_id>/calendar/revoke", views.calendar_revoke, name="calendar_revoke"),
]
