"""Screening and preparation: each partner's screening, forms and private preparation."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from holdspace.accounts.models import Organisation
from holdspace.demo.find import couple_named, guide_of, partner_id
from holdspace.demo.schemas import PartnerPreparation, Preparation, load
from holdspace.preparation.services import partner_form_submit, preparation_session_record
from holdspace.screening.models import Screening
from holdspace.screening.profiles import get_profile
from holdspace.screening.rules import rule_set
from holdspace.screening.services import screening_submit


def seed_preparation(organisation: Organisation) -> bool:
    """Each partner of preparation.toml screened, with their forms and private preparation,
    recorded by the couple's facilitator. False (and nothing written) when the organisation
    was screened before."""
    if Screening.objects.filter(organisation=organisation).exists():
        return False
    now = timezone.now()
    for partner in load("preparation", Preparation).partners:
        _partner(organisation, partner, now)
    return True


def _partner(organisation: Organisation, demo: PartnerPreparation, now: dt.datetime) -> None:
    data = load("preparation", Preparation)
    couple = couple_named(organisation, demo.couple)
    if couple is None:
        return
    partner = partner_id(couple, demo.partner)
    facilitator = guide_of(couple)
    screening_submit(
        viewer=facilitator,
        couple=couple,
        partner_id=partner,
        substance=get_profile(organisation.profile).substances[0],
        medications=list(demo.medications),
        answers={
            **{
                code: False
                for code, question in rule_set().questions.items()
                if question.group == "client_information"
            },
            "treated_by_provider": demo.treated_by_provider,
        },
    )
    for kind in demo.forms:
        partner_form_submit(
            viewer=facilitator,
            couple=couple,
            partner_id=partner,
            kind=kind,
            data=dict(data.forms[kind]),
        )
    if demo.prepared_days_ago is not None:
        preparation_session_record(
            viewer=facilitator,
            couple=couple,
            kind="private",
            partner_id=partner,
            held_at=now - dt.timedelta(days=demo.prepared_days_ago),
            facilitator_id=facilitator.user.pk,
            notes=data.preparation_notes,
        )
