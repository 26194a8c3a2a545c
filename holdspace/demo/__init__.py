"""The demo practice that `holdspace seed-demo` (and the first `make run`) loads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.accounts.zones import organisation_clock
from holdspace.couples.models import Couple, Partner, Stage
from holdspace.couples.services import couple_create, entry_create, partner_add
from holdspace.policy import viewer_for
from holdspace.screening.services import screening_submit
from holdspace.sessions.recording import session_event_record
from holdspace.sessions.services import (
    PlanLine,
    discharge_record,
    medicine_session_plan,
)

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
    # Beside the verified guide: a licence about to run out, and one not yet verified. Neither
    # is on a couple's care team, so the couples' journeys stay as they are.
    DemoPerson(f"quinn@{DOMAIN}", "Quinn Avery (facilitator)", Role.FACILITATOR),
    DemoPerson(f"jamie@{DOMAIN}", "Jamie Cole (facilitator)", Role.FACILITATOR),
)
# Quinn's licence expires in 20 days (inside the sweep's 30-day warning); Jamie's awaits
# verification, so Jamie cannot be scheduled for a medicine session.
LICENCE_EXPIRES_IN_DAYS = {f"quinn@{DOMAIN}": 20}
LICENCE_UNVERIFIED = frozenset({f"jamie@{DOMAIN}"})
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
# Riley & Jordan joined eleven weeks ago, before their baseline questionnaires; each couple
# joined before anything seeded for it happened.
JOINED_DAYS_AGO = {"Riley & Jordan": 75, "Alex & Sam": 14, "Morgan & Casey": 7}
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
        # They joined before the sessions and questionnaires seeded for them below.
        Couple.objects.filter(pk=couple.pk).update(
            created_at=couple.created_at - dt.timedelta(days=JOINED_DAYS_AGO.get(demo.name, 0))
        )
        couple.refresh_from_db(fields=["created_at"])
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
    for organisation in Organisation.objects.filter(slug__startswith="demo-"):
        # Each practice's day and hours on its own clock: sessions at 10:00 there.
        with organisation_clock(organisation):
            _seed_measures(organisation)
            _seed_facilitators(organisation)
            _seed_preparation(organisation)
            _seed_commitments(organisation)
            _seed_later(organisation)


def _seed_later(organisation: Organisation) -> None:
    """Journals, readings, the progress summary and reminders: each part seeds its own."""
    from holdspace.demo.journals import seed_demo_journals
    from holdspace.demo.progress import seed_demo_progress
    from holdspace.demo.readings import seed_demo_readings
    from holdspace.demo.reminders import seed_demo_reminders

    # Riley and Jordan chose to show each other their questionnaire scores, so their report
    # for the couple carries both partners' charts.
    Partner.objects.filter(
        organisation=organisation, couple__name="Riley & Jordan", measures_visibility="team"
    ).update(measures_visibility="couple")
    seed_demo_journals(organisation)
    seed_demo_readings(organisation)
    seed_demo_progress(organisation)
    seed_demo_reminders(organisation)


# Measures: (couple, partner index, instrument, timepoint, days ago, answers)
DEMO_MEASURES = (
    ("Alex & Sam", 0, "phq9", "baseline", 12, [1, 1, 2, 1, 0, 1, 1, 0, 0, 0]),
    ("Riley & Jordan", 0, "phq9", "baseline", 70, [2, 2, 2, 2, 1, 2, 1, 1, 1, 1]),
    ("Riley & Jordan", 0, "gad7", "baseline", 70, [2, 2, 2, 2, 1, 2, 1]),
    ("Riley & Jordan", 1, "phq9", "baseline", 70, [1, 2, 1, 2, 1, 1, 1, 0, 0, 1]),
    ("Riley & Jordan", 1, "gad7", "baseline", 70, [2, 1, 2, 1, 1, 1, 1]),
    ("Riley & Jordan", 0, "phq9", "day_after", 26, [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]),
    ("Riley & Jordan", 1, "phq9", "day_after", 26, [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),
    ("Riley & Jordan", 0, "phq9", "week_1", 20, [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]),
    ("Riley & Jordan", 1, "phq9", "week_1", 20, [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),
    ("Riley & Jordan", 0, "gad7", "week_1", 20, [1, 2, 1, 1, 1, 1, 1]),
    ("Riley & Jordan", 1, "gad7", "week_1", 20, [2, 1, 1, 1, 1, 1, 1]),
    ("Riley & Jordan", 0, "phq9", "month_1", 2, [1, 0, 1, 1, 0, 0, 0, 0, 0, 0]),
    ("Riley & Jordan", 0, "gad7", "month_1", 2, [1, 1, 1, 0, 0, 1, 0]),
    ("Riley & Jordan", 1, "phq9", "month_1", 2, [1, 1, 1, 1, 0, 1, 1, 0, 0, 0]),
    ("Riley & Jordan", 1, "gad7", "month_1", 2, [1, 1, 1, 1, 0, 1, 1]),
    (
        "Morgan & Casey",
        0,
        "pcl5",
        "baseline",
        5,
        [3, 3, 2, 3, 2, 3, 2, 1, 2, 2, 3, 2, 2, 2, 2, 1, 3, 3, 2, 3],
    ),
)


def _seed_measures(organisation: Organisation) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from holdspace.measures.library import get_instrument
    from holdspace.measures.models import MeasureResponse
    from holdspace.measures.scoring import answers_from_list
    from holdspace.measures.services import alert_acknowledge, response_submit

    if MeasureResponse.objects.filter(organisation=organisation).exists():
        return
    now = timezone.now()
    for name, index, code, timepoint, days_ago, values in DEMO_MEASURES:
        couple = Couple.with_people(
            Couple.objects.filter(organisation=organisation, name=name)
        ).first()
        if couple is None:
            continue
        partner = User.objects.get(pk=couple.loaded_partners[index].user_id)
        submitted = response_submit(
            viewer=viewer_for(partner),
            couple=couple,
            instrument=code,
            timepoint=timepoint,
            answers=answers_from_list(get_instrument(code), list(values)),
            taken_at=now - timedelta(days=days_ago),
        )
        for alert in submitted.alerts:  # Riley's baseline item 9, seen and followed up
            facilitator = User.objects.get(pk=couple.loaded_care_team[0].user_id)
            alert_acknowledge(
                viewer=viewer_for(facilitator),
                alert=alert,
                note="Called Riley the same afternoon; C-SSRS screen negative for intent or "
                "plan. Safety plan reviewed and shared with the clinical lead.",
            )


def _seed_facilitators(organisation: Organisation) -> None:
    """Each facilitator and clinical lead with verified credentials and a profile (but Quinn's
    licence runs out in 20 days and Jamie's is not verified yet); partners who have met their
    guide (all but Sam) have approved them. Each person is seeded once."""
    import datetime as dt

    from django.utils import timezone

    from holdspace.facilitators.models import Credential, FacilitatorProfile, GuideReview
    from holdspace.screening.profiles import get_profile

    seeded = set(
        Credential.objects.filter(organisation=organisation).values_list(
            "facilitator_id", flat=True
        )
    )
    requirements = get_profile(organisation.profile).facilitators
    jurisdiction = requirements.licence_jurisdiction or "California"
    today = timezone.localdate()
    lead = next(
        m.user
        for m in Membership.objects.filter(organisation=organisation, role=Role.CLINICAL_LEAD)
    )
    staff = Membership.objects.filter(
        organisation=organisation, role__in=[Role.FACILITATOR, Role.CLINICAL_LEAD]
    ).select_related("user")
    for index, membership in enumerate(staff):
        user = membership.user
        if user.pk in seeded:
            continue
        common = {
            "organisation": organisation,
            "facilitator": user,
            "status": "verified",
            "verified_by": lead,
            "verified_at": timezone.now(),
        }
        unverified = user.email in LICENCE_UNVERIFIED
        Credential.objects.create(
            **(
                {**common, "status": "unverified", "verified_by": None, "verified_at": None}
                if unverified
                else common
            ),
            kind="licence",
            jurisdiction=jurisdiction,
            title=requirements.licence_label,
            number=f"{jurisdiction[:2].upper()}-PSF-{1040 + index}",
            issued_on=today - dt.timedelta(days=30 if unverified else 400),
            expires_on=today + dt.timedelta(days=LICENCE_EXPIRES_IN_DAYS.get(user.email, 330)),
            register="" if unverified else f"{jurisdiction} licence lookup (public register)",
        )
        Credential.objects.create(
            **common,
            kind="training",
            title="Facilitator training program (160 hours)",
            hours=160,
            issued_on=today - dt.timedelta(days=500),
            register="Training program's completion record",
        )
        Credential.objects.create(
            **common,
            kind="bls",
            title="Basic Life Support (American Heart Association)",
            issued_on=today - dt.timedelta(days=680),
            # Robin's BLS runs out in seven weeks: the nightly sweep's 60-day warning.
            expires_on=today
            + dt.timedelta(days=49 if user.email.startswith(("guide@", "trial@")) else 400),
            register="AHA eCard verification",
        )
        Credential.objects.create(
            **common,
            kind="insurance",
            title="Professional liability insurance",
            issued_on=today - dt.timedelta(days=100),
            expires_on=today + dt.timedelta(days=265),
            register="Insurer's certificate",
        )
        FacilitatorProfile.objects.create(
            organisation=organisation,
            facilitator=user,
            supervision="Monthly consultation with an independent senior facilitator.",
            languages=["English", "Spanish"] if user.email.startswith("guide@") else ["English"],
            substances=get_profile(organisation.profile).substances,
            modalities=["Internal Family Systems", "Emotionally Focused Therapy"],
            ethics_acknowledged_at=timezone.now() - dt.timedelta(days=90),
            conflicts_of_interest="None disclosed.",
        )
    if seeded:
        return  # the reviews came with the first seeding
    for couple in Couple.with_people(Couple.objects.filter(organisation=organisation)):
        for partner in couple.loaded_partners:
            if partner.user.display_name == "Sam":
                continue  # Sam has not met the guide yet
            for member in couple.loaded_care_team:
                GuideReview.objects.create(
                    organisation=organisation,
                    couple=couple,
                    partner_id=partner.user_id,
                    facilitator_id=member.user_id,
                    decision=GuideReview.APPROVE,
                )


# Screening and preparation: Riley & Jordan are ready and scheduled for their next medicine
# session; Alex & Sam are part-way, with Sam's SSRI waiting for the clinical lead's review.
_EVERY_FORM: dict[str, dict[str, Any]] = {
    "informed_consent": {"acknowledged": "on"},
    "bill_of_rights": {"acknowledged": "on"},
    "touch_consent": {
        "facilitator_touch": "yes",
        "facilitator_touch_forms": ["hands", "shoulders"],
        "partner_touch": "yes",
    },
    "safety_plan": {
        "warning_signs": "Going quiet, clenching my jaw.",
        "what_helps": "Slow breathing, a hand on my shoulder, music.",
        "support_people": "My sister Ana.",
    },
    "transportation_plan": {
        "leaving_by": "support_person",
        "driver_name": "Ana (sister)",
        "driver_phone": "+1 503 555 0142",
    },
    "emergency_contact": {"name": "Ana", "relationship": "Sister", "phone": "+1 503 555 0142"},
    "demographic_form": {"opt_out": "on"},
}
# (couple, partner index, medications, forms completed, private preparation days ago)
_PREPARATION = (
    ("Riley & Jordan", 0, ["Ibuprofen 400 mg"], list(_EVERY_FORM), 6),
    ("Riley & Jordan", 1, ["Yasmin", "Cetirizine 10mg"], list(_EVERY_FORM), 5),
    ("Alex & Sam", 0, ["Atorvastatin 20 mg"], ["informed_consent", "bill_of_rights"], 4),
    ("Alex & Sam", 1, ["Sertraline 50 mg"], ["informed_consent", "touch_consent"], None),
)


def _seed_preparation(organisation: Organisation) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from holdspace.preparation.services import partner_form_submit, preparation_session_record
    from holdspace.screening.models import Screening
    from holdspace.screening.profiles import get_profile
    from holdspace.screening.rules import rule_set
    from holdspace.sessions.services import medicine_session_schedule

    if Screening.objects.filter(organisation=organisation).exists():
        return
    substance = get_profile(organisation.profile).substances[0]
    now = timezone.now()
    for name, index, medications, forms, prepared_days_ago in _PREPARATION:
        couple = Couple.with_people(
            Couple.objects.filter(organisation=organisation, name=name).select_related(
                "organisation"
            )
        ).first()
        if couple is None:
            continue
        partner_id = couple.loaded_partners[index].user_id
        facilitator = viewer_for(User.objects.get(pk=couple.loaded_care_team[0].user_id))
        screening_submit(
            viewer=facilitator,
            couple=couple,
            partner_id=partner_id,
            substance=substance,
            medications=medications,
            answers={
                **{
                    code: False
                    for code, question in rule_set().questions.items()
                    if question.group == "client_information"
                },
                "treated_by_provider": bool(index),
            },
        )
        for kind in forms:
            partner_form_submit(
                viewer=facilitator,
                couple=couple,
                partner_id=partner_id,
                kind=kind,
                data=_EVERY_FORM[kind],
            )
        if prepared_days_ago is not None:
            preparation_session_record(
                viewer=facilitator,
                couple=couple,
                kind="private",
                partner_id=partner_id,
                held_at=now - timedelta(days=prepared_days_ago),
                facilitator_id=facilitator.user.pk,
                notes="Went through the intake, the consents and the plan for the day.",
            )
    ready = Couple.with_people(
        Couple.objects.filter(organisation=organisation, name="Riley & Jordan").select_related(
            "organisation"
        )
    ).first()
    if ready is not None:
        facilitator = viewer_for(User.objects.get(pk=ready.loaded_care_team[0].user_id))
        _seed_past_session(ready, facilitator)
        # Their next session is today, so a facilitator can run it from the demo now.
        start = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
        upcoming = medicine_session_schedule(
            viewer=facilitator,
            couple=ready,
            starts_at=start,
            room="Cedar room",
            facilitator_ids=[facilitator.user.pk],
        )
        upcoming.couple = ready
        medicine_session_plan(
            viewer=facilitator,
            session=upcoming,
            lines=[
                PlanLine(
                    ready.loaded_partners[0].user_id, "Golden Teacher capsules", "GT-2611", 5, 20
                ),
                PlanLine(
                    ready.loaded_partners[1].user_id, "Golden Teacher capsules", "GT-2611", 5, 15
                ),
            ],
            music_plan={
                "entries": [
                    "Opening: Hammock — Breathturn",
                    "Peak: Max Richter — Sleep (excerpts)",
                ],
                "link": "",
                "changed_by": "facilitator",
            },
        )


def _seed_past_session(couple: Couple, facilitator: Any) -> None:
    """Riley & Jordan's first session, 27 days ago: a full timeline, closed by discharge."""
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from holdspace.screening.profiles import get_profile
    from holdspace.sessions.models import MedicineSession, SessionFacilitator

    profile = get_profile(couple.organisation.profile)
    day = timezone.localtime() - timedelta(days=27)
    start = day.replace(hour=9, minute=30, second=0, microsecond=0)
    # Imported history: it predates this demo's preparation records, so it is created as a
    # record, not through the gate.
    session = MedicineSession.objects.create(
        organisation_id=couple.organisation_id,
        couple=couple,
        substance=profile.substances[0],
        starts_at=start,
        room="Cedar room",
        profile=profile.id,
        profile_version=profile.version,
        scheduled_by=facilitator.user,
    )
    SessionFacilitator.objects.create(
        organisation_id=couple.organisation_id, session=session, user=facilitator.user
    )
    session.couple = couple
    riley, jordan = (p.user_id for p in couple.loaded_partners)
    medicine_session_plan(
        viewer=facilitator,
        session=session,
        lines=[
            PlanLine(riley, "Golden Teacher capsules", "GT-2609", 5, 25),
            PlanLine(jordan, "Golden Teacher capsules", "GT-2609", 5, 20),
        ],
        music_plan={
            "entries": ["Opening: Hammock — Breathturn"],
            "link": "",
            "changed_by": "facilitator",
        },
    )

    def at(hours: float) -> Any:
        return start + timedelta(hours=hours)

    timeline: list[tuple[float, int | None, str, dict[str, Any]]] = [
        (0.5, None, "music", {"text": "Opening playlist, low volume"}),
        (
            0.6,
            riley,
            "dose",
            {"amount_mg": 25, "product": "Golden Teacher capsules", "lot": "GT-2609"},
        ),
        (
            0.62,
            jordan,
            "dose",
            {"amount_mg": 20, "product": "Golden Teacher capsules", "lot": "GT-2609"},
        ),
        (
            0.7,
            riley,
            "vitals",
            {"systolic": 124, "diastolic": 80, "heart_rate": 78, "temperature_c": 36.7},
        ),
        (
            0.72,
            jordan,
            "vitals",
            {"systolic": 118, "diastolic": 76, "heart_rate": 72, "temperature_c": 36.6},
        ),
        (1.4, riley, "observation", {"text": "Eyeshades on, breathing slow; asked for a blanket."}),
        (1.5, jordan, "vitals", {"systolic": 132, "diastolic": 84, "heart_rate": 88}),
        (
            1.6,
            jordan,
            "adverse_event",
            {
                "description": "Nausea at onset",
                "severity": "mild",
                "action_taken": "Ginger tea, reassurance",
                "outcome": "Resolved within 20 minutes",
            },
        ),
        (1.7, riley, "vitals", {"systolic": 138, "diastolic": 88, "heart_rate": 92}),
        (
            2.1,
            None,
            "monitoring_break",
            {"minutes": 5, "covered_by": "Dana Reyes (clinical lead)", "reason": "Restroom"},
        ),
        (2.4, jordan, "touch", {"by": "partner", "form": "hands"}),
        (
            2.5,
            None,
            "note",
            {"text": "They held hands for a long while; Jordan cried quietly, Riley stayed close."},
        ),
        (2.6, riley, "touch", {"by": "facilitator", "form": "shoulders"}),
        (3.0, None, "music", {"text": "Peak: Max Richter — Sleep (excerpts)"}),
        (3.2, riley, "vitals", {"systolic": 128, "diastolic": 82, "heart_rate": 80}),
        (3.25, jordan, "vitals", {"systolic": 122, "diastolic": 78, "heart_rate": 74}),
        (
            4.5,
            jordan,
            "observation",
            {"text": "Talking about their father; says the silence finally makes sense."},
        ),
        (5.5, riley, "vitals", {"systolic": 120, "diastolic": 78, "heart_rate": 70}),
        (5.55, jordan, "vitals", {"systolic": 116, "diastolic": 74, "heart_rate": 68}),
        (
            6.0,
            None,
            "end",
            {
                "reason": "completed",
                "note": "Both grounded and talking; integration offered for next week.",
            },
        ),
    ]
    recorded: dict[str, Any] = {}
    for hours, partner, kind, data in timeline:
        result = session_event_record(
            viewer=facilitator,
            session=session,
            event_id=uuid.uuid4(),
            kind=kind,
            occurred_at=at(hours),
            data=data,
            partner_id=partner,
        )
        recorded[f"{kind}-{partner}-{hours}"] = result.event
    for partner, minutes in ((riley, 25), (jordan, 30)):
        discharge_record(
            viewer=facilitator,
            session=session,
            partner_id=partner,
            criteria_confirmed=[c.id for c in profile.discharge.criteria],
            transport_confirmed=True,
            left_at=at(6) + timedelta(minutes=minutes),
            notes="Collected by Ana as planned.",
        )


def _seed_commitments(organisation: Organisation) -> None:
    """Riley & Jordan's commitments since their first session, with three weeks of check-ins."""
    import datetime as dt

    from django.utils import timezone

    from holdspace.integration.models import CheckIn, Commitment
    from holdspace.integration.services import commitment_create

    couple = Couple.with_people(
        Couple.objects.filter(organisation=organisation, name="Riley & Jordan")
    ).first()
    if couple is None or Commitment.objects.filter(couple=couple).exists():
        return
    riley, jordan = (p.user_id for p in couple.loaded_partners)
    _seed_integration(couple)
    # Four weeks ago less a day: the current week ends today, so its check-in is due now.
    start = timezone.localdate() - dt.timedelta(days=27)
    weekly = commitment_create(
        viewer=viewer_for(User.objects.get(pk=jordan)),
        couple=couple,
        description="Sunday check-in: twenty minutes, phones away",
        who="both",
        cadence="weekly",
        starts_on=start,
    )
    reach = commitment_create(
        viewer=viewer_for(User.objects.get(pk=jordan)),
        couple=couple,
        description="Be the first to reach out after an argument",
        who=jordan,
        cadence="weekly",
        starts_on=start,
    )
    marks = (
        (weekly, riley, 0, "done"),
        (weekly, jordan, 0, "done"),
        (weekly, riley, 1, "done"),
        (weekly, jordan, 1, "missed"),
        (weekly, riley, 2, "done"),
        (weekly, jordan, 2, "done"),
        (reach, jordan, 0, "done"),
        (reach, jordan, 1, "missed"),
        (reach, jordan, 2, "done"),
    )
    for commitment, partner, week, status in marks:
        CheckIn.objects.create(
            organisation=organisation,
            commitment=commitment,
            partner_id=partner,
            period_start=start + dt.timedelta(days=7 * week),
            status=status,
            note="Walked by the river instead." if status == "done" and week == 2 else "",
        )


def _seed_integration(couple: Couple) -> None:
    """The offer after Riley & Jordan's first session, and two integration sessions since."""
    import datetime as dt

    from django.utils import timezone

    from holdspace.integration.services import (
        integration_offer_record,
        integration_session_record,
        integration_session_schedule,
    )
    from holdspace.sessions.models import MedicineSession

    session = MedicineSession.objects.filter(couple=couple, status="closed").first()
    if session is None:
        return
    guide = viewer_for(User.objects.get(pk=couple.loaded_care_team[0].user_id))
    integration_offer_record(
        viewer=guide, couple=couple, session=session, answer="accepted", note="Both, weekly."
    )
    for days_ago, partner, carry, notes in (
        (
            25,
            None,
            "Name the silence out loud instead of waiting it out.",
            "Both still glowing; Jordan spoke of his father again.",
        ),
        (
            13,
            None,
            "A Sunday check-in, twenty minutes, phones away.",
            "Riley worried the glow is fading; we named it.",
        ),
    ):
        integration_session_record(
            viewer=guide,
            couple=couple,
            held_at=timezone.now() - dt.timedelta(days=days_ago),
            facilitator_id=guide.user.pk,
            partner_id=partner,
            medicine_session=session,
            notes=notes,
            carry_forward=carry,
        )
    # The next one, in twelve days: in both partners' schedules and calendars.
    integration_session_schedule(
        viewer=guide,
        couple=couple,
        at=(timezone.localtime() + dt.timedelta(days=12)).replace(
            hour=17, minute=30, second=0, microsecond=0
        ),
        facilitator_id=guide.user.pk,
    )
