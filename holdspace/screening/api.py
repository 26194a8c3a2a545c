"""/api/v1/couples/{id}/screenings: the same service and policy as the screening form."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictBool, create_model

from holdspace.lib.api import Input, documented
from holdspace.lib.citations import citation
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.screening import screens_for_a_partner
from holdspace.screening.models import Decision, Screening
from holdspace.screening.profiles import Substance
from holdspace.screening.rules import rule_set
from holdspace.screening.services import MAX_MEDICATIONS, screening_submit

router = Router(tags=["screening and preparation"])

_rules = rule_set()
# The documented codes become enums in the OpenAPI document; an unknown one is a 422.
ConditionCode = Literal[tuple(_rules.conditions)]  # type: ignore[valid-type]

AnswersIn: Any = create_model(  # type: ignore[call-overload]
    "AnswersIn",
    __config__=ConfigDict(extra="forbid"),
    **{
        code: (StrictBool | None, Field(default=None, description=question.text))
        for code, question in _rules.questions.items()
    },
)


class ScreeningIn(Input):
    substance: Substance
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
    date_of_birth: dt.date | None = Field(
        default=None,
        description="Checked against the profile's minimum age; not in the future, not before "
        "1900. The web intake asks for it where the profile sets a minimum age.",
    )


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
    decision: Decision
    findings: list[FindingOut]
    medications: list[MedicationOut]
    unmatched_medications: list[str]
    rule_set_version: str
    created_at: dt.datetime


def _screening_out(screening: Screening) -> ScreeningOut:
    return ScreeningOut(
        id=screening.pk,
        couple_id=screening.couple_id,
        partner_id=screening.partner_id,
        substance=screening.substance,
        decision=Decision(screening.decision),
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
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    if payload.partner_id is None and screens_for_a_partner(viewer, couple):
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
        date_of_birth=payload.date_of_birth,
    )
    return Status(201, _screening_out(screening))
