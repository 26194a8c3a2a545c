"""The demo practice: the people, couples and words of its data files, written through the
services (each clinical row has its audit event), the same again when seeded twice; a data
file that does not fit its schema is refused naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from holdspace.accounts.models import Membership, Organisation, User
from holdspace.audit.models import AuditEvent
from holdspace.bookings.models import Booking
from holdspace.couples.models import Couple, Entry
from holdspace.demo import DEMO_PASSWORD, seed_demo
from holdspace.demo.schemas import (
    DATA_DIR,
    Facilitators,
    Integration,
    Inventory,
    Measures,
    People,
    Preparation,
    Progress,
    Sessions,
    load,
)
from holdspace.facilitators.models import Credential, FacilitatorProfile, GuideReview
from holdspace.integration.models import CheckIn
from holdspace.inventory.models import LedgerLine, Lot
from holdspace.lib.schemas import DataFileError, load_toml
from holdspace.sessions.models import MedicineSession, PartnerPlan, SessionEvent

pytestmark = pytest.mark.django_db


def test_it_seeds_the_people_couples_and_words_of_its_data_files() -> None:
    seed_demo()
    for demo in load("people", People).organisations:
        organisation = Organisation.objects.get(slug=demo.slug)
        assert (organisation.name, organisation.profile) == (demo.name, demo.profile)
        for person in demo.staff:
            membership = Membership.objects.get(organisation=organisation, user__email=person.email)
            assert (membership.user.display_name, membership.role) == (person.name, person.role)
        for couple in demo.couples:
            seeded = Couple.with_people(
                Couple.objects.filter(organisation=organisation, name=couple.name)
            ).get()
            assert [(p.user.display_name, p.user.email) for p in seeded.loaded_partners] == [
                (p.name, p.email) for p in couple.partners
            ]
            assert [m.user.email for m in seeded.loaded_care_team] == [couple.facilitator]
            # The partners' own entries come first; the journal's seeding adds more later.
            written = Entry.objects.filter(couple=seeded).order_by("id")[: len(couple.entries)]
            assert [(e.author.display_name, e.kind, e.visibility, e.body) for e in written] == [
                (e.partner, e.kind, e.visibility, e.body) for e in couple.entries
            ]
    timeline = load("sessions", Sessions).past.events
    first = MedicineSession.objects.get(status="closed")
    assert [e.kind for e in SessionEvent.objects.filter(session=first).order_by("occurred_at")] == [
        e.kind for e in timeline
    ]


def test_it_lets_each_demo_person_sign_in_with_the_demo_password(settings: Any) -> None:
    settings.DEMO_MODE = True  # the demo's staff sign in without a second step
    seed_demo()
    emails = [
        person.email
        for demo in load("people", People).organisations
        for person in [*demo.staff, *(p for c in demo.couples for p in c.partners)]
    ]
    assert len(emails) == User.objects.count() == 14
    for email in emails:
        client = Client()
        answer = client.post(
            "/accounts/login/", {"login": email, "password": DEMO_PASSWORD}, REMOTE_ADDR="192.0.2.7"
        )
        assert answer.status_code == 302, email
        assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)


# Each row of these models has the audit event of the service that wrote it.
THROUGH_SERVICES: list[tuple[type[models.Model], str]] = [
    (Credential, "credential.add"),
    (FacilitatorProfile, "facilitator_profile.update"),
    (GuideReview, "guide.review"),
    (MedicineSession, "medicine_session.import"),
    (CheckIn, "commitment.checkin"),
    (Booking, "booking.reserve"),
]


def test_it_writes_each_clinical_row_through_its_service() -> None:
    seed_demo()
    for model, action in THROUGH_SERVICES:
        rows = model.objects.count()
        assert rows, model
        events = AuditEvent.objects.filter(action=action)
        if model is CheckIn:  # a check-in's event names its commitment
            assert events.count() == rows
        elif model is MedicineSession:  # one brought in, one scheduled through the gate
            assert (
                events.count()
                + AuditEvent.objects.filter(action="medicine_session.schedule").count()
                == rows
            )
        else:
            ids = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
            assert {e.object_id for e in events} == ids, model
    assert AuditEvent.objects.filter(action="measure.share").count() == 2
    joined = AuditEvent.objects.filter(action="couple.create")
    assert all("joined" in e.detail for e in joined)


def test_it_changes_nothing_when_seeded_again() -> None:
    seed_demo()
    counted = [m for m in apps.get_models() if m._meta.app_label not in {"sessions", "django_q"}]
    before = {m._meta.label: m.objects.count() for m in counted}
    seed_demo()
    assert {m._meta.label: m.objects.count() for m in counted} == before


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("people", People),
        ("facilitators", Facilitators),
        ("measures", Measures),
        ("preparation", Preparation),
        ("sessions", Sessions),
        ("integration", Integration),
        ("progress", Progress),
        ("inventory", Inventory),
    ],
)
def test_it_reads_each_data_file_against_its_schema(name: str, schema: type[People]) -> None:
    assert load_toml(DATA_DIR / f"{name}.toml", schema)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('role = "facilitator"', 'role = "guide"'), "organisations.0.staff.1.role"),
        (('visibility = "private"', 'visibilty = "private"'), "organisations.0.couples.0"),
        (('stage = "integration"', 'stage = "after"'), "organisations.0.couples.1.stage"),
        (('partner = "Sam"', 'partner = "Riley"'), "not a partner of Alex & Sam"),
        (
            (
                'facilitator = "trial@demo.holdspace.org"',
                'facilitator = "guide@demo.holdspace.org"',
            ),
            "are not staff of Demo Trial Site",
        ),
    ],
)
def test_it_refuses_a_people_file_that_does_not_fit_naming_the_field(
    tmp_path: Path, change: tuple[str, str], field: str
) -> None:
    text = (DATA_DIR / "people.toml").read_text(encoding="utf-8")
    assert change[0] in text
    broken = tmp_path / "people.toml"
    broken.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(DataFileError) as refused:
        load_toml(broken, People)
    assert str(refused.value).startswith("people.toml: ")
    assert field in str(refused.value)


def test_it_books_the_demo_sessions_in_its_rooms_with_one_tentative() -> None:
    seed_demo()
    center = Organisation.objects.get(slug="demo-service-center")
    booked = Booking.objects.filter(organisation=center).exclude(room=None)
    assert {b.room.name for b in booked if b.room} == {"Cedar room", "Garden room", "Willow room"}
    tentative = Booking.objects.get(status="tentative")
    assert (tentative.kind, tentative.couple and tentative.couple.name) == (
        "medicine",
        "Alex & Sam",
    )


def test_it_doses_every_demo_session_from_its_released_lot() -> None:
    seed_demo()
    center = Organisation.objects.get(slug="demo-service-center")
    lots = {lot.lot_number: lot for lot in Lot.objects.filter(organisation=center)}
    demo = {lot.lot_number: lot for lot in load("inventory", Inventory).lots}
    assert set(lots) == set(demo) == {"PSI-2026-0412", "PSI-2026-0519"}
    assert lots["PSI-2026-0519"].status == "quarantined"
    released = lots["PSI-2026-0412"]
    assert released.status == "released"
    # Each dose of the demo's past session has its line against the released lot; on hand is
    # what was received less the units dosed.
    doses = SessionEvent.objects.filter(organisation=center, kind__in=["dose", "supplemental_dose"])
    lines = LedgerLine.objects.filter(lot=released, kind="dose")
    assert doses.count() == lines.count() == 2
    assert {line.session_event_id for line in lines} == {dose.pk for dose in doses}
    dosed = sum(round(dose.data["amount_mg"] / released.mg_per_unit) for dose in doses)
    assert dosed == 9 and sum(dose.data["units"] for dose in doses) == 9
    assert released.on_hand == demo["PSI-2026-0412"].units - dosed == 51
    assert sum(line.units for line in released.lines.all()) == released.on_hand
    assert lots["PSI-2026-0519"].on_hand == 40
    # The lead's count after the session agrees with the ledger: no variance, no adjustment.
    count = released.reconciliations.get()
    assert (count.counted_units, count.ledger_units, count.variance) == (51, 51, 0)
    assert count.adjustment is None and not lots["PSI-2026-0519"].reconciliations.exists()
    # Both plans, past and upcoming, name the released lot of the ledger.
    plans = PartnerPlan.objects.filter(organisation=center)
    assert plans.count() == 4 and {p.ledger_lot_id for p in plans} == {released.pk}
    assert not Lot.objects.exclude(organisation=center).exists()  # the trial site keeps none
