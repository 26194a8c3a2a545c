"""Measures and safety alerts.

A partner's measure responses are theirs and their care team's; the other partner sees
them only when their author shared them with the couple. Safety alerts are the care team's."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from holdspace.accounts.models import Role
from holdspace.couples.models import Couple
from holdspace.measures.models import MeasureResponse, SafetyAlert
from holdspace.policy.core import (
    _CARE_ROLES,
    Viewer,
    deny,
    is_care_team_of,
    is_partner_of,
    refuse,
    require_partner_record_write,
)


def responses_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[MeasureResponse]:
    responses = MeasureResponse.objects.filter(
        organisation_id=couple.organisation_id, couple=couple
    )
    if is_partner_of(viewer, couple):
        sharing = [
            p.user_id
            for p in couple.loaded_partners
            if p.measures_visibility == "couple" and p.user_id != viewer.user.pk
        ]
        return responses.filter(Q(partner=viewer.user) | Q(partner_id__in=sharing))
    if is_care_team_of(viewer, couple):
        return responses
    return responses.none()


def can_see_item_answers(viewer: Viewer, couple: Couple, response: MeasureResponse) -> bool:
    """Item-level answers (not only the score): the partner who gave them and the couple's
    care team (its facilitators, the clinical leads); never the other partner, even when the
    score is shared with them, nor an org admin or a researcher."""
    if is_partner_of(viewer, couple):
        return response.partner_id == viewer.user.pk
    return is_care_team_of(viewer, couple)


def require_item_answers(viewer: Viewer, couple: Couple, response: MeasureResponse) -> None:
    """The response's page with its answers item by item: 404 for anyone else."""
    if not can_see_item_answers(viewer, couple, response):
        raise deny(
            viewer,
            what="measure response",
            object_id=response.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_response_submit(viewer: Viewer, couple: Couple, partner_id: int) -> None:
    """A partner answers for themselves; the care team may administer for either partner."""
    require_partner_record_write(viewer, couple, partner_id, action="submit measures for")


def require_measures_share(viewer: Viewer, couple: Couple) -> None:
    """Only a partner decides who sees their own scores."""
    if not is_partner_of(viewer, couple):
        raise refuse(
            viewer,
            action="share the measures of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def alerts_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[SafetyAlert]:
    """The safety alerts of the couples the viewer cares for (staff only)."""
    role = viewer.role_in(organisation_id)
    alerts = SafetyAlert.objects.filter(organisation_id=organisation_id)
    if role == Role.CLINICAL_LEAD:
        return alerts
    if role == Role.FACILITATOR:
        return alerts.filter(couple__care_team__user=viewer.user)
    return alerts.none()


def get_alert_for(viewer: Viewer, alert_id: int) -> SafetyAlert:
    for organisation_id in viewer.orgs_with(_CARE_ROLES):
        alert = alerts_visible_to(viewer, organisation_id).filter(pk=alert_id).first()
        if alert is not None:
            return alert
    existing = SafetyAlert.objects.filter(pk=alert_id).values_list("organisation_id", flat=True)
    raise deny(
        viewer,
        what="safety alert",
        object_id=alert_id,
        organisation_id=existing.first(),
        couple_id=None,
    )
