"""The shapes of the demo's data files under holdspace/demo/data/, validated when loaded.

The files hold the demo's prose and its story (who, what they wrote, when); the modules beside
this one turn them into records through the services. Choices are the models' own enums, so a
misspelt role, stage, kind or visibility fails when the file is read.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, model_validator

from holdspace.accounts.models import Role
from holdspace.bookings.models import BookingKind
from holdspace.couples.models import EntryKind, Stage, Visibility
from holdspace.facilitators.models import CredentialKind
from holdspace.integration.models import Cadence
from holdspace.inventory.models import LabResult, LotStatus, ProductType
from holdspace.lib.schemas import StrictModel, load_toml

DATA_DIR = Path(__file__).resolve().parent / "data"

# people.toml ----------------------------------------------------------------------------------


class StaffMember(StrictModel):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1)
    role: Role


class CouplePartner(StrictModel):
    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class DemoEntry(StrictModel):
    partner: str
    kind: EntryKind
    visibility: Visibility
    body: str = Field(min_length=1)


class DemoCouple(StrictModel):
    name: str = Field(min_length=1)
    stage: Stage
    facilitator: str
    joined_days_ago: int = Field(ge=0)
    partners: tuple[CouplePartner, CouplePartner]
    entries: list[DemoEntry] = []

    @model_validator(mode="after")
    def _entries_by_its_partners(self) -> DemoCouple:
        names = {p.name for p in self.partners}
        strangers = sorted({e.partner for e in self.entries} - names)
        if strangers:
            raise ValueError(f"entries by {strangers}, not a partner of {self.name}")
        return self


class DemoOrganisation(StrictModel):
    name: str
    slug: str = Field(pattern=r"^demo-[a-z0-9-]+$")
    profile: str
    staff: list[StaffMember]
    couples: list[DemoCouple] = []
    # The rooms where sessions are held (organisation data the calendar books).
    rooms: list[str] = []

    @model_validator(mode="after")
    def _facilitators_on_its_staff(self) -> DemoOrganisation:
        staff = {person.email for person in self.staff}
        strangers = sorted({c.facilitator for c in self.couples} - staff)
        if strangers:
            raise ValueError(f"facilitators {strangers} are not staff of {self.name}")
        return self


class People(StrictModel):
    organisations: list[DemoOrganisation]


# facilitators.toml ----------------------------------------------------------------------------


class Licence(StrictModel):
    issued_days_ago: int = Field(ge=0)
    expires_in_days: int = Field(gt=0)
    verified_against: str
    unverified_issued_days_ago: int = Field(ge=0)


class OtherCredential(StrictModel):
    kind: CredentialKind
    title: str
    hours: int | None = None
    issued_days_ago: int = Field(ge=0)
    expires_in_days: int | None = Field(default=None, gt=0)
    verified_against: str


class FacilitatorProfileText(StrictModel):
    supervision: str
    languages: list[str]
    modalities: list[str]
    ethics_signed_days_ago: int = Field(ge=0)
    conflicts_of_interest: str


class FacilitatorDifference(StrictModel):
    expires_in_days: dict[CredentialKind, int] = {}
    licence_verified: bool = True
    languages: list[str] | None = None


class Reviews(StrictModel):
    not_yet_met: list[str] = []


class Facilitators(StrictModel):
    default_jurisdiction: str
    licence: Licence
    credentials: list[OtherCredential]
    profile: FacilitatorProfileText
    people: dict[str, FacilitatorDifference] = {}
    reviews: Reviews


# measures.toml --------------------------------------------------------------------------------


class Response(StrictModel):
    couple: str
    partner: str
    instrument: str
    timepoint: str
    days_ago: int = Field(ge=0)
    answers: list[int]


class Sharing(StrictModel):
    couple: list[str]


class Measures(StrictModel):
    alert_note: str
    responses: list[Response]
    sharing: Sharing


# preparation.toml -----------------------------------------------------------------------------


class DemoClientData(StrictModel):
    """A partner's coded client data form (Oregon's 303): answer codes of the profile's
    current version, "other" text where allowed, and whether they opted out."""

    answers: dict[str, str | list[str]] = {}
    other: dict[str, str] = {}
    withheld: bool = False


class PartnerPreparation(StrictModel):
    couple: str
    partner: str
    medications: list[str]
    treated_by_provider: bool
    forms: list[str]
    prepared_days_ago: int | None = Field(default=None, ge=0)
    # Given at intake, checked against the profile's minimum age.
    date_of_birth: dt.date | None = None
    client_data: DemoClientData | None = None


class Preparation(StrictModel):
    preparation_notes: str
    forms: dict[str, dict[str, str | list[str]]]
    partners: list[PartnerPreparation]


# sessions.toml --------------------------------------------------------------------------------


class DoseLine(StrictModel):
    """A partner's planned dose: from a lot of inventory.toml, whose product and strength the
    plan copies (a profile without a product ledger names them here)."""

    partner: str
    lot: str
    planned_mg: int | float = Field(gt=0)
    product: str = ""
    mg_per_unit: int | float | None = Field(default=None, gt=0)


class Discharge(StrictModel):
    partner: str
    left_after_minutes: int = Field(gt=0)


class SessionEvent(StrictModel):
    hours: float = Field(ge=0)
    partner: str | None = None
    kind: str
    data: dict[str, str | int | float]


class PastSession(StrictModel):
    days_ago: int = Field(gt=0)
    starts_at: dt.time
    discharge_notes: str
    music: list[str]
    plan: list[DoseLine]
    discharges: list[Discharge]
    events: list[SessionEvent]


class UpcomingSession(StrictModel):
    starts_in_minutes: int = Field(gt=0)
    music: list[str]
    plan: list[DoseLine]


class BookedAhead(StrictModel):
    """A session booked on the calendar ahead: a medicine session (tentative while the couple
    prepares) or a preparation session (joint, or private with PARTNER)."""

    kind: Literal["medicine", "preparation"]
    couple: str
    in_days: int = Field(gt=0)
    at: dt.time
    room: str
    partner: str | None = None


class Sessions(StrictModel):
    couple: str
    room: str
    past: PastSession
    upcoming: UpcomingSession
    ahead: list[BookedAhead] = []


# integration.toml -----------------------------------------------------------------------------


class Offer(StrictModel):
    answer: str
    note: str


class IntegrationSession(StrictModel):
    days_ago: int = Field(ge=0)
    notes: str
    carry_forward: str


class NextSession(StrictModel):
    in_days: int = Field(gt=0)
    at: dt.time
    room: str = ""


class DemoCommitment(StrictModel):
    description: str
    written_by: str
    # "both", or the name of the partner who keeps it.
    who: str
    cadence: Cadence
    started_days_ago: int = Field(ge=0)


class DemoCheckIn(StrictModel):
    commitment: int = Field(ge=0)
    partner: str
    week: int = Field(ge=0)
    status: Literal["done", "missed"]
    note: str = ""


class Integration(StrictModel):
    couple: str
    offer: Offer
    sessions: list[IntegrationSession]
    next_session: NextSession
    commitments: list[DemoCommitment]
    checkins: list[DemoCheckIn]


# progress.toml --------------------------------------------------------------------------------


class ProgressSummaryText(StrictModel):
    couple: str
    text: str


class Progress(StrictModel):
    summary: ProgressSummaryText


# today.toml -----------------------------------------------------------------------------------


class PendingInvitation(StrictModel):
    """A staff member invited days ago who has not accepted yet."""

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    name: str = Field(min_length=1)
    role: Role
    sent_days_ago: int = Field(ge=4, le=30)


class TodayBooking(StrictModel):
    """A session booked on the calendar for later today."""

    couple: str
    kind: BookingKind
    status: Literal["confirmed", "tentative"]
    at: dt.time
    minutes: int = Field(ge=15, le=480)
    room: str = Field(min_length=1)


class Today(StrictModel):
    invitation: PendingInvitation
    booking: TodayBooking


Schema = TypeVar("Schema", bound=StrictModel)


@cache
def load(name: str, schema: type[Schema]) -> Schema:
    """holdspace/demo/data/NAME.toml, validated against SCHEMA (DataFileError otherwise)."""
    return load_toml(DATA_DIR / f"{name}.toml", schema)


# inventory.toml -------------------------------------------------------------------------------


class DemoLot(StrictModel):
    """A lot the service center received, DAYS_AGO, into its product ledger."""

    lot_number: str = Field(min_length=1)
    product_name: str = Field(min_length=1)
    product_type: ProductType
    source_licence: str = Field(min_length=1)
    source_name: str = Field(min_length=1)
    units: int = Field(gt=0)
    mg_per_unit: float = Field(gt=0)
    lab_result: LabResult
    tested_days_ago: int | None = Field(default=None, ge=0)
    status: LotStatus
    received_days_ago: int = Field(ge=0)
    expires_in_days: int = Field(gt=0)
    received_by: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class Inventory(StrictModel):
    lots: list[DemoLot]
