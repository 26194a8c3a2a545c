"""Regulator reports (Oregon's 303 quarterly report, Colorado's administration-session log):
the organisation's org admins and clinical leads generate them and mark them submitted.
Anyone else is refused with a 403, audited: partners, facilitators, researchers, and people of
other organisations (`core.organisation_for`)."""

from __future__ import annotations

from holdspace.accounts.models import Organisation, Role
from holdspace.policy.core import Viewer, organisation_for

REGULATOR_ROLES = frozenset({Role.ORG_ADMIN, Role.CLINICAL_LEAD})


def can_report_to_regulator(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.role_in(organisation_id) in REGULATOR_ROLES


def reports_to_a_regulator(viewer: Viewer) -> bool:
    """Whether VIEWER makes the regulator reports of any organisation (the navigation)."""
    return bool(viewer.orgs_with(REGULATOR_ROLES))


def get_regulator_organisation_for(
    viewer: Viewer, requested: object, *, report: str, attempted: str = "generate"
) -> Organisation:
    """The organisation whose REPORT VIEWER asks for (`?org=` or the API's organisation_id),
    or the first whose reports they make; 403, audited, for anyone else."""
    return organisation_for(
        viewer, requested, REGULATOR_ROLES, what=f"{report} report", attempted=attempted
    )
