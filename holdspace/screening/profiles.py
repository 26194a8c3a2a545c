"""Jurisdiction profiles: one TOML file per profile under holdspace/profiles/, validated
against the schema below when loaded (and by a test over every file).

A profile says which substances an organisation works with, what each partner must complete
before a medicine session, the preparation timing, dose limits, the minimum session duration
by total dose, facilitator-to-partner ratios, and how long records are kept. Every value
carries its source and effective date, and `unverified = true` where the reference material
could not confirm it. Code reads these values; it never hard-codes a clinical number, so a
changed file changes behaviour without a code change.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from holdspace.lib.schemas import StrictModel
from holdspace.lib.when import zone

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"

Substance = Literal["psilocybin", "mdma"]
SUBSTANCE_LABELS: dict[str, str] = {"psilocybin": "Psilocybin", "mdma": "MDMA"}

# The forms the readiness gate knows how to check, in the order a partner meets them.
FormCode = Literal[
    "client_information",
    "informed_consent",
    "bill_of_rights",
    "touch_consent",
    "safety_plan",
    "transportation_plan",
    "emergency_contact",
    "demographic_form",
    "pre_session",
]

# Who signs a signed form: the partner it is about, the facilitator, the center's representative
# (an org admin or a clinical lead of the organisation).
SignerRole = Literal["participant", "facilitator", "center_representative"]
# The sessions a per-session form is signed before, each time (the booking's kind).
SessionKind = Literal["preparation", "medicine", "integration"]
# Forms that are always signed, never ticked, wherever a profile requires them.
ALWAYS_SIGNED = ("informed_consent", "bill_of_rights", "touch_consent")


class ProfileError(ValueError):
    """A profile file that does not fit the schema, or a profile name with no file."""


class Sourced(StrictModel):
    """Where a value comes from: every profile value carries one."""

    source: str = Field(min_length=3)
    effective: dt.date
    unverified: bool = False


class Signing(Sourced):
    """A form signed, not ticked: who signs it (typing their full name over the exact text of
    the document in holdspace/documents/<profile>/<code>.md), and, for a per-session form, the
    kinds of session it is signed before, each time."""

    signers: list[SignerRole] = Field(default=["participant"], min_length=1)
    before_each: list[SessionKind] = []

    @model_validator(mode="after")
    def _participant_signs(self) -> Signing:
        if "participant" not in self.signers:
            raise ValueError("the participant signs every signed form")
        if len(self.signers) != len(set(self.signers)):
            raise ValueError("a signer role is listed twice")
        return self


class RequiredForm(Sourced):
    code: FormCode
    name: str
    # Shown beside the form: what it is for, in the partner's words.
    purpose: str = ""
    # Statements the partner reads and acknowledges (the bill of rights, the known risks).
    statements: list[str] = []
    # Present on a signed form (the marker), with its signers and their source.
    signing: Signing | None = None

    @property
    def signed(self) -> bool:
        return self.signing is not None

    @property
    def per_session(self) -> bool:
        """Signed again before each session of the kinds it names (Colorado's pre-session
        form), rather than once before the medicine session."""
        return self.signing is not None and bool(self.signing.before_each)

    @model_validator(mode="after")
    def _signed_where_it_must_be(self) -> RequiredForm:
        if self.code in ALWAYS_SIGNED and self.signing is None:
            raise ValueError(f"{self.code} is signed: give it a [signing] table with its source")
        if self.code == "client_information" and self.signing is not None:
            raise ValueError("client_information is the screening, which is not signed here")
        if self.code == "pre_session" and not self.per_session:
            raise ValueError("pre_session is signed before sessions: name them in before_each")
        return self


class MinimumAge(Sourced):
    """The youngest a partner may be, checked against the date of birth given at intake."""

    years: int = Field(ge=0, le=100)


class Preparation(Sourced):
    private_sessions_per_partner: int = Field(ge=0)
    joint_sessions: int = Field(ge=0, default=0)
    # The latest private preparation session must fall in this window before the first
    # medicine session (Oregon: at least 24 hours, at most 90 days).
    min_hours_before: float | None = Field(default=None, ge=0)
    max_days_before: float | None = Field(default=None, gt=0)
    intention_required: bool = False

    @model_validator(mode="after")
    def _window_in_order(self) -> Preparation:
        if (
            self.min_hours_before is not None
            and self.max_days_before is not None
            and self.min_hours_before >= self.max_days_before * 24
        ):
            raise ValueError("min_hours_before must be shorter than max_days_before")
        return self


class DoseLimit(Sourced):
    substance: Substance
    unit: str  # for example "mg psilocybin analyte"
    per_session_max_mg: float | None = Field(default=None, gt=0)
    per_serving_max_mg: float | None = Field(default=None, gt=0)
    per_session_min_mg: float | None = Field(default=None, gt=0)
    includes_supplemental: bool = True
    note: str = ""


class Tier(StrictModel):
    """One row of a table keyed by dose: from `min_mg` (inclusive unless `min_exclusive`) up to
    `max_mg` (exclusive unless `max_inclusive`); an open end is None."""

    min_mg: float = Field(ge=0)
    max_mg: float | None = None
    min_exclusive: bool = False
    max_inclusive: bool = False

    def contains(self, mg: float) -> bool:
        above = mg > self.min_mg if self.min_exclusive else mg >= self.min_mg
        if self.max_mg is None:
            return above
        below = mg <= self.max_mg if self.max_inclusive else mg < self.max_mg
        return above and below


class DurationTier(Tier):
    minimum_minutes: int = Field(gt=0)
    note: str = ""


class RatioTier(Tier):
    # At least one facilitator for every `clients_per_facilitator` partners dosed.
    clients_per_facilitator: int = Field(gt=0)


class DurationTable(Sourced):
    substance: Substance
    rows: list[DurationTier] = Field(min_length=1)


class RatioTable(Sourced):
    substance: Substance
    # Set by the largest individual dose in the session (Oregon OAR 333-333-5230).
    rows: list[RatioTier] = Field(min_length=1)
    minimum_facilitators: int = Field(default=1, ge=1)


class VitalThresholds(Sourced):
    """Readings past these raise an alert on the console and for the clinical lead."""

    systolic_max: int | None = Field(default=None, gt=0)
    diastolic_max: int | None = Field(default=None, gt=0)
    heart_rate_max: int | None = Field(default=None, gt=0)
    heart_rate_min: int | None = Field(default=None, gt=0)
    temperature_max_c: float | None = Field(default=None, gt=30)


class SupplementalTiming(Sourced):
    """When a supplemental (secondary) dose may be given, counted from the first dose."""

    substance: Substance
    min_minutes_after: int = Field(ge=0)
    max_minutes_after: int | None = Field(default=None, gt=0)


class FacilitatorRequirements(Sourced):
    """What a facilitator must hold to be present at a medicine session, and whether each
    partner must approve each facilitator before one (a readiness requirement)."""

    # A verified, unexpired licence from this jurisdiction ("" accepts any verified licence).
    licence_jurisdiction: str = ""
    licence_label: str = "Facilitator licence"
    bls_required: bool = False
    approval_required: bool = False


class IntegrationRules(Sourced):
    """After a session: whether integration must be offered, and the follow-up contacts the
    profile asks for (days after the session closes, per partner)."""

    offer_required: bool = True
    follow_up_contact_days: list[int] = []


class Retention(Sourced):
    years: int = Field(gt=0)


class DischargeCriterion(Sourced):
    """One thing the care team confirms before a partner leaves, as a checkbox on discharge."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=3)


class DischargeRules(StrictModel):
    """What the care team confirms, each criterion with its source, before a partner leaves."""

    criteria: list[DischargeCriterion] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_once(self) -> DischargeRules:
        ids = [criterion.id for criterion in self.criteria]
        if len(ids) != len(set(ids)):
            raise ValueError("a discharge criterion is listed twice")
        return self


class AlertWindow(StrictModel):
    """How long alerts whose rule id starts with RULE_PREFIX may wait for acknowledgement."""

    rule_prefix: str = Field(min_length=1)
    minutes: int = Field(gt=0)
    source: str = Field(min_length=3)


class AlertWindows(Sourced):
    """How long a safety alert may wait for a care team member to acknowledge it before it
    escalates, once, to the clinical leads. The longest matching rule prefix wins; an alert
    that none matches waits DEFAULT_MINUTES."""

    default_minutes: int = Field(gt=0)
    windows: list[AlertWindow] = []

    def minutes_for(self, rule_id: str) -> tuple[int, str]:
        """The window for RULE_ID in minutes, and the source that says so."""
        matching = [w for w in self.windows if rule_id.startswith(w.rule_prefix)]
        if not matching:
            return self.default_minutes, self.source
        best = max(matching, key=lambda w: len(w.rule_prefix))
        return best.minutes, best.source


class TimeZoneSuggestion(Sourced):
    """The IANA time zone an organisation under this profile starts with (its admin may choose
    another): the zone every time is shown and typed in."""

    name: str

    @field_validator("name")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)  # ValueError naming it when there is no such zone
        return value


class AnswerOption(StrictModel):
    """One answer a question offers: the code stored and counted, the words shown."""

    code: str = Field(pattern=r"^[a-z0-9_]+$", max_length=60)
    label: str = Field(min_length=1)
    # For an age band: the ages it covers (`max_age` inclusive; None is open-ended).
    min_age: int | None = Field(default=None, ge=0)
    max_age: int | None = Field(default=None, ge=0)


PREFER_NOT_CODE = "prefer_not"


class ClientDataQuestion(StrictModel):
    """One question of a client data form. `single` takes one code, `multiple` any number;
    `age` is not asked: the partner's age band is worked out from their date of birth. Every
    question offers "prefer not to say" (PREFER_NOT_CODE) besides its options; `other` adds a
    free-text "other" answer, kept in the partner's record and never counted in a report."""

    code: str = Field(pattern=r"^[a-z0-9_]+$", max_length=40)
    label: str = Field(min_length=1)
    help: str = ""
    kind: Literal["single", "multiple", "age"]
    options: list[AnswerOption] = Field(min_length=1)
    other: bool = False
    source: str = ""

    @model_validator(mode="after")
    def _codes_once(self) -> ClientDataQuestion:
        codes = [option.code for option in self.options]
        if len(codes) != len(set(codes)) or PREFER_NOT_CODE in codes or "other" in codes:
            raise ValueError(
                f"{self.code}: an answer code is listed twice, or is {PREFER_NOT_CODE} or other "
                "(reserved: every question offers the first, `other = true` the second)"
            )
        if self.kind == "age" and any(o.min_age is None for o in self.options):
            raise ValueError(f"{self.code}: every age band gives min_age")
        return self


class ClientDataVersion(Sourced):
    """One version of the client data form: its questions and answer sets. Answers keep the
    version they were given under, so an older version stays readable after a new one."""

    version: str = Field(min_length=1)
    questions: list[ClientDataQuestion] = Field(min_length=1)

    def question(self, code: str) -> ClientDataQuestion | None:
        return next((q for q in self.questions if q.code == code), None)


class ClientData(Sourced):
    """The state's client data form (Oregon's 303 form): its versions, the current one, and the
    written confirmation that the partner was offered the opt-out (OAR 333-333-5000(4))."""

    current: str
    opt_out_label: str = Field(min_length=3)
    confirmation_label: str = Field(min_length=3)
    confirmation_source: str = Field(min_length=3)
    versions: list[ClientDataVersion] = Field(min_length=1)

    @model_validator(mode="after")
    def _current_known(self) -> ClientData:
        names = [v.version for v in self.versions]
        if len(names) != len(set(names)) or self.current not in names:
            raise ValueError("client_data.current must name exactly one of its versions")
        return self

    @property
    def current_version(self) -> ClientDataVersion:
        return next(v for v in self.versions if v.version == self.current)

    def version(self, name: str) -> ClientDataVersion | None:
        return next((v for v in self.versions if v.version == name), None)


class Suppression(Sourced):
    """Aggregate reports show a count from 1 to `threshold` as suppressed."""

    threshold: int = Field(ge=0)


class RegulatorReport(Sourced):
    """A report the state asks of the organisation: which one, its period, when it is due."""

    id: Literal["oregon-303", "colorado-admin-log"]
    name: str
    period: Literal["quarter", "year"]
    due_days_after_period: int | None = Field(default=None, ge=0)
    # What the averaged section lists besides sessions per client (oregon-303).
    averages: list[str] = []


class Ledger(Sourced):
    """Whether the organisation keeps its product in Holdspace's ledger, so every plan and dose
    names a lot from it."""

    required: bool


class Profile(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    version: str
    effective: dt.date
    jurisdiction: str
    summary: str
    substances: list[Substance] = Field(min_length=1)
    substances_source: Sourced
    required_forms: list[RequiredForm]
    preparation: Preparation
    dose_limits: list[DoseLimit] = []
    minimum_duration: list[DurationTable] = []
    facilitator_ratio: list[RatioTable] = []
    supplemental: list[SupplementalTiming] = []
    vital_thresholds: VitalThresholds | None = None
    facilitators: FacilitatorRequirements
    integration: IntegrationRules | None = None
    retention: Retention
    discharge: DischargeRules
    alerts: AlertWindows | None = None
    time_zone: TimeZoneSuggestion
    minimum_age: MinimumAge | None = None
    client_data: ClientData | None = None
    suppression: Suppression | None = None
    reports: list[RegulatorReport] = []
    ledger: Ledger | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        codes = [form.code for form in self.required_forms]
        if len(codes) != len(set(codes)):
            raise ValueError("a form is listed twice in required_forms")
        for group in (
            self.dose_limits,
            self.minimum_duration,
            self.facilitator_ratio,
            self.supplemental,
        ):
            for entry in group:
                if entry.substance not in self.substances:
                    raise ValueError(
                        f"{entry.substance} has limits here but is not among the substances"
                    )
        return self

    def report(self, report_id: str) -> RegulatorReport | None:
        return next((r for r in self.reports if r.id == report_id), None)

    @property
    def ledger_required(self) -> bool:
        return self.ledger is not None and self.ledger.required

    def supplemental_timing(self, substance: str) -> SupplementalTiming | None:
        return next((t for t in self.supplemental if t.substance == substance), None)

    def required(self, code: str) -> RequiredForm | None:
        return next((form for form in self.required_forms if form.code == code), None)

    @property
    def signed_forms(self) -> list[RequiredForm]:
        return [form for form in self.required_forms if form.signed]

    def session_forms(self, kind: str) -> list[RequiredForm]:
        """The forms signed again before each session of KIND (a booking's kind)."""
        return [
            form
            for form in self.required_forms
            if form.signing is not None and kind in form.signing.before_each
        ]

    def dose_limit(self, substance: str) -> DoseLimit | None:
        return next((d for d in self.dose_limits if d.substance == substance), None)

    def minimum_minutes(self, substance: str, total_mg: float) -> tuple[int, DurationTable] | None:
        """The shortest session allowed after TOTAL_MG, with the table that says so."""
        for table in self.minimum_duration:
            if table.substance == substance:
                for row in table.rows:
                    if row.contains(total_mg):
                        return row.minimum_minutes, table
        return None

    def facilitators_needed(
        self, substance: str, largest_dose_mg: float, partners: int = 2
    ) -> tuple[int, RatioTable] | None:
        """How many facilitators a session of PARTNERS needs, by the largest single dose."""
        for table in self.facilitator_ratio:
            if table.substance == substance:
                for row in table.rows:
                    if row.contains(largest_dose_mg):
                        needed = -(-partners // row.clients_per_facilitator)
                        return max(needed, table.minimum_facilitators), table
        return None


def _load(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path.name}: {exc}") from exc
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{path.name}: {exc}") from exc
    if profile.id != path.stem:
        raise ProfileError(f"{path.name}: id {profile.id!r} does not match the file name")
    return profile


@cache
def all_profiles() -> dict[str, Profile]:
    return {path.stem: _load(path) for path in sorted(PROFILES_DIR.glob("*.toml"))}


def get_profile(name: str) -> Profile:
    try:
        return all_profiles()[name]
    except KeyError:
        raise ProfileError(f"No jurisdiction profile named {name!r}") from None
