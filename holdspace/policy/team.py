"""The team and the rooms of an organisation: who manages its people, who sees its rooms, and
which organisation an API call about them means.

- Only an organisation's org admins manage its staff: invite them, resend or revoke their
  invitations, deactivate and reactivate them. Other staff of the organisation are refused
  (403); partners and people of other organisations are told it does not exist (404).
- Every member of staff of an organisation sees its rooms; its org admins add, rename, archive
  and restore them.
- A deactivated member has no role in the organisation (`core.viewer_for`); signed in with no
  active membership anywhere, they are signed out (`is_deactivated_everywhere`).
- An API call names its organisation with `organisation_id`, or means the caller's only staff
  organisation; a caller on the staff of several is asked to choose (422).
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from holdspace.accounts.models import (
    STAFF_ROLES,
    Invitation,
    Membership,
    Organisation,
    Role,
    Room,
)
from holdspace.policy.core import Viewer, denial_chain, deny, organisation_for, refuse

_TEAM_MANAGERS = frozenset({Role.ORG_ADMIN})


def manages_a_team(viewer: Viewer) -> bool:
    """Whether VIEWER manages the people of any organisation (the navigation links the Team)."""
    return bool(viewer.orgs_with(_TEAM_MANAGERS))


def can_manage_team(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.role_in(organisation_id) in _TEAM_MANAGERS


def get_team_for(viewer: Viewer, requested: object) -> Organisation:
    """The organisation whose Team page VIEWER asks for (`?org=`), or the first whose people they
    manage; refused (403, audited) to anyone but its org admins."""
    return organisation_for(viewer, requested, _TEAM_MANAGERS, what="team")


def organisation_of_call(
    viewer: Viewer, organisation_id: int | None, roles: frozenset[str], *, what: str, action: str
) -> Organisation:
    """The organisation an API call about its team or rooms means: ORGANISATION_ID, or VIEWER's
    only staff organisation (422 asking to choose when they are staff of several). Staff of it
    without one of ROLES are refused (403); anyone else is told it does not exist (404)."""
    if organisation_id is None:
        staff_of = sorted(viewer.orgs_with(STAFF_ROLES))
        if len(staff_of) > 1:
            raise ValidationError(
                {
                    "organisation_id": _(
                        "You are on the staff of several organisations: choose one with "
                        "organisation_id (%(ids)s)."
                    )
                    % {"ids": ", ".join(str(i) for i in staff_of)}
                }
            )
        organisation_id = staff_of[0] if staff_of else None
    role = viewer.role_in(organisation_id) if organisation_id is not None else None
    if organisation_id is None or role not in STAFF_ROLES:
        raise deny(
            viewer,
            what=what,
            object_id=organisation_id or "",
            organisation_id=denial_chain(viewer, organisation_id),
        )
    if role not in roles:
        raise refuse(
            viewer,
            action=action,
            what=what,
            object_id=organisation_id,
            organisation_id=organisation_id,
        )
    found = Organisation.objects.filter(pk=organisation_id).first()
    assert found is not None  # a role names an organisation that exists (PROTECT)
    return found


def team_call(viewer: Viewer, organisation_id: int | None, *, action: str) -> Organisation:
    """The organisation whose people an API call manages (org admins only)."""
    return organisation_of_call(viewer, organisation_id, _TEAM_MANAGERS, what="team", action=action)


def rooms_call(viewer: Viewer, organisation_id: int | None, *, change: bool) -> Organisation:
    """The organisation whose rooms an API call lists (its staff) or changes (its org admins)."""
    roles = _TEAM_MANAGERS if change else STAFF_ROLES
    return organisation_of_call(
        viewer, organisation_id, frozenset(roles), what="rooms", action="add a room to"
    )


# Members -------------------------------------------------------------------------------


def get_member_for(viewer: Viewer, membership_id: int) -> Membership:
    """A staff member VIEWER manages: a membership of staff in an organisation where VIEWER is an
    org admin. Other staff there are refused (403); anyone else, and a partner's membership,
    is a 404; all audited."""
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=membership_id, role__in=STAFF_ROLES)
        .first()
    )
    organisation_id = membership.organisation_id if membership is not None else None
    role = viewer.role_in(organisation_id) if organisation_id is not None else None
    if membership is None or role not in STAFF_ROLES:
        raise deny(viewer, what="member", object_id=membership_id, organisation_id=organisation_id)
    if role not in _TEAM_MANAGERS:
        raise refuse(
            viewer,
            action="manage",
            what="member",
            object_id=membership_id,
            organisation_id=organisation_id,
        )
    return membership


def require_member_manage(viewer: Viewer, membership: Membership) -> None:
    """Deactivating or reactivating MEMBERSHIP: its organisation's org admins' (403, audited)."""
    if not can_manage_team(viewer, membership.organisation_id):
        raise refuse(
            viewer,
            action="manage",
            what="member",
            object_id=membership.pk,
            organisation_id=membership.organisation_id,
        )


def leaves_no_org_admin(membership: Membership) -> bool:
    """Whether deactivating MEMBERSHIP would leave its organisation with no active org admin
    (call it with the organisation's admins locked)."""
    if membership.role != Role.ORG_ADMIN:
        return False
    others = Membership.objects.filter(
        organisation_id=membership.organisation_id,
        role=Role.ORG_ADMIN,
        deactivated_at__isnull=True,
    ).exclude(pk=membership.pk)
    return not others.exists()


def is_deactivated_everywhere(user: AbstractBaseUser) -> bool:
    """Whether USER belongs to organisations but is deactivated in every one of them: they may
    no longer sign in, and a session they hold ends."""
    memberships = Membership.objects.filter(user_id=user.pk)
    return memberships.exists() and not memberships.filter(deactivated_at__isnull=True).exists()


def get_staff_invitation_for(viewer: Viewer, invitation_id: int) -> Invitation:
    """A staff invitation (no couple) of an organisation VIEWER manages the people of; staff
    of it who do not are refused (403), anyone else is told it does not exist (404)."""
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(pk=invitation_id, couple__isnull=True)
        .first()
    )
    organisation_id = invitation.organisation_id if invitation is not None else None
    role = viewer.role_in(organisation_id) if organisation_id is not None else None
    if invitation is None or role not in STAFF_ROLES:
        raise deny(
            viewer, what="invitation", object_id=invitation_id, organisation_id=organisation_id
        )
    if role not in _TEAM_MANAGERS:
        raise refuse(
            viewer,
            action="manage",
            what="invitation",
            object_id=invitation_id,
            organisation_id=organisation_id,
        )
    return invitation


# Rooms ---------------------------------------------------------------------------------


def require_room_change(viewer: Viewer, organisation: Organisation) -> None:
    """Adding, renaming, archiving or restoring ORGANISATION's rooms: its org admins' (403)."""
    if not can_manage_team(viewer, organisation.pk):
        raise refuse(
            viewer,
            action="change the rooms of",
            what="organisation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
        )


def get_room_for(viewer: Viewer, organisation: Organisation, room_id: int) -> Room:
    """ORGANISATION's room ROOM_ID, for its staff; any other is a 404, audited."""
    room = Room.objects.filter(pk=room_id, organisation=organisation).first()
    if room is None or viewer.role_in(organisation.pk) not in STAFF_ROLES:
        raise deny(viewer, what="room", object_id=room_id, organisation_id=organisation.pk)
    return room
