from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.notifications import views

urlpatterns: list[URLPattern] = [
    path("account/notifications/", views.notification_settings, name="notification_settings"),
    path("console/outbox/", views.outbox, name="outbox"),
]
