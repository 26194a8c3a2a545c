"""Measures and safety alerts.

A partner's measure responses are theirs and their care team's; the other partner sees
them only when their author shared them with the couple. Item-level answers are for the
partner who gave them and the care team alone. A partner answers for themselves; the care
team may administer a questionnaire for either partner. Safety alerts are the care team's.
The instrument library (what each instrument asks) is open to everyone signed in."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from holdspace.accounts.models import Role
from holdspace.couples.models import Couple
from holdspace.measures.library import Instrument, InstrumentError, get_instrument
from holdspace.measures.models import MeasureResponse, SafetyAlert, Timepoint
from holdspace.measures.schedule import instrument_for
from holdspace.policy.core import (
    _CARE_ROLES,
    Viewer,
    deny,
    is_care_team_of,
    is_partner_of,
    refuse,
    require_partner_record_write,
)

# Responses ---------------------------------------------------------------------------------


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


def get_response_for(viewer: Viewer, couple: Couple, response_id: int) -> MeasureResponse:
    """One response of COUPLE the viewer may see its score of; 404 (audited) otherwise."""
    response = responses_visible_to(viewer, couple).filter(pk=response_id).first()
    if response is None:
        raise deny(
            viewer,
            what="measure_response",
            object_id=response_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    return response


def can_see_item_answers(viewer: Viewer, couple: Couple, response: MeasureResponse) -> bool:
    """Item-level answers (not only the score): the partner who gave them and the couple's
    care team (its facilitators, the clinical leads); never the other partner, even when the
    score is shared with them, nor an org admin or a researcher."""
    if is_partner_of(viewer, couple):
        return response.partner_id == viewer.user.pk
    return is_care_team_of(viewer, couple)


def can_see_every_partners_answers(viewer: Viewer, couple: Couple) -> bool:
    """Whether each response of COUPLE the viewer sees opens onto its answers: the care team."""
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


def answers_as_partner(viewer: Viewer, couple: Couple) -> bool:
    """Whether the viewer answers COUPLE's questionnaires as one of its partners (their due
    measures and their thank-you page), rather than reading them as its care team."""
    return is_partner_of(viewer, couple)


def can_see_overdue_measures(viewer: Viewer, organisation_id: int) -> bool:
    """How many questionnaires each couple has overdue: for the organisation's care roles."""
    return viewer.role_in(organisation_id) in _CARE_ROLES


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


# The questionnaire form ------------------------------------------------------------------


def get_instrument_for(viewer: Viewer, code: str, couple: Couple | None = None) -> Instrument:
    """An instrument of the library; for COUPLE, as its organisation shows it (a licensed
    instrument whose wording the organisation has not supplied does not exist there). 404,
    audited, for any other code."""
    try:
        found = instrument_for(couple.organisation.slug, code) if couple else get_instrument(code)
    except InstrumentError:
        found = None
    if found is None:
        raise deny(
            viewer,
            what="instrument",
            object_id=code[:64],
            organisation_id=couple.organisation_id if couple else _own_trail(viewer),
            couple_id=couple.pk if couple else None,
        )
    return found


def get_measure_form_for(
    viewer: Viewer, couple: Couple, *, code: str, timepoint: str, partner: str
) -> tuple[Instrument, int]:
    """The questionnaire CODE at TIMEPOINT, for the partner PARTNER names (the viewer when it
    is empty), and that partner's id: 404 for a timepoint, partner or instrument that does not
    exist for the viewer, 403 for a partner they may not answer for; audited."""
    partner = partner.strip()
    if timepoint not in Timepoint.values or not (partner.isdigit() or not partner):
        raise deny(
            viewer,
            what="measure_form",
            object_id=f"{code[:32]}/{timepoint[:32]}",
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    partner_id = int(partner) if partner else viewer.user.pk
    require_response_submit(viewer, couple, partner_id)
    return get_instrument_for(viewer, code, couple), partner_id


def _own_trail(viewer: Viewer) -> int | None:
    """The chain a denial about no organisation in particular lands in: the viewer's first."""
    return min(viewer.roles) if viewer.roles else None


# Safety alerts -----------------------------------------------------------------------------


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
