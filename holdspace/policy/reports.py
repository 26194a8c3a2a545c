"""Reports: de-identified exports and the couple progress report."""

from __future__ import annotations

from holdspace.accounts.models import Role
from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer, deny, is_care_team_of, is_partner_of, refuse


def can_export(viewer: Viewer, organisation_id: int) -> bool:
    """De-identified exports: researchers and clinical leads of the organisation."""
    return viewer.role_in(organisation_id) in {Role.RESEARCHER, Role.CLINICAL_LEAD}


def require_export(viewer: Viewer, organisation_id: int) -> None:
    if not can_export(viewer, organisation_id):
        raise deny(
            viewer,
            what="export",
            object_id=organisation_id,
            organisation_id=organisation_id if viewer.role_in(organisation_id) else None,
            couple_id=None,
        )


def require_progress_report(viewer: Viewer, couple: Couple, variant: str) -> None:
    """The couple variant: its partners and its care team. The clinical variant: the care team
    (facilitators on it, clinical leads). Anyone else who sees the couple (an org admin) is
    refused (403); COUPLE must come from get_couple_for, which already answered 404 to those
    who may not see it at all."""
    care = is_care_team_of(viewer, couple)
    allowed = care or (variant == "couple" and is_partner_of(viewer, couple))
    if variant not in {"couple", "clinical"} or not allowed:
        raise refuse(
            viewer,
            action=f"generate the {variant} progress report of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
