"""The partner portal's sections (Today is the couple page itself, at couple_detail)."""

from __future__ import annotations

from django.urls import URLPattern, path

from holdspace.pages import portal

COUPLE = "couples/<int:couple_id>/"

urlpatterns: list[URLPattern] = [
    path(COUPLE + "entries/", portal.entry_new, name="entry_new"),
    path(COUPLE + "portal/questionnaires/", portal.questionnaires, name="portal_questionnaires"),
    path(COUPLE + "portal/sessions/", portal.sessions, name="portal_sessions"),
    path("portal/<slug:section>/", portal.section_of_my_couple, name="portal_section"),
]
