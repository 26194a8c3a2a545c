"""Accounts: who may invite people into an organisation."""

from __future__ import annotations

from holdspace.accounts.models import Role
from holdspace.policy.core import Viewer


def can_invite(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.role_in(organisation_id) in {Role.ORG_ADMIN, Role.CLINICAL_LEAD}
