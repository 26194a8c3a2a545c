from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.integration import journal_views

urlpatterns: list[URLPattern] = [
    path("couples/<int:couple_id>/journal/", journal_views.journal, name="journal"),
    path(
        "couples/<int:couple_id>/entries/<int:entry_id>/audio",
        journal_views.entry_audio,
        name="entry_audio",
    ),
]
