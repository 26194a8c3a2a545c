"""/api/v1/couples/{id}/screenings, /readiness and /sessions: the same services and policy
as the web UI."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictBool, create_model

from holdspace.audit.actions import Action
from holdspace.lib.api import ErrorOut, Input, api_viewer, documented
from holdspace.lib.citations import citation
from holdspace.policy import get_couple_for, is_care_team_of, require_readiness
from holdspace.preparation.readiness import readiness
from holdspace.screening.models import Screening
from holdspace.screening.rules import rule_set
from holdspace.screening.services import MAX_MEDICATIONS, screening_submit
from holdspace.sessions.models import MedicineSession
from holdspace.sessions.services import NotReady, medicine_session_schedule

router = Router(tags=["screening and preparation"])

_rules = rule_set()
# The documented codes become enums in the OpenAPI document; an unknown one is a 422.
ConditionCode = Literal[tuple(_rules.conditions)]  # type: ignore[valid-type]
SubstanceCode = Literal["psilocybin", "mdma"]

AnswersIn: Any = create_model(  # type: ignore[call-overload]
    "AnswersIn",
    __config__=ConfigDict(extra="forbid"),
    **{
        code: (StrictBool | None, Field(default=None, description=question.text))
        for code, question in _rules.questions.items()
    },
)


class ScreeningIn(Input):
    substance: SubstanceCode
    partner_id: int | None = Field(
        default=None, description="Staff: the partner screened. Partners leave it out."
    )
    conditions: list[ConditionCode] = Field(  # type: ignore[valid-type]
        default=[], max_length=len(_rules.conditions)
    )
    medications: list[str] = Field(
        default=[],
        max_length=MAX_MEDICATIONS,
        description="Names as people write them, e.g. 'Lithium carbonate 300 mg'.",
    )
    answers: AnswersIn | None = None
    substances_used: str = Field(default="", max_length=4000)
    support_notes: str = Field(default="", max_length=4000)


class FindingOut(Schema):
    rule_id: str
    outcome: Literal["exclude", "review", "note"]
    message: str
    source: str
    unverified: bool
    alert: bool
    because: list[str]


class MedicationOut(Schema):
    written: str
    generic: str | None
    atc: str
    classes: list[str]


class ScreeningOut(Schema):
    id: int
    couple_id: int
    partner_id: int
    substance: str
    decision: Literal["eligible", "review", "excluded"]
    findings: list[FindingOut]
    medications: list[MedicationOut]
    unmatched_medications: list[str]
    rule_set_version: str
    created_at: dt.datetime


class ItemOut(Schema):
    code: str
    label: str
    done: bool
    detail: str
    source: str
    unverified: bool
    # Not done, but answered and with the care team: nothing for the partner to do.
    with_care_team: bool = False


class PartnerReadinessOut(Schema):
    partner_id: int
    display_name: str
    ready: bool
    items: list[ItemOut]


class ReadinessOut(Schema):
    couple_id: int
    profile: str
    substance: str
    ready: bool
    partners: list[PartnerReadinessOut]
    couple_items: list[ItemOut]


class SessionIn(Input):
    starts_at: dt.datetime
    substance: SubstanceCode | None = None
    room: str = Field(default="", max_length=120)
    facilitator_ids: list[int] = Field(default=[], max_length=20)


class SessionOut(Schema):
    id: int
    couple_id: int
    substance: str
    starts_at: dt.datetime
    room: str
    status: str
    facilitator_ids: list[int]


class MissingOut(Schema):
    partner_id: int | None
    partner_name: str | None
    code: str
    label: str
    detail: str
    source: str
    unverified: bool


class NotReadyOut(Schema):
    detail: str
    missing: list[MissingOut]


def _screening_out(screening: Screening) -> ScreeningOut:
    return ScreeningOut(
        id=screening.pk,
        couple_id=screening.couple_id,
        partner_id=screening.partner_id,
        substance=screening.substance,
        decision=screening.decision,  # type: ignore[arg-type]
        findings=[
            FindingOut(
                **{
                    **{k: v for k, v in finding.items() if k != "earlier_screening_id"},
                    "source": citation(str(finding.get("source", ""))),
                }
            )
            for finding in screening.findings
        ],
        medications=[MedicationOut(**m) for m in screening.medications],
        unmatched_medications=screening.unmatched,
        rule_set_version=screening.rule_set_version,
        created_at=screening.created_at,
    )


@router.post(
    "/{couple_id}/screenings",
    response=documented({201: ScreeningOut}, writes=True),
    summary="Submit a screening: the caller's own as a partner, or a partner's as care team",
)
def screening_new(
    request: HttpRequest, couple_id: int, payload: ScreeningIn
) -> Status[ScreeningOut]:
    viewer = api_viewer(request)
    couple = get_couple_for(viewer, couple_id)
    if payload.partner_id is None and is_care_team_of(viewer, couple):
        raise ValidationError({"partner_id": ["Name the partner you are screening with."]})
    given = payload.answers.model_dump() if payload.answers is not None else {}
    answers = {k: v for k, v in given.items() if v is not None}
    screening = screening_submit(
        viewer=viewer,
        couple=couple,
        partner_id=payload.partner_id if payload.partner_id is not None else viewer.user.pk,
        substance=payload.substance,
        conditions=payload.conditions,
        medications=payload.medications,
        answers=answers,
        substances_used=payload.substances_used,
        support_notes=payload.support_notes,
    )
    return Status(201, _screening_out(screening))


def _item_out(item: Any, *, partner: bool = False) -> ItemOut:
    out = ItemOut(**{**item.as_dict(), "source": citation(item.source)})
    if partner and item.partner_detail:
        out.detail = item.partner_detail
    return out


@router.get(
    "/{couple_id}/readiness",
    response=documented({200: ReadinessOut, 403: ErrorOut}),
    summary="What each partner has done and what is missing before a medicine session",
)
def readiness_view(request: HttpRequest, couple_id: int) -> ReadinessOut:
    viewer = api_viewer(request)
    couple = get_couple_for(viewer, couple_id)
    require_readiness(viewer, couple)
    result = readiness(couple)
    from holdspace.policy import is_partner_of

    own_only = is_partner_of(viewer, couple)
    viewer.audit(
        Action.READINESS_READ,
        organisation_id=couple.organisation_id,
        object_type="couple",
        object_id=couple.pk,
        couple_id=couple.pk,
    )
    return ReadinessOut(
        couple_id=couple.pk,
        profile=result.profile.id,
        substance=result.substance,
        # A partner learns only whether they themselves are ready.
        ready=(
            result.ready
            if not own_only
            else all(p.ready for p in result.partners if p.partner.user_id == viewer.user.pk)
        ),
        partners=[
            PartnerReadinessOut(
                partner_id=p.partner.user_id,
                display_name=p.partner.user.display_name,
                ready=p.ready,
                items=[_item_out(i, partner=own_only) for i in p.items],
            )
            for p in result.partners
            if not own_only or p.partner.user_id == viewer.user.pk
        ],
        couple_items=[_item_out(i) for i in result.couple_items],
    )


@router.post(
    "/{couple_id}/sessions",
    response=documented({201: SessionOut, 409: NotReadyOut}, writes=True),
    summary="Schedule a medicine session (care team only; 409 lists what is missing)",
)
def session_new(request: HttpRequest, couple_id: int, payload: SessionIn) -> Any:
    viewer = api_viewer(request)
    couple = get_couple_for(viewer, couple_id)
    try:
        session: MedicineSession = medicine_session_schedule(
            viewer=viewer,
            couple=couple,
            starts_at=payload.starts_at,
            room=payload.room,
            facilitator_ids=payload.facilitator_ids,
            substance=payload.substance,
        )
    except NotReady as exc:
        return Status(
            409,
            NotReadyOut(
                detail="The couple is not ready for a medicine session at that time.",
                missing=[
                    MissingOut(**{**m, "source": citation(str(m["source"]))})  # type: ignore[arg-type]
                    for m in exc.missing
                ],
            ),
        )
    return Status(
        201,
        SessionOut(
            id=session.pk,
            couple_id=couple.pk,
            substance=session.substance,
            starts_at=session.starts_at,
            room=session.room,
            status=session.status,
            facilitator_ids=list(dict.fromkeys(payload.facilitator_ids)),
        ),
    )
