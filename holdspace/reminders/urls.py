from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.reminders import views

urlpatterns: list[URLPattern] = [
    path("r/<str:token>", views.signin_link, name="signin_link"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("couples/<int:couple_id>/calendar/", views.calendar_settings, name="calendar_settings"),
    path("couples/<int:couple_id>/withdraw/", views.withdraw, name="couple_withdraw"),
    path("console/outbox/", views.outbox, name="outbox"),
]
