"""FHIR R4 Questionnaire and QuestionnaireResponse resources for the measures.

Built as plain JSON-ready dicts from the instrument files and stored responses; the tests
validate them with the fhir.resources models. Item wording an organisation supplies under
licence is never exported: those items carry their link ids only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from holdspace.measures.library import Instrument, Item
from holdspace.measures.models import MeasureResponse
from holdspace.reports.pseudonyms import pseudonym

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def _base() -> str:
    return f"{settings.SITE_URL}/fhir"


def questionnaire_url(instrument: Instrument) -> str:
    return f"{_base()}/Questionnaire/{instrument.code}"


def _option_system(instrument: Instrument, item: Item) -> str:
    return f"{_base()}/CodeSystem/{instrument.code}-{item.options}"


def _code(value: float) -> str:
    return f"{value:g}"


def _item(instrument: Instrument, item: Item) -> dict[str, Any]:
    options = instrument.option_set(item)
    entry: dict[str, Any] = {"linkId": item.id, "required": item.scored}
    if item.text and instrument.item_text == "bundled":
        entry["text"] = item.text
    if options.continuous:
        entry["type"] = "decimal"
        return entry
    entry["type"] = "choice"
    entry["answerOption"] = [
        {
            "valueCoding": {
                "system": _option_system(instrument, item),
                "code": _code(option.value),
                "display": option.label,
                "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
            }
        }
        for option in options.options
    ]
    return entry


def questionnaire(instrument: Instrument) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "id": instrument.code,
        "url": questionnaire_url(instrument),
        "version": instrument.version,
        "name": instrument.code.upper(),
        "title": instrument.name,
        "status": "active",
        "description": instrument.instructions,
        "copyright": f"{instrument.licence.statement} {instrument.licence.citation}",
        "item": [_item(instrument, item) for item in instrument.items],
    }


def questionnaire_response(instrument: Instrument, response: MeasureResponse) -> dict[str, Any]:
    """One stored response, with the partner named only by their stable pseudonym."""
    items = []
    for item in instrument.items:
        value = response.answers.get(item.id)
        if value is None:
            continue
        if instrument.option_set(item).continuous:
            answer: dict[str, Any] = {"valueDecimal": value}
        else:
            option = next(o for o in instrument.option_set(item).options if o.value == value)
            answer = {
                "valueCoding": {
                    "system": _option_system(instrument, item),
                    "code": _code(value),
                    "display": option.label,
                }
            }
        items.append({"linkId": item.id, "answer": [answer]})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": pseudonym("response", response.organisation_id, response.pk),
        "questionnaire": f"{questionnaire_url(instrument)}|{response.instrument_version}",
        "status": "amended" if response.supersedes_id else "completed",
        "authored": response.created_at.isoformat(),
        "subject": {
            "identifier": {
                "system": f"{_base()}/pseudonym",
                "value": pseudonym("partner", response.organisation_id, response.partner_id),
            }
        },
        "item": items,
    }
    return resource
