"""Notifications: whose rows of the e-mail outbox a viewer sees."""

from __future__ import annotations

from holdspace.accounts.models import Role
from holdspace.policy.core import _ORG_WIDE_ROLES, Viewer, deny, refuse


def outbox_scope_for(viewer: Viewer, organisation_id: int, *, api: bool = False) -> int | None:
    """Whose outbox rows the viewer sees in ORGANISATION_ID: None for all of them (org admins,
    clinical leads), else the facilitator whose couples' rows they are (the page only; the API
    refuses a facilitator, 403). Anyone else, of any organisation, meets a 404."""
    role = viewer.role_in(organisation_id)
    if role in _ORG_WIDE_ROLES:
        return None
    if role == Role.FACILITATOR:
        if not api:
            return viewer.user.pk
        raise refuse(
            viewer,
            action="read through the API the e-mail outbox of",
            what="organisation",
            object_id=organisation_id,
            organisation_id=organisation_id,
        )
    raise deny(
        viewer,
        what="outbox",
        object_id=organisation_id,
        organisation_id=organisation_id if role is not None else None,
    )
