"""The instrument library over the API: what each instrument asks and how it is scored."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from holdspace.lib.api import documented
from holdspace.measures.library import Instrument, InstrumentError, get_instrument, library

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


@router.get(
    "",
    response=documented({200: list[InstrumentSummaryOut]}, reads=False),
    summary="The instrument library",
)
def instruments(request: HttpRequest) -> list[InstrumentSummaryOut]:
    return [_summary(instrument) for _code, instrument in sorted(library().items())]


@router.get(
    "/{code}",
    response=documented({200: InstrumentOut}),
    summary="One instrument: its items, options, scoring, bands and alert rules",
)
def instrument(request: HttpRequest, code: str) -> InstrumentOut:
    try:
        found = get_instrument(code)
    except InstrumentError:
        raise Http404("No such instrument") from None
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
            points=round(change.threshold, 4), source=change.source, unverified=change.unverified
        ),
        safety=[
            RuleOut(id=r.id, description=r.message, source=r.source, unverified=r.unverified)
            for r in found.safety
        ],
        rules=[
            RuleOut(id=r.id, description=r.name, source=r.source, unverified=r.unverified)
            for r in found.rules
        ],
    )
