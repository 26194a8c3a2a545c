"""Screening and preparation: each partner's screening, forms and private preparation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from holdspace.accounts.models import Organisation, User
from holdspace.couples.models import Couple
from holdspace.demo.find import couple_named, guide_of, partner_id
from holdspace.demo.schemas import DemoClientData, PartnerPreparation, Preparation, load
from holdspace.policy.core import viewer_for
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.documents import document_for
from holdspace.preparation.services import partner_form_submit, preparation_session_record
from holdspace.preparation.signatures.services import signature_create
from holdspace.screening.models import Screening
from holdspace.screening.profiles import Profile, RequiredForm, get_profile
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
        date_of_birth=demo.date_of_birth,
    )
    profile = get_profile(organisation.profile)
    for kind in demo.forms:
        required = profile.required(kind)
        if required is not None and required.signed:
            _sign(couple, partner, profile, required, dict(data.forms[kind]))
            continue
        partner_form_submit(
            viewer=facilitator,
            couple=couple,
            partner_id=partner,
            kind=kind,
            data=_client_data(demo) if kind == "demographic_form" else dict(data.forms[kind]),
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


def _client_data(demo: PartnerPreparation) -> dict[str, Any]:
    """The partner's 303 answers as the form's body, the opt-out offered and confirmed."""
    answers = demo.client_data or DemoClientData()
    return {**answers.model_dump(), "opt_out_offered": True}


def _sign(
    couple: Couple, partner: int, profile: Profile, form: RequiredForm, answers: dict[str, Any]
) -> None:
    """The partner signs a signed form themselves, typing their name (as on the signing page)."""
    user = User.objects.get(pk=partner)
    viewer = viewer_for(user)
    signature_create(
        viewer=viewer,
        couple=get_couple_for(viewer, couple.pk),
        partner_id=partner,
        document=form.code,
        version=document_for(profile, form).version,
        typed_name=user.display_name,
        answers=answers,
    )
