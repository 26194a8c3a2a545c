"""Regulator reports (Oregon's 303 quarterly report, Colorado's administration-session log):
the organisation's org admins and clinical leads generate them and mark them submitted.
Anyone else is refused with a 403, audited: partners, facilitators, researchers, and people of
other organisations (`core.organisation_for`)."""

from __future__ import annotations

from django.http import Http404

from holdspace.accounts.models import Organisation, Role
from holdspace.policy.core import Viewer, organisation_for
from holdspace.screening.profiles import RegulatorReport, get_profile

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


class ReportNotOffered(Http404):
    """The organisation's profile has no such report (a Colorado center asking for Oregon's):
    404, with a sentence saying so."""


def get_regulator_report_for(
    viewer: Viewer, requested: object, *, report: str, attempted: str = "generate"
) -> tuple[Organisation, RegulatorReport]:
    """The organisation (as `get_regulator_organisation_for`: 403 for anyone else) and its
    profile's REPORT; ReportNotOffered when the profile has none. Without REQUESTED, the first
    organisation whose profile has the report (someone who reports for an Oregon center and a
    Colorado one gets each report's own), else the first whose reports they make."""
    if requested is None or not str(requested).strip():
        offered = regulator_report_offered(viewer, report)
        requested = offered[0].pk if offered else requested
    organisation = get_regulator_organisation_for(
        viewer, requested, report=report, attempted=attempted
    )
    profile = get_profile(organisation.profile)
    found = profile.report(report)
    if found is None:
        raise ReportNotOffered(
            f"The {profile.name} profile of {organisation.name} has no {report} report."
        )
    return organisation, found


def regulator_report_offered(viewer: Viewer, report: str) -> list[Organisation]:
    """The organisations whose REPORT VIEWER makes (their profile has it): the navigation."""
    allowed = viewer.orgs_with(REGULATOR_ROLES)
    found = Organisation.objects.filter(pk__in=allowed).order_by("name", "id")
    return [o for o in found if get_profile(o.profile).report(report) is not None]
