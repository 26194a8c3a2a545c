"""The cast every test can use.

Two organisations. In the Center: a couple (partner A and partner B) with their
facilitator; another couple (partner C and D) with another facilitator; a clinical lead,
an org admin and a researcher. In the Trial site: a facilitator and a couple of its own.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import struct
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connections
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import STAFF_ROLES, Organisation, Role, Room, User
from holdspace.accounts.services import api_token_create, membership_ensure, user_create
from holdspace.bookings.models import Booking, BookingFacilitator, BookingKind, BookingStatus
from holdspace.cli import main
from holdspace.couples.models import CareTeamMember, Couple, Entry, Partner, Stage
from holdspace.facilitators.models import Credential
from holdspace.inventory.models import LedgerLine, LineKind, Lot
from holdspace.policy.core import Viewer, viewer_for
from holdspace.screening.profiles import get_profile
from holdspace.sessions.models import MedicineSession, SessionFacilitator

PASSWORD = "correct horse battery"


def totp_now(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows now for a base32 SECRET (RFC 6238, SHA-1, 30 s)."""
    if at is None:
        # A code about to roll over could be checked in the next period: wait for a fresh one.
        remaining = 30 - time.time() % 30
        if remaining < 3:
            time.sleep(remaining + 0.1)
        at = time.time()
    counter = int(at // 30)
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@dataclass
class Cast:
    center: Organisation
    trial: Organisation
    couple: Couple
    other_couple: Couple
    trial_couple: Couple
    people: dict[str, User]

    def __getattr__(self, name: str) -> User:
        try:
            user: User = self.__dict__["people"][name]
            return user
        except KeyError:
            raise AttributeError(name) from None

    def viewer(self, name: str) -> Viewer:
        return viewer_for(self.people[name], "127.0.0.1")

    def client(self, name: str) -> Client:
        client = Client()
        client.force_login(self.people[name], backend="django.contrib.auth.backends.ModelBackend")
        return client

    def api(self, name: str) -> Client:
        token = api_token_create(user=self.people[name])
        return Client(headers={"Authorization": f"Bearer {token}"})


def _person(org: Organisation, key: str, role: str) -> User:
    user = user_create(
        email=f"{key}@example.org", display_name=key.replace("_", " ").title(), password=PASSWORD
    )
    membership_ensure(organisation=org, user=user, role=role)
    if role in STAFF_ROLES:  # staff have set up TOTP, as production requires
        TOTP.activate(user, generate_totp_secret())
    return user


def _couple(org: Organisation, name: str, a: User, b: User, team: list[User]) -> Couple:
    couple = Couple.objects.create(organisation=org, name=name, stage=Stage.PREPARATION)
    for slot, user in (("a", a), ("b", b)):
        Partner.objects.create(organisation=org, couple=couple, user=user, slot=slot)
    for member in team:
        CareTeamMember.objects.create(organisation=org, couple=couple, user=member)
    return couple


def build_cast() -> Cast:
    # The cast keeps the server's UTC clock so every test's times read as written; the Oregon
    # profile would suggest America/Los_Angeles (tests of the zone set it themselves).
    center = Organisation.objects.create(
        name="Center", slug="center", profile="oregon-psilocybin", time_zone="UTC"
    )
    trial = Organisation.objects.create(name="Trial", slug="trial", profile="mdma-clinical-trial")
    roles = {
        "partner_a": (center, Role.PARTNER),
        "partner_b": (center, Role.PARTNER),
        "partner_c": (center, Role.PARTNER),
        "partner_d": (center, Role.PARTNER),
        "facilitator": (center, Role.FACILITATOR),
        "other_facilitator": (center, Role.FACILITATOR),
        "lead": (center, Role.CLINICAL_LEAD),
        "admin": (center, Role.ORG_ADMIN),
        "researcher": (center, Role.RESEARCHER),
        "trial_facilitator": (trial, Role.FACILITATOR),
        "trial_partner_a": (trial, Role.PARTNER),
        "trial_partner_b": (trial, Role.PARTNER),
    }
    people = {key: _person(org, key, role) for key, (org, role) in roles.items()}
    couple = _couple(
        center, "A & B", people["partner_a"], people["partner_b"], [people["facilitator"]]
    )
    other = _couple(
        center, "C & D", people["partner_c"], people["partner_d"], [people["other_facilitator"]]
    )
    trial_couple = _couple(
        trial,
        "E & F",
        people["trial_partner_a"],
        people["trial_partner_b"],
        [people["trial_facilitator"]],
    )
    for key in ("facilitator", "other_facilitator", "lead", "trial_facilitator"):
        give_licence(people[key], center if not key.startswith("trial") else trial)
    return Cast(center, trial, couple, other, trial_couple, people)


def give_licence(user: User, organisation: Organisation, *, years: int = 2) -> Any:
    """A verified licence for the organisation's jurisdiction, as a facilitator needs to be
    present at a medicine session (tests of the rule itself take it away)."""

    requirements = get_profile(organisation.profile).facilitators
    return Credential.objects.create(
        organisation=organisation,
        facilitator=user,
        kind="licence",
        jurisdiction=requirements.licence_jurisdiction or "Oregon",
        title=requirements.licence_label,
        number=f"LIC-{user.pk:05d}",
        issued_on=timezone.localdate() - dt.timedelta(days=365),
        expires_on=timezone.localdate() + dt.timedelta(days=365 * years),
        status="verified",
        register="Test register",
    )


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()


@pytest.fixture
def rooms(cast: Cast) -> dict[str, Room]:
    """The center's rooms, and one of the trial site's, for tests that book them (a module
    asks with `pytestmark = pytest.mark.usefixtures("rooms")`)."""
    made = {
        name: Room.objects.create(organisation=cast.center, name=name)
        for name in ("Cedar room", "Garden room", "Willow room")
    }
    made["Clinic room"] = Room.objects.create(organisation=cast.trial, name="Clinic room")
    return made


def joined_before(couple: Couple, at: Any, days: int = 1) -> None:
    """COUPLE joined DAYS before AT (a datetime), if it joined later: a test that records a
    session held in the past needs a couple that existed then (lib/dates.py refuses one
    held before the couple joined)."""
    earlier = at - dt.timedelta(days=days)
    Couple.objects.filter(pk=couple.pk, created_at__gt=earlier).update(created_at=earlier)
    couple.refresh_from_db(fields=["created_at"])


def make_entry(
    couple: Couple, author: User, visibility: str, body: str = "", kind: str = "journal"
) -> Entry:
    return Entry.objects.create(
        organisation_id=couple.organisation_id,
        couple=couple,
        author=author,
        kind=kind,
        visibility=visibility,
        body=body or f"{author.email} {visibility} {kind}",
    )


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `holdspace …` in this process and return its exit code.

    Django's command runner closes every connection when a command ends; inside a test's
    transaction that would end the test's database session, so it is held open here.
    """

    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(argv: list[str]) -> int:
        try:
            return main(argv)
        except SystemExit as exc:
            return int(exc.code or 0)

    return run


def make_session(
    cast: Cast,
    *,
    starts_at: Any = None,
    facilitators: list[User] | None = None,
    couple: Couple | None = None,
) -> Any:
    """A medicine session for CAST.couple starting an hour ago, as if scheduled through the
    gate (the gate itself is tested in preparation/tests), with its confirmed booking."""

    couple = couple or cast.couple
    profile = get_profile(couple.organisation.profile)
    starts_at = starts_at or timezone.now() - dt.timedelta(hours=1)
    room = Room.objects.filter(organisation_id=couple.organisation_id, name="Cedar room").first()
    booking = Booking.objects.create(
        organisation_id=couple.organisation_id,
        couple=couple,
        kind=BookingKind.MEDICINE,
        status=BookingStatus.CONFIRMED,
        room=room,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=6),
        created_by=cast.facilitator,
    )
    session = MedicineSession.objects.create(
        organisation_id=couple.organisation_id,
        couple=couple,
        substance=profile.substances[0],
        starts_at=starts_at,
        room="Cedar room",
        booking=booking,
        profile=profile.id,
        profile_version=profile.version,
        scheduled_by=cast.facilitator,
    )
    if profile.ledger_required:
        stock_lot(couple.organisation, received_by=cast.lead)
    for user in facilitators if facilitators is not None else [cast.facilitator]:
        SessionFacilitator.objects.create(
            organisation_id=couple.organisation_id, session=session, user=user
        )
        BookingFacilitator.objects.create(
            organisation_id=couple.organisation_id, booking=booking, user=user
        )
    return session


def stock_lot(
    organisation: Organisation,
    *,
    received_by: User,
    lot_number: str = "GT-2609",
    units: int = 1000,
    mg_per_unit: float = 5,
    status: str = "released",
    product_name: str = "Golden Teacher capsules",
    expires_on: dt.date | None = None,
) -> Any:
    """A lot of ORGANISATION's product ledger with UNITS on hand and its receipt line, once
    (a session of a profile that keeps the ledger doses from one: make_session stocks the
    lot its tests name, GT-2609, 5 mg a capsule)."""
    lot, created = Lot.objects.get_or_create(
        organisation=organisation,
        lot_number=lot_number,
        defaults={
            "product_name": product_name,
            "product_type": "homogenized_fungi",
            "source_licence": "PSM-0001",
            "source_name": "Test Manufacturer",
            "units_received": units,
            "mg_per_unit": mg_per_unit,
            "lab_result": "pass",
            "status": status,
            "expires_on": expires_on,
            "on_hand": units,
            "received_by": received_by,
        },
    )
    if created:
        LedgerLine.objects.create(
            organisation=organisation,
            lot=lot,
            uuid=uuid.uuid4(),
            kind=LineKind.RECEIPT,
            units=units,
            balance=units,
            fingerprint="receipt",
            recorded_by=received_by,
        )
    return lot
