"""Preparation: a partner's preparation forms are theirs and their care team's; the other
partner never sees them. Preparation session notes are the care team's alone."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer, is_care_team_of, is_partner_of, require_couple_people
from holdspace.preparation.models import PartnerForm, PreparationSession


def partner_forms_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[PartnerForm]:
    forms = PartnerForm.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if is_partner_of(viewer, couple):
        return forms.filter(partner=viewer.user)
    if is_care_team_of(viewer, couple):
        return forms
    return forms.none()


def preparation_sessions_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[PreparationSession]:
    """The care team sees every preparation session; a partner sees their own private ones
    and the joint ones (the template shows them no notes)."""
    sessions = PreparationSession.objects.filter(
        organisation_id=couple.organisation_id, couple=couple
    )
    if is_partner_of(viewer, couple):
        return sessions.filter(Q(partner=viewer.user) | Q(kind="joint"))
    if is_care_team_of(viewer, couple):
        return sessions
    return sessions.none()


def require_readiness(viewer: Viewer, couple: Couple) -> None:
    require_couple_people(viewer, couple, action="see the readiness of")
