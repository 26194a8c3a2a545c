"""The couple after it is added: its name and care team, its partners' invitations, and the
care team's replies to what the partners share."""

from __future__ import annotations

from django.urls import path

from holdspace.couples import views

urlpatterns = [
    path("couples/<int:couple_id>/edit/", views.couple_edit, name="couple_edit"),
    path("couples/<int:couple_id>/invitations/", views.invitations, name="couple_invitations"),
    path(
        "couples/<int:couple_id>/invitations/new",
        views.invitation_new,
        name="couple_invitation_new",
    ),
    path(
        "couples/<int:couple_id>/invitations/<int:invitation_id>/resend",
        views.invitation_resend,
        name="couple_invitation_resend",
    ),
    path(
        "couples/<int:couple_id>/invitations/<int:invitation_id>/revoke",
        views.invitation_revoke,
        name="couple_invitation_revoke",
    ),
    path(
        "couples/<int:couple_id>/entries/<int:entry_id>/replies",
        views.reply_new,
        name="entry_reply",
    ),
]
