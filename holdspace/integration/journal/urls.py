from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.integration.journal import views

urlpatterns: list[URLPattern] = [
    path("couples/<int:couple_id>/journal/", views.journal, name="journal"),
    path(
        "couples/<int:couple_id>/entries/<int:entry_id>/audio",
        views.entry_audio,
        name="entry_audio",
    ),
]
