"""Reports: the de-identified exports and program outcomes of an organisation, and the couple
progress report in its two variants.

- Exports (the measures CSV) and program outcomes: the researchers and clinical leads of the
  organisation. Anyone else, and anyone asking about an organisation they do not belong to,
  gets a 404, audited in the trail of the organisation asked about when they belong to it,
  else of their own first one.
- The progress report of a couple (reached through `get_couple_for`, a 404 for whoever may not
  see the couple): the couple variant for its partners and its care team, the clinical variant
  for the care team (its facilitators, the clinical leads). Anyone else who sees the couple (an
  org admin) is refused with a 403.
- The facilitator's summary on the report: written by the care team.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from holdspace.accounts.models import Organisation, Role
from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer, deny, is_care_team_of, is_partner_of, refuse

EXPORT_ROLES = frozenset({Role.RESEARCHER, Role.CLINICAL_LEAD})
PROGRESS_VARIANTS = ("couple", "clinical")


# Exports and program outcomes ----------------------------------------------------------------


def can_export(viewer: Viewer, organisation_id: int) -> bool:
    """De-identified exports: researchers and clinical leads of the organisation."""
    return viewer.role_in(organisation_id) in EXPORT_ROLES


def export_organisations_visible_to(viewer: Viewer) -> QuerySet[Organisation]:
    """The organisations whose de-identified data VIEWER may export, first one first."""
    return Organisation.objects.filter(pk__in=viewer.orgs_with(EXPORT_ROLES)).order_by("pk")


def _export_denied(viewer: Viewer, organisation_id: int, requested: object) -> Http404:
    """404 for an export the viewer may not make, in the trail of the organisation asked about
    if they belong to it, else of their own first one."""
    belongs = viewer.role_in(organisation_id) is not None
    trail = organisation_id if belongs else (min(viewer.roles) if viewer.roles else None)
    return deny(viewer, what="export", object_id=requested, organisation_id=trail)


def require_export(viewer: Viewer, organisation_id: int) -> None:
    """The export or the outcomes of ORGANISATION_ID: 404 for anyone but its researchers and
    clinical leads."""
    if not can_export(viewer, organisation_id):
        raise _export_denied(viewer, organisation_id, organisation_id)


def get_export_organisation_for(viewer: Viewer, requested: str | None) -> Organisation:
    """The organisation an export or outcomes page is asked for (`?organisation=`), or the
    first one VIEWER may export from; 404, audited, for anything else (not a number, another
    organisation, a role that may not export)."""
    raw = (requested or "").strip()
    if raw:
        organisation_id = int(raw) if raw.isdigit() else 0
    else:
        first = export_organisations_visible_to(viewer).values_list("pk", flat=True).first()
        organisation_id = first or 0
    if not can_export(viewer, organisation_id):
        raise _export_denied(viewer, organisation_id, raw or organisation_id)
    return Organisation.objects.get(pk=organisation_id)


# The couple progress report ------------------------------------------------------------------


def can_generate_progress_report(viewer: Viewer, couple: Couple, variant: str) -> bool:
    if variant not in PROGRESS_VARIANTS:
        return False
    if is_care_team_of(viewer, couple):
        return True
    return variant == "couple" and is_partner_of(viewer, couple)


def require_progress_report(viewer: Viewer, couple: Couple, variant: str) -> None:
    """The couple variant: its partners and its care team. The clinical variant: the care team
    (facilitators on it, clinical leads). Anyone else who sees the couple (an org admin) is
    refused (403); COUPLE must come from get_couple_for, which already answered 404 to those
    who may not see it at all."""
    if not can_generate_progress_report(viewer, couple, variant):
        raise refuse(
            viewer,
            action=f"generate the {variant} progress report of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def can_write_progress_summary(viewer: Viewer, couple: Couple) -> bool:
    """The facilitator's summary is the care team's: they see the form and the history."""
    return is_care_team_of(viewer, couple)


def require_progress_summary_write(viewer: Viewer, couple: Couple) -> None:
    if not can_write_progress_summary(viewer, couple):
        raise refuse(
            viewer,
            action="write the progress summary of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
