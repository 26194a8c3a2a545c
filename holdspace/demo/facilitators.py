"""Each facilitator's and clinical lead's credentials and profile, and the partners' reviews
of their guides."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.couples.models import Couple
from holdspace.demo.schemas import Facilitators, load
from holdspace.facilitators.models import (
    Credential,
    CredentialKind,
    FacilitatorProfile,
    GuideReview,
)
from holdspace.screening.profiles import get_profile


def seed_facilitators(organisation: Organisation) -> None:
    """Verified credentials and a profile for each facilitator and clinical lead not seeded yet
    (but Quinn's licence runs out in 20 days and Jamie's is not verified yet); partners who
    have met their guide have approved them."""
    seeded = set(
        Credential.objects.filter(organisation=organisation).values_list(
            "facilitator_id", flat=True
        )
    )
    lead = next(
        m.user
        for m in Membership.objects.filter(organisation=organisation, role=Role.CLINICAL_LEAD)
    )
    staff = Membership.objects.filter(
        organisation=organisation, role__in=[Role.FACILITATOR, Role.CLINICAL_LEAD]
    ).select_related("user")
    for index, membership in enumerate(staff):
        if membership.user.pk not in seeded:
            _credentials(organisation, membership.user, lead, serial=1040 + index)
            _profile(organisation, membership.user)
    if not seeded:  # the reviews come with the first seeding
        _reviews(organisation)


def _credentials(organisation: Organisation, user: User, lead: User, serial: int) -> None:
    data = load("facilitators", Facilitators)
    differs = data.people.get(user.email)
    expires_in = differs.expires_in_days if differs else {}
    requirements = get_profile(organisation.profile).facilitators
    jurisdiction = requirements.licence_jurisdiction or data.default_jurisdiction
    today = timezone.localdate()
    verified = {
        "organisation": organisation,
        "facilitator": user,
        "status": "verified",
        "verified_by": lead,
        "verified_at": timezone.now(),
    }
    licence = data.licence
    if differs is None or differs.licence_verified:
        Credential.objects.create(
            **verified,
            kind="licence",
            jurisdiction=jurisdiction,
            title=requirements.licence_label,
            number=f"{jurisdiction[:2].upper()}-PSF-{serial}",
            issued_on=today - dt.timedelta(days=licence.issued_days_ago),
            expires_on=today
            + dt.timedelta(days=expires_in.get(CredentialKind.LICENCE, licence.expires_in_days)),
            register=licence.verified_against.format(jurisdiction=jurisdiction),
        )
    else:
        Credential.objects.create(
            organisation=organisation,
            facilitator=user,
            status="unverified",
            kind="licence",
            jurisdiction=jurisdiction,
            title=requirements.licence_label,
            number=f"{jurisdiction[:2].upper()}-PSF-{serial}",
            issued_on=today - dt.timedelta(days=licence.unverified_issued_days_ago),
            expires_on=today
            + dt.timedelta(days=expires_in.get(CredentialKind.LICENCE, licence.expires_in_days)),
            register="",
        )
    for credential in data.credentials:
        expires = expires_in.get(credential.kind, credential.expires_in_days)
        Credential.objects.create(
            **verified,
            kind=credential.kind,
            title=credential.title,
            **({"hours": credential.hours} if credential.hours is not None else {}),
            issued_on=today - dt.timedelta(days=credential.issued_days_ago),
            **({"expires_on": today + dt.timedelta(days=expires)} if expires else {}),
            register=credential.verified_against,
        )


def _profile(organisation: Organisation, user: User) -> None:
    data = load("facilitators", Facilitators)
    differs = data.people.get(user.email)
    text = data.profile
    FacilitatorProfile.objects.create(
        organisation=organisation,
        facilitator=user,
        supervision=text.supervision,
        languages=(differs.languages if differs and differs.languages else text.languages),
        substances=get_profile(organisation.profile).substances,
        modalities=text.modalities,
        ethics_acknowledged_at=timezone.now() - dt.timedelta(days=text.ethics_signed_days_ago),
        conflicts_of_interest=text.conflicts_of_interest,
    )


def _reviews(organisation: Organisation) -> None:
    not_yet_met = set(load("facilitators", Facilitators).reviews.not_yet_met)
    for couple in Couple.with_people(Couple.objects.filter(organisation=organisation)):
        for partner in couple.loaded_partners:
            if partner.user.email in not_yet_met:
                continue
            for member in couple.loaded_care_team:
                GuideReview.objects.create(
                    organisation=organisation,
                    couple=couple,
                    partner_id=partner.user_id,
                    facilitator_id=member.user_id,
                    decision=GuideReview.APPROVE,
                )
