"""The demo practice that `holdspace seed-demo` (and the first `make run`) loads."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.couples.models import Couple, Stage
from holdspace.couples.services import couple_create, entry_create, partner_add
from holdspace.policy import viewer_for

DEMO_PASSWORD = "holdspace-demo"
DOMAIN = "demo.holdspace.org"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: str


@dataclass(frozen=True)
class DemoCouple:
    name: str
    stage: str
    partners: tuple[DemoPerson, DemoPerson]
    facilitator: str
    entries: tuple[tuple[int, str, str, str], ...]  # partner index, kind, visibility, body


CENTER_STAFF = (
    DemoPerson(f"lead@{DOMAIN}", "Dana Reyes (clinical lead)", Role.CLINICAL_LEAD),
    DemoPerson(f"guide@{DOMAIN}", "Robin Hale (facilitator)", Role.FACILITATOR),
    DemoPerson(f"admin@{DOMAIN}", "Pat Okafor (org admin)", Role.ORG_ADMIN),
    DemoPerson(f"research@{DOMAIN}", "Lee Tanaka (researcher)", Role.RESEARCHER),
)
TRIAL_STAFF = (
    DemoPerson(f"trial@{DOMAIN}", "Sasha Lind (trial facilitator)", Role.FACILITATOR),
    DemoPerson(f"triallead@{DOMAIN}", "Noor Haddad (trial clinical lead)", Role.CLINICAL_LEAD),
)


def _partner(first: str) -> DemoPerson:
    return DemoPerson(f"{first.lower()}@{DOMAIN}", first, Role.PARTNER)


CENTER_COUPLES = (
    DemoCouple(
        "Alex & Sam",
        Stage.PREPARATION,
        (_partner("Alex"), _partner("Sam")),
        f"guide@{DOMAIN}",
        (
            (
                0,
                "intention",
                "private",
                "I want to stop bracing every time Sam goes quiet. I am scared I am the problem.",
            ),
            (
                0,
                "intention",
                "couple",
                "I want us to be able to talk about the move without it turning into a fight.",
            ),
            (
                1,
                "journal",
                "team",
                "The first preparation session helped. "
                "I did not say how tired I am of apologising.",
            ),
            (1, "intention", "couple", "I would like to feel like we are on the same side again."),
        ),
    ),
    DemoCouple(
        "Riley & Jordan",
        Stage.INTEGRATION,
        (_partner("Riley"), _partner("Jordan")),
        f"guide@{DOMAIN}",
        (
            (
                0,
                "reflection",
                "couple",
                "When Jordan talked about their father I finally understood the silences.",
            ),
            (
                0,
                "journal",
                "private",
                "Three weeks on. The glow is fading and I am afraid we slide back.",
            ),
            (
                1,
                "reflection",
                "team",
                "I keep the image of the two of us on the bench. I want to hold on to it.",
            ),
            (
                1,
                "journal",
                "couple",
                "We kept the Sunday check-in twice now. Twenty minutes, phones away.",
            ),
            (
                1,
                "intention",
                "private",
                "Be the first to reach out after an argument, even when I feel right.",
            ),
        ),
    ),
)
TRIAL_COUPLES = (
    DemoCouple(
        "Morgan & Casey",
        Stage.SCREENING,
        (_partner("Morgan"), _partner("Casey")),
        f"trial@{DOMAIN}",
        ((0, "intention", "team", "I want the nightmares to stop taking over our nights."),),
    ),
)


def _person(person: DemoPerson, organisation: Organisation) -> User:
    user = User.objects.filter(email=person.email).first()
    if user is None:
        user = user_create(email=person.email, display_name=person.name, password=DEMO_PASSWORD)
    membership_ensure(organisation=organisation, user=user, role=person.role)
    return user


def _organisation(
    name: str,
    slug: str,
    profile: str,
    staff: tuple[DemoPerson, ...],
    couples: tuple[DemoCouple, ...],
) -> None:
    organisation, _ = Organisation.objects.get_or_create(
        slug=slug, defaults={"name": name, "profile": profile}
    )
    people = {person.email: _person(person, organisation) for person in staff}
    lead = next(
        u
        for e, u in people.items()
        if Membership.objects.filter(
            user=u, organisation=organisation, role=Role.CLINICAL_LEAD
        ).exists()
    )
    lead_viewer = viewer_for(lead)
    for demo in couples:
        if Couple.objects.filter(organisation=organisation, name=demo.name).exists():
            continue
        couple = couple_create(
            viewer=lead_viewer,
            organisation=organisation,
            name=demo.name,
            stage=demo.stage,
            facilitator_ids=[people[demo.facilitator].pk],
        )
        partners = []
        for person in demo.partners:
            user = _person(person, organisation)
            partner_add(
                couple=couple, user_id=user.pk, actor_id=lead.pk, actor_label=lead.email, ip=None
            )
            partners.append(user)
        for index, kind, visibility, body in demo.entries:
            entry_create(
                viewer=viewer_for(partners[index]),
                couple=couple,
                kind=kind,
                visibility=visibility,
                body=body,
            )


@transaction.atomic
def seed_demo() -> None:
    _organisation(
        "Demo Service Center",
        "demo-service-center",
        "oregon-psilocybin",
        CENTER_STAFF,
        CENTER_COUPLES,
    )
    _organisation(
        "Demo Trial Site", "demo-trial-site", "mdma-clinical-trial", TRIAL_STAFF, TRIAL_COUPLES
    )
