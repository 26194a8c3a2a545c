"""The shape of the couple progress report: what the page, the PDF and the JSON render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from holdspace.sessions.models import SessionStatus

Variant = Literal["couple", "clinical"]
VARIANTS: tuple[Variant, ...] = ("couple", "clinical")
VARIANT_LABELS = {"couple": "For the couple", "clinical": "Clinical record — confidential"}
# Entries beyond these (newest kept) are left to Holdspace itself; the report says so.
ENTRY_LIMIT = 100
HELD = {SessionStatus.IN_PROGRESS, SessionStatus.ENDED, SessionStatus.CLOSED}
CHANGE_WORDS = {
    "improved": "reliable improvement",
    "deteriorated": "reliable deterioration",
    "no_reliable_change": "no reliable change",
}


@dataclass(frozen=True)
class Milestone:
    at: dt.datetime
    kind: str  # couple, screening, preparation, medicine_session, integration, measures, commitment
    label: str


@dataclass(frozen=True)
class ReportEntry:
    kind: str
    kind_label: str
    author: str
    visibility: str  # team or couple, never private
    body: str
    has_audio: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class ScoreChange:
    partner: str
    baseline: float | None
    latest: float | None
    latest_label: str
    status: str  # improved / deteriorated / no_reliable_change, or "" when not assessed
    words: str  # "Riley: 14 → 4, reliable improvement"


@dataclass(frozen=True)
class ScoreRow:
    label: str  # the timepoint
    values: list[float | None]  # one per partner shown


@dataclass(frozen=True)
class MeasureChart:
    code: str
    name: str
    short_name: str
    higher_is_better: bool
    partners: list[str]
    rows: list[ScoreRow]
    changes: list[ScoreChange]
    svg: str
    svg_narrow: str = ""  # the same chart drawn for a phone


@dataclass(frozen=True)
class Dose:
    partner: str
    at: dt.datetime
    label: str  # dose or supplemental dose
    amount_mg: float
    product: str
    lot: str
    corrected: bool


@dataclass(frozen=True)
class AdverseEvent:
    partner: str  # empty for both partners
    at: dt.datetime
    severity: str
    description: str
    emergency_services: bool
    medical_care: bool
    action_taken: str
    outcome: str
    corrected: bool


@dataclass(frozen=True)
class SessionSummary:
    id: int
    starts_at: dt.datetime
    status: str
    status_label: str
    # Clinical variant only (empty in the couple's):
    substance: str = ""
    doses: list[Dose] = field(default_factory=list)
    adverse_events: list[AdverseEvent] = field(default_factory=list)
    integration_offer: str = ""


@dataclass(frozen=True)
class IntegrationSummary:
    held_at: dt.datetime
    with_whom: str
    facilitator: str
    carry_forward: str
    notes: str  # clinical variant only


@dataclass(frozen=True)
class CommitmentSummary:
    description: str
    cadence_label: str
    keepers: list[str]
    adherence: int | None  # percent of expected check-ins marked done
    started_on: dt.date
    ended: bool


@dataclass(frozen=True)
class PartnerClinical:
    """Screening and readiness of one partner at a summary level (clinical variant)."""

    name: str
    screening: str  # the decision that counts, in words, or "Not screened yet"
    screened_at: dt.datetime | None
    overridden: bool
    themes: list[str]
    own_words: str


@dataclass(frozen=True)
class Summary:
    text: str
    author: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ProgressReport:
    couple_id: int
    couple_name: str
    organisation_name: str
    variant: Variant
    variant_label: str
    generated_at: dt.datetime
    generated_by: str
    stage: str
    stage_label: str
    partners: list[str]
    care_team: list[str]
    summary: Summary | None
    timeline: list[Milestone]
    intentions: list[ReportEntry]
    reflections: list[ReportEntry]
    entries_truncated: bool
    measures: list[MeasureChart]
    measures_withheld: list[str]  # partners whose scores are kept with the care team
    medicine_sessions: list[SessionSummary]
    integration_sessions: list[IntegrationSummary]
    commitments: list[CommitmentSummary]
    # Clinical variant only:
    partners_clinical: list[PartnerClinical]
    readiness: str

    @property
    def clinical(self) -> bool:
        return self.variant == "clinical"
