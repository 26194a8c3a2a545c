"""Each facilitator's and clinical lead's credentials and profile, and the partners' reviews
of their guides."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.couples.models import Couple
from holdspace.demo.find import viewer_of
from holdspace.demo.schemas import Facilitators, load
from holdspace.facilitators.models import (
    Credential,
    CredentialKind,
    GuideReview,
)
from holdspace.facilitators.services import (
    CredentialInput,
    credential_add,
    credential_set_status,
    guide_review,
    profile_update,
)
from holdspace.policy.core import Viewer, viewer_for
from holdspace.screening.profiles import get_profile


def seed_facilitators(organisation: Organisation) -> None:
    """Credentials, verified by the clinical lead, and a profile for each facilitator and
    clinical lead not seeded yet (but Quinn's licence runs out in 20 days and Jamie's is not
    verified yet); partners who have met their guide have approved them."""
    seeded = set(
        Credential.objects.filter(organisation=organisation).values_list(
            "facilitator_id", flat=True
        )
    )
    lead = viewer_for(
        next(
            m.user
            for m in Membership.objects.filter(
                organisation=organisation, role=Role.CLINICAL_LEAD
            ).select_related("user")
        )
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


def _credentials(organisation: Organisation, user: User, lead: Viewer, serial: int) -> None:
    """The licence and the other credentials of facilitators.toml, each added and then
    verified by the clinical lead against its register (a licence left unverified is not)."""
    data = load("facilitators", Facilitators)
    differs = data.people.get(user.email)
    expires_in = differs.expires_in_days if differs else {}
    requirements = get_profile(organisation.profile).facilitators
    jurisdiction = requirements.licence_jurisdiction or data.default_jurisdiction
    today = timezone.localdate()
    verified = differs is None or differs.licence_verified
    licence = CredentialInput(
        kind=CredentialKind.LICENCE,
        title=requirements.licence_label,
        jurisdiction=jurisdiction,
        number=f"{jurisdiction[:2].upper()}-PSF-{serial}",
        issued_on=today
        - dt.timedelta(
            days=data.licence.issued_days_ago
            if verified
            else data.licence.unverified_issued_days_ago
        ),
        expires_on=today
        + dt.timedelta(days=expires_in.get(CredentialKind.LICENCE, data.licence.expires_in_days)),
    )
    register = data.licence.verified_against.format(jurisdiction=jurisdiction)
    _credential(organisation, user, lead, licence, register if verified else None)
    for other in data.credentials:
        expires = expires_in.get(other.kind, other.expires_in_days)
        held = CredentialInput(
            kind=other.kind,
            title=other.title,
            hours=other.hours,
            issued_on=today - dt.timedelta(days=other.issued_days_ago),
            expires_on=today + dt.timedelta(days=expires) if expires else None,
        )
        _credential(organisation, user, lead, held, other.verified_against)


def _credential(
    organisation: Organisation,
    user: User,
    lead: Viewer,
    data: CredentialInput,
    register: str | None,
) -> None:
    credential = credential_add(
        viewer=lead, organisation=organisation, facilitator_id=user.pk, data=data
    )
    if register is not None:
        credential_set_status(
            viewer=lead, credential=credential, status="verified", register=register
        )


def _profile(organisation: Organisation, user: User) -> None:
    data = load("facilitators", Facilitators)
    differs = data.people.get(user.email)
    text = data.profile
    profile_update(
        viewer=viewer_for(user),
        organisation=organisation,
        facilitator_id=user.pk,
        values={
            "supervision": text.supervision,
            "languages": differs.languages if differs and differs.languages else text.languages,
            "substances": get_profile(organisation.profile).substances,
            "modalities": text.modalities,
            "conflicts_of_interest": text.conflicts_of_interest,
            "ethics_acknowledged": True,
        },
        signed_at=timezone.now() - dt.timedelta(days=text.ethics_signed_days_ago),
    )


def _reviews(organisation: Organisation) -> None:
    """Each partner who has met their care team approves each of its facilitators."""
    not_yet_met = set(load("facilitators", Facilitators).reviews.not_yet_met)
    for couple in Couple.with_people(Couple.objects.filter(organisation=organisation)):
        for partner in couple.loaded_partners:
            if partner.user.email in not_yet_met:
                continue
            for member in couple.loaded_care_team:
                guide_review(
                    viewer=viewer_of(partner.user_id),
                    couple=couple,
                    facilitator_id=member.user_id,
                    decision=GuideReview.APPROVE,
                )
