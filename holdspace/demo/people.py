"""The organisations, their staff, and the couples with what each partner wrote."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from holdspace.accounts.models import Membership, Organisation, Role, Room, User
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.couples.models import Couple
from holdspace.couples.services import couple_create, entry_create, partner_add
from holdspace.demo.schemas import DemoCouple, DemoOrganisation, People, load
from holdspace.policy.core import Viewer, viewer_for

DEMO_PASSWORD = "holdspace-demo"


def seed_people() -> None:
    """Each organisation of people.toml with its staff and couples; what is there stays."""
    for demo in load("people", People).organisations:
        _organisation(demo)


def _person(email: str, name: str, role: str, organisation: Organisation) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(email=email, display_name=name, password=DEMO_PASSWORD)
    membership_ensure(organisation=organisation, user=user, role=role)
    return user


def _organisation(demo: DemoOrganisation) -> None:
    organisation, _ = Organisation.objects.get_or_create(
        slug=demo.slug, defaults={"name": demo.name, "profile": demo.profile}
    )
    for room in demo.rooms:
        if not Room.objects.filter(organisation=organisation, name__iexact=room).exists():
            Room.objects.create(organisation=organisation, name=room)
    people = {
        person.email: _person(person.email, person.name, person.role, organisation)
        for person in demo.staff
    }
    lead = next(
        user
        for user in people.values()
        if Membership.objects.filter(
            user=user, organisation=organisation, role=Role.CLINICAL_LEAD
        ).exists()
    )
    for couple in demo.couples:
        if not Couple.objects.filter(organisation=organisation, name=couple.name).exists():
            _couple(couple, organisation, viewer_for(lead), people)


def _couple(
    demo: DemoCouple, organisation: Organisation, lead: Viewer, staff: dict[str, User]
) -> None:
    # They joined before the sessions and questionnaires seeded for them.
    couple = couple_create(
        viewer=lead,
        organisation=organisation,
        name=demo.name,
        stage=demo.stage,
        facilitator_ids=[staff[demo.facilitator].pk],
        joined_at=timezone.now() - dt.timedelta(days=demo.joined_days_ago),
    )
    partners = {}
    for person in demo.partners:
        user = _person(person.email, person.name, Role.PARTNER, organisation)
        partner_add(
            couple=couple,
            user_id=user.pk,
            actor_id=lead.user.pk,
            actor_label=lead.user.email,
            ip=None,
        )
        partners[person.name] = user
    for entry in demo.entries:
        entry_create(
            viewer=viewer_for(partners[entry.partner]),
            couple=couple,
            kind=entry.kind,
            visibility=entry.visibility,
            body=entry.body,
        )
