"""Accounts: where each person lands, who invites people into an organisation, who changes its
settings, and the invitation behind a link.

- Org admins and clinical leads invite partners (and add couples) and choose the organisation's
  jurisdiction profile; staff are invited by org admins alone (policy/team.py holds the rest
  of managing the team); only the org admin sets its time zone and edits its details. To
  anyone else, inviting into an organisation does not exist (404); its settings are refused
  (403).
- An invitation link is usable once, until it expires or is revoked; any other link is a 404.
- An API token acts as its person: what it may reach is what they may (the matrix tests
  prove the web and the API agree); a token is found by `accounts.services.api_token_user`.
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings
from django.http import Http404

from holdspace.accounts.models import STAFF_ROLES, Invitation, Organisation, Role
from holdspace.couples.models import Couple
from holdspace.policy.core import (
    _ORG_WIDE_ROLES,
    Viewer,
    deny,
    is_care_team_of,
    organisation_for,
    refuse,
)

# Those who manage an organisation's people and settings.
_MANAGERS = _ORG_WIDE_ROLES
# Staff who work from the console (a researcher only exports).
_CONSOLE_ROLES = STAFF_ROLES - {Role.RESEARCHER}


def landing_for(viewer: Viewer) -> Literal["today", "portal", ""]:
    """Where VIEWER starts: staff who do the daily work (org admins, clinical leads,
    facilitators) on their Today, partners in the portal, others nowhere."""
    roles = set(viewer.roles.values())
    if roles & _CONSOLE_ROLES:
        return "today"
    if Role.PARTNER in roles:
        return "portal"
    return ""


def mfa_required(viewer: Viewer) -> bool:
    """Whether VIEWER must sign in with an authenticator app as well as a password: staff
    of any organisation, outside demo mode. Partners are not made to (they may choose to)."""
    return not settings.DEMO_MODE and any(role in STAFF_ROLES for role in viewer.roles.values())


def can_invite(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.role_in(organisation_id) in _MANAGERS


def manages_an_organisation(viewer: Viewer) -> bool:
    """Whether VIEWER manages any organisation (the navigation links its settings)."""
    return bool(viewer.orgs_with(_MANAGERS))


# Invitations ---------------------------------------------------------------------------


def require_invitation_create(
    viewer: Viewer,
    organisation: Organisation,
    role: str = Role.PARTNER,
    couple: Couple | None = None,
) -> None:
    """Inviting into ORGANISATION (and adding a couple to it) is for its org admins and clinical
    leads; a partner to an existing COUPLE of it, also for the couple's care team. For anyone
    else the organisation's invitations do not exist: 404, as for every page of it they cannot
    use, audited. Staff (any ROLE but partner) are invited by its org admins alone: a clinical
    lead is refused (403, audited)."""
    to_own_couple = (
        role == Role.PARTNER
        and couple is not None
        and couple.organisation_id == organisation.pk
        and is_care_team_of(viewer, couple)
    )
    if not (can_invite(viewer, organisation.pk) or to_own_couple):
        raise deny(
            viewer, what="organisation", object_id=organisation.pk, organisation_id=organisation.pk
        )
    if role != Role.PARTNER and viewer.role_in(organisation.pk) != Role.ORG_ADMIN:
        raise refuse(
            viewer,
            action="invite staff to",
            what="organisation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
        )


def invites_to_a_couple(role: str) -> bool:
    """A partner is invited to a couple; staff to the organisation alone."""
    return role == Role.PARTNER


def require_invitation_manage(viewer: Viewer, invitation: Invitation) -> None:
    """Resending, revoking or changing the address of an invitation not yet accepted: a staff
    member's invitation is its organisation's org admins' to manage; a partner's is also their
    couple's care team's. Anyone with no role in the organisation is told it does not exist
    (404), anyone else in it is refused (403); both audited."""
    organisation_id = invitation.organisation_id
    role = viewer.role_in(organisation_id)
    if role is None:
        raise deny(
            viewer, what="invitation", object_id=invitation.pk, organisation_id=organisation_id
        )
    if invitation.couple is None:
        allowed = role == Role.ORG_ADMIN
    else:
        allowed = role in _MANAGERS or is_care_team_of(viewer, invitation.couple)
    if not allowed:
        raise refuse(
            viewer,
            action="manage",
            what="invitation",
            object_id=invitation.pk,
            organisation_id=organisation_id,
            couple_id=invitation.couple_id,
        )


def get_invitation_for_link(digest: str, *, lock: bool = False) -> Invitation:
    """The usable invitation whose link hashes to DIGEST (LOCK: locked until the transaction
    ends); used, expired, revoked or unknown links are all the same 404 (the holder of a link
    is not signed in: nothing to audit)."""
    invitations = Invitation.objects.select_related("organisation", "couple")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(digest=digest).first()
    if invitation is None or not invitation.is_usable():
        raise Http404("This invitation link is not valid")
    return invitation


# The organisation's settings ------------------------------------------------------------------


def get_organisation_settings_for(viewer: Viewer, requested: object) -> Organisation:
    """The organisation whose settings page VIEWER asks for (`?org=`), or the first they
    manage; refused (403, audited) to anyone but its org admins and clinical leads."""
    return organisation_for(viewer, requested, _MANAGERS, what="organisation settings")


def get_organisation_time_zone_for(viewer: Viewer, requested: object) -> Organisation:
    """The organisation whose time zone VIEWER sets: its org admin's alone (403, audited)."""
    return organisation_for(viewer, requested, {Role.ORG_ADMIN}, what="organisation time zone")


def can_set_time_zone(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.role_in(organisation_id) == Role.ORG_ADMIN


def require_organisation_profile_change(viewer: Viewer, organisation: Organisation) -> None:
    if viewer.role_in(organisation.pk) not in _MANAGERS:
        raise refuse(
            viewer,
            action="change the profile of",
            what="organisation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
        )


def require_organisation_time_zone_change(viewer: Viewer, organisation: Organisation) -> None:
    if not can_set_time_zone(viewer, organisation.pk):
        raise refuse(
            viewer,
            action="change the time zone of",
            what="organisation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
        )


def get_organisation_to_edit_for(viewer: Viewer, requested: object, *, what: str) -> Organisation:
    """The organisation whose details or rooms (WHAT) VIEWER changes: its org admin's alone
    (403, audited)."""
    return organisation_for(viewer, requested, {Role.ORG_ADMIN}, what=what)


def require_organisation_update(viewer: Viewer, organisation: Organisation) -> None:
    """The organisation's name, address and phone: its org admin's to change (403, audited)."""
    if not can_set_time_zone(viewer, organisation.pk):
        raise refuse(
            viewer,
            action="change the details of",
            what="organisation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
        )
