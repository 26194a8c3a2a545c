"""The instrument library over the API: what each instrument asks and how it is scored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.couples.models import Couple
from holdspace.lib.api import (
    Input,
    Page,
    PageQuery,
    ValidationErrorOut,
    documented,
    next_offset,
    page_slice,
)
from holdspace.lib.citations import citation
from holdspace.measures.library import Instrument, InstrumentError, get_instrument, library
from holdspace.measures.models import MeasureResponse, Timepoint
from holdspace.measures.scoring import AnswerError, ChangeStatus, answers_from_list
from holdspace.measures.selectors import item_answers, response_list, response_page
from holdspace.measures.services import SubmissionConflict, response_submit
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.measures import can_see_item_answers, get_instrument_for
from holdspace.reports.fhir import questionnaire, questionnaire_response

router = Router(tags=["instruments"])


class LicenceOut(Schema):
    statement: str
    citation: str
    source: str
    unverified: bool


class InstrumentSummaryOut(Schema):
    code: str
    name: str
    version: str
    domain: str
    items: int
    item_text: str  # "bundled", or "organisation" when the licence keeps the wording out
    higher_is_better: bool


class OptionOut(Schema):
    value: float
    label: str


class ItemOut(Schema):
    id: str
    text: str
    options: list[OptionOut]
    continuous: bool
    reverse: bool
    scored: bool
    safety: bool  # left unanswered, it raises a safety alert of its own


class SubscaleOut(Schema):
    id: str
    name: str
    items: list[str]
    method: str


class BandOut(Schema):
    min: float
    max: float
    label: str
    severity: str


class ReliableChangeOut(Schema):
    points: float
    source: str
    unverified: bool


class RuleOut(Schema):
    id: str
    description: str
    source: str
    unverified: bool


class InstrumentOut(InstrumentSummaryOut):
    timeframe: str
    instructions: str
    licence: LicenceOut
    questions: list[ItemOut]
    method: str
    total: bool
    range: list[float]
    subscales: list[SubscaleOut]
    bands: list[BandOut]
    reliable_change: ReliableChangeOut | None
    safety: list[RuleOut]
    rules: list[RuleOut]


def _summary(instrument: Instrument) -> InstrumentSummaryOut:
    return InstrumentSummaryOut(
        code=instrument.code,
        name=instrument.name,
        version=instrument.version,
        domain=instrument.domain,
        items=len(instrument.items),
        item_text=instrument.item_text,
        higher_is_better=instrument.scoring.higher_is_better,
    )


class InstrumentListOut(Page[InstrumentSummaryOut]):
    pass


@router.get(
    "",
    response=documented({200: InstrumentListOut, 422: ValidationErrorOut}, reads=False),
    summary="The instrument library",
)
def instruments(request: HttpRequest, query: Query[PageQuery]) -> InstrumentListOut:
    found, total = page_slice([i for _code, i in sorted(library().items())], query)
    return InstrumentListOut(
        items=[_summary(i) for i in found], count=total, next=next_offset(query, total)
    )


@router.get(
    "/{code}",
    response=documented({200: InstrumentOut}),
    summary="One instrument: its items, options, scoring, bands and alert rules",
)
def instrument(request: HttpRequest, code: str) -> InstrumentOut:
    found = get_instrument_for(viewer_from_request(request), code)
    scoring = found.scoring
    change = found.reliable_change
    return InstrumentOut(
        **_summary(found).dict(),
        timeframe=found.timeframe,
        instructions=found.instructions,
        licence=LicenceOut(**found.licence.model_dump()),
        questions=[
            ItemOut(
                id=item.id,
                text=item.text,
                options=[
                    OptionOut(value=o.value, label=o.label) for o in found.option_set(item).options
                ],
                continuous=found.option_set(item).continuous,
                reverse=item.reverse,
                scored=item.scored,
                safety=item.safety,
            )
            for item in found.items
        ],
        method=scoring.method,
        total=scoring.total,
        range=list(found.total_range),
        subscales=[
            SubscaleOut(id=s.id, name=s.name, items=s.items, method=s.method or scoring.method)
            for s in scoring.subscales
        ],
        bands=[BandOut(**band.model_dump()) for band in found.bands],
        reliable_change=None
        if change is None
        else ReliableChangeOut(
            points=round(change.threshold, 4),
            source=citation(change.source),
            unverified=change.unverified,
        ),
        safety=[
            RuleOut(
                id=r.id, description=r.message, source=citation(r.source), unverified=r.unverified
            )
            for r in found.safety
        ],
        rules=[
            RuleOut(id=r.id, description=r.name, source=citation(r.source), unverified=r.unverified)
            for r in found.rules
        ],
    )


responses_router = Router(tags=["measures"])


class ResponseIn(Input):
    instrument: str = Field(max_length=32, examples=["phq9"])
    timepoint: Timepoint = Field(examples=["baseline"])
    partner_id: int | None = Field(default=None, description="when staff administer it")
    # A list in item order (every item, or the scored items alone: nine numbers for the
    # PHQ-9), or a map of item id to value; null for an unanswered item.
    answers: list[float | None] | dict[str, float | None]
    submission_key: str | None = Field(
        default=None,
        min_length=16,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="an idempotency key: sent again with the same answers, the stored response "
        "comes back (200) and nothing new is stored; other answers under it are a 409",
    )


class ScaleOut(Schema):
    id: str
    value: float | None


class ResponseAlertOut(Schema):
    id: int
    rule: str
    message: str
    acknowledged: bool


class ChangeOut(Schema):
    status: ChangeStatus
    difference: float
    threshold: float


class AnswerOut(Schema):
    item: str
    value: float | None  # null: not answered
    safety: bool  # a safety item (PHQ-9 item 9): unanswered, it raised an alert of its own


class ResponseOut(Schema):
    id: int
    couple_id: int
    partner_id: int
    instrument: str
    instrument_version: str
    timepoint: Timepoint
    total: float | None
    subscales: list[ScaleOut]
    band: str
    missing: list[str]
    rules: dict[str, bool | None]
    administered_by: int | None
    supersedes: int | None
    created_at: datetime
    # Item by item, for the partner who answered and the couple's care team; null for anyone
    # else who sees the score (the other partner, when it is shared with them).
    answers: list[AnswerOut] | None


class SubmittedOut(ResponseOut):
    alerts: list[ResponseAlertOut]
    change_from_baseline: ChangeOut | None


class ResponseListOut(Page[ResponseOut]):
    pass


class SubmissionConflictOut(Schema):
    detail: str
    stored: ResponseOut


def _response_out(viewer: Viewer, couple: Couple, response: MeasureResponse) -> ResponseOut:
    answers = None
    if can_see_item_answers(viewer, couple, response):
        answers = [
            AnswerOut(item=row.id, value=row.value, safety=row.safety)
            for row in item_answers(response, couple.organisation.slug)
        ]
    return ResponseOut(
        **{
            "id": response.pk,
            "couple_id": response.couple_id,
            "partner_id": response.partner_id,
            "instrument": response.instrument,
            "instrument_version": response.instrument_version,
            "timepoint": response.timepoint,
            "total": response.total,
            "subscales": [ScaleOut(id=k, value=v) for k, v in response.subscales.items()],
            "band": response.band,
            "missing": response.missing,
            "rules": response.rules,
            "administered_by": response.administered_by_id,
            "supersedes": response.supersedes_id,
            "created_at": response.created_at,
            "answers": answers,
        }
    )


@responses_router.post(
    "/{couple_id}/responses",
    response=documented(
        {201: SubmittedOut, 200: SubmittedOut, 409: SubmissionConflictOut}, writes=True
    ),
    summary="Submit a partner's answers to an instrument; scored at once, alerts raised (200 for "
    "the same answers sent again under a submission key, 409 for other answers under it)",
)
def response_new(request: HttpRequest, couple_id: int, payload: ResponseIn) -> Any:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    answers = payload.answers
    if isinstance(answers, list):
        try:
            definition = get_instrument(payload.instrument)
        except InstrumentError as exc:
            raise ValidationError({"instrument": str(exc)}) from exc
        try:
            answers = answers_from_list(definition, answers)
        except AnswerError as exc:
            raise ValidationError(exc.problems) from exc
    try:
        submitted = response_submit(
            viewer=viewer,
            couple=couple,
            instrument=payload.instrument,
            timepoint=payload.timepoint,
            answers=answers,
            partner_id=payload.partner_id,
            submission_key=payload.submission_key,
        )
    except SubmissionConflict as exc:
        return Status(
            409,
            SubmissionConflictOut(
                detail="Other answers were already sent under this submission key.",
                stored=_response_out(viewer, couple, exc.stored),
            ),
        )
    change = submitted.change_from_baseline
    return Status(
        201 if submitted.created else 200,
        SubmittedOut(
            **_response_out(viewer, couple, submitted.response).dict(),
            alerts=[
                ResponseAlertOut(
                    id=a.pk,
                    rule=a.rule_id,
                    message=a.message,
                    acknowledged=a.acknowledged_at is not None,
                )
                for a in submitted.alerts
            ],
            change_from_baseline=None
            if change is None
            else ChangeOut(
                status=change.status, difference=change.difference, threshold=change.threshold
            ),
        ),
    )


@responses_router.get(
    "/{couple_id}/responses",
    response=documented({200: ResponseListOut}),
    summary="The measure responses the caller may see: a partner their own, the care team all",
)
def responses(request: HttpRequest, couple_id: int, query: Query[PageQuery]) -> ResponseListOut:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    items, total = response_list(
        viewer=viewer, couple=couple, limit=query.limit, offset=query.offset
    )
    return ResponseListOut(
        items=[_response_out(viewer, couple, r) for r in items],
        count=total,
        next=next_offset(query, total),
    )


@router.get(
    "/{code}/fhir",
    response=documented({200: dict[str, Any]}),
    summary="One instrument as a FHIR R4 Questionnaire",
)
def instrument_fhir(request: HttpRequest, code: str) -> dict[str, Any]:
    return questionnaire(get_instrument_for(viewer_from_request(request), code))


@responses_router.get(
    "/{couple_id}/responses/{response_id}/fhir",
    response=documented({200: dict[str, Any]}),
    summary="One response as a FHIR R4 QuestionnaireResponse, the partner pseudonymised (its "
    "answers item by item: for the partner who gave them and the care team only)",
)
def response_fhir(request: HttpRequest, couple_id: int, response_id: int) -> dict[str, Any]:
    viewer = viewer_from_request(request)
    page = response_page(
        viewer=viewer, couple=get_couple_for(viewer, couple_id), response_id=response_id
    )
    return questionnaire_response(page.instrument, page.response)
