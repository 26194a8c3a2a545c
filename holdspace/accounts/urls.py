"""The organisation page's actions and the Team page (the page itself is /organisation/)."""

from __future__ import annotations

from django.urls import path

from holdspace.accounts import views

urlpatterns = [
    path("organisation/details", views.organisation_details, name="organisation_details"),
    path("organisation/rooms", views.room_add, name="room_add"),
    path("organisation/rooms/<int:room_id>/rename", views.room_rename, name="room_rename"),
    path("organisation/rooms/<int:room_id>/archive", views.room_archive_view, name="room_archive"),
    path("organisation/rooms/<int:room_id>/restore", views.room_restore_view, name="room_restore"),
    path("organisation/team/", views.team, name="team"),
    path("organisation/team/invite", views.team_invite, name="team_invite"),
    path(
        "organisation/team/members/<int:membership_id>/deactivate",
        views.member_deactivate_view,
        name="member_deactivate",
    ),
    path(
        "organisation/team/members/<int:membership_id>/reactivate",
        views.member_reactivate_view,
        name="member_reactivate",
    ),
    path(
        "organisation/team/invitations/<int:invitation_id>/resend",
        views.team_invitation_resend,
        name="team_invitation_resend",
    ),
    path(
        "organisation/team/invitations/<int:invitation_id>/revoke",
        views.team_invitation_revoke,
        name="team_invitation_revoke",
    ),
]
