"""The questionnaires partners answered, the safety alert one raised, and who shares scores."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from holdspace.accounts.models import Organisation
from holdspace.demo.find import couple_named, guide_of, partner_id, viewer_of
from holdspace.demo.schemas import Measures, load
from holdspace.measures.library import get_instrument
from holdspace.measures.models import MeasureResponse
from holdspace.measures.scoring import answers_from_list
from holdspace.measures.services import alert_acknowledge, measures_share, response_submit


def seed_measures(organisation: Organisation) -> None:
    """Each response of measures.toml, submitted by its partner; an alert it raises is
    acknowledged by the couple's facilitator. Once per organisation."""
    if MeasureResponse.objects.filter(organisation=organisation).exists():
        return
    data = load("measures", Measures)
    now = timezone.now()
    for response in data.responses:
        couple = couple_named(organisation, response.couple)
        if couple is None:
            continue
        submitted = response_submit(
            viewer=viewer_of(partner_id(couple, response.partner)),
            couple=couple,
            instrument=response.instrument,
            timepoint=response.timepoint,
            answers=answers_from_list(get_instrument(response.instrument), response.answers),
            taken_at=now - dt.timedelta(days=response.days_ago),
        )
        for alert in submitted.alerts:
            alert_acknowledge(viewer=guide_of(couple), alert=alert, note=data.alert_note)


def seed_sharing(organisation: Organisation) -> None:
    """The couples whose partners chose to show each other their questionnaire scores."""
    for name in load("measures", Measures).sharing.couple:
        couple = couple_named(organisation, name)
        if couple is None:
            continue
        for partner in couple.loaded_partners:
            measures_share(viewer=viewer_of(partner.user_id), couple=couple, visibility="couple")
