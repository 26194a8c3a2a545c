"""The commitments page, the integration page and the journal; each write at a URL of its own."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from holdspace.integration import views

COUPLE = "couples/<int:couple_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(COUPLE + "commitments/", views.commitments, name="commitments"),
    path(COUPLE + "commitments/add", views.commitment_add, name="commitment_add"),
    path(
        COUPLE + "commitments/<int:commitment_id>/revise",
        views.commitment_revision,
        name="commitment_revise",
    ),
    path(
        COUPLE + "commitments/<int:commitment_id>/checkin",
        views.checkin,
        name="commitment_checkin",
    ),
    path(COUPLE + "integration/", views.integration, name="integration"),
    path(COUPLE + "integration/offer", views.offer_record, name="integration_offer"),
    path(COUPLE + "integration/sessions", views.session_record, name="integration_session_record"),
    path(
        COUPLE + "integration/schedule", views.session_schedule, name="integration_session_schedule"
    ),
    path(
        COUPLE + "integration/sessions/<int:session_id>/held",
        views.session_held,
        name="integration_session_held",
    ),
    path(
        COUPLE + "integration/sessions/<int:session_id>/cancel",
        views.session_cancel,
        name="integration_session_cancel",
    ),
    path(
        COUPLE + "integration/follow-ups/<int:contact_id>/done",
        views.follow_up_record,
        name="integration_follow_up",
    ),
    path("", include("holdspace.integration.journal.urls")),
]
