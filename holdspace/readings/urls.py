from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.readings import views

urlpatterns: list[URLPattern] = [
    path("readings/", views.library, name="reading_library"),
    path("readings/new/", views.reading_new, name="reading_new"),
    path("readings/new/preview", views.reading_new_preview, name="reading_new_preview"),
    path("readings/<int:reading_id>/edit/", views.reading_edit, name="reading_edit"),
    path(
        "readings/<int:reading_id>/edit/preview",
        views.reading_edit_preview,
        name="reading_edit_preview",
    ),
    path("couples/<int:couple_id>/readings/", views.couple_readings, name="couple_readings"),
    path("couples/<int:couple_id>/readings/assign", views.reading_assign, name="reading_assign"),
    path(
        "couples/<int:couple_id>/readings/<int:assignment_id>/",
        views.couple_reading_page,
        name="couple_reading",
    ),
]
