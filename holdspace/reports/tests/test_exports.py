"""FHIR resources for the instruments and responses, and the de-identified research CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.measures.library import get_instrument, library
from holdspace.measures.scoring import answers_from_list
from holdspace.measures.services import response_submit

pytestmark = pytest.mark.django_db


def _submit(
    cast: Cast, who: str, code: str, values: list[float | None], timepoint: str = "baseline"
) -> int:
    submitted = response_submit(
        viewer=cast.viewer(who),
        couple=cast.couple,
        instrument=code,
        timepoint=timepoint,
        answers=answers_from_list(get_instrument(code), values),
    )
    return submitted.response.pk


@pytest.mark.parametrize("code", sorted(library()))
def test_it_exports_every_instrument_as_a_valid_fhir_questionnaire(cast: Cast, code: str) -> None:
    response = cast.api("partner_a").get(f"/api/v1/instruments/{code}/fhir")
    assert response.status_code == 200
    resource = Questionnaire.model_validate(response.json())
    instrument = get_instrument(code)
    assert [item.linkId for item in resource.item] == [item.id for item in instrument.items]
    if instrument.item_text == "organisation":
        assert all(item.text is None for item in resource.item)  # licensed wording stays out
    else:
        assert resource.item[0].text == instrument.items[0].text


def test_it_exports_a_response_as_a_valid_pseudonymised_questionnaire_response(
    cast: Cast,
) -> None:
    response_id = _submit(cast, "partner_a", "phq9", [1, 2, 0, 3, 0, 0, 1, None, 0, 2])
    got = cast.api("facilitator").get(
        f"/api/v1/couples/{cast.couple.pk}/responses/{response_id}/fhir"
    )
    assert got.status_code == 200
    body = got.json()
    resource = QuestionnaireResponse.model_validate(body)
    assert resource.status == "completed"
    assert resource.questionnaire.endswith("/Questionnaire/phq9|1.0")
    answered = {item.linkId: item.answer[0].valueCoding.code for item in resource.item}
    assert answered["phq9_2"] == "2" and "phq9_8" not in answered
    text = json.dumps(body)
    for secret in (cast.partner_a.email, cast.partner_a.display_name, "Partner"):
        assert secret not in text
    assert body["subject"]["identifier"]["value"].startswith("p-")
    # The other partner may not see it, so may not export it either.
    assert (
        cast.api("partner_b")
        .get(f"/api/v1/couples/{cast.couple.pk}/responses/{response_id}/fhir")
        .status_code
        == 404
    )


def test_it_exports_de_identified_measures_one_row_per_partner_timepoint_instrument(
    cast: Cast,
) -> None:
    _submit(cast, "partner_a", "phq9", [1] * 9 + [0])
    _submit(cast, "partner_a", "phq9", [2] * 9 + [0])  # supersedes: only this one is exported
    _submit(cast, "partner_b", "pcl5", [1] * 20)
    _submit(cast, "partner_b", "gad7", [0] * 6 + [None], timepoint="month_1")
    response = cast.client("researcher").get("/exports/measures.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["instrument"], r["timepoint"], r["total"]) for r in rows] == [
        ("phq9", "baseline", "18"),
        ("gad7", "month_1", ""),
        ("pcl5", "baseline", "20"),
    ]
    assert rows[2]["subscale_B"] == "5" and rows[2]["subscale_E"] == "6"
    assert rows[1]["missing_items"] == "1"
    assert rows[0]["couple"] == rows[1]["couple"] and rows[0]["partner"] != rows[1]["partner"]
    assert {r["partner_slot"] for r in rows} == {"a", "b"}
    for person in (cast.partner_a, cast.partner_b):
        assert person.email not in text and person.display_name not in text
    assert "2026-" not in text  # no dates
    event = AuditEvent.objects.filter(action="export.measures").get()
    assert (event.actor_id, event.detail) == (cast.researcher.pk, {"rows": 3})


@pytest.mark.parametrize("who", ["facilitator", "admin", "partner_a", "trial_facilitator"])
def test_it_keeps_the_export_to_researchers_and_clinical_leads(cast: Cast, who: str) -> None:
    assert cast.client(who).get("/exports/measures.csv").status_code == 404
    assert cast.client("lead").get("/exports/measures.csv").status_code == 200
    other = cast.client("researcher").get(f"/exports/measures.csv?organisation={cast.trial.pk}")
    assert other.status_code == 404


def test_it_offers_the_researcher_the_download(cast: Cast) -> None:
    html = cast.client("researcher").get("/").content.decode()
    assert "Download the de-identified measures (CSV)" in html


def test_it_reports_program_outcomes_per_instrument(cast: Cast) -> None:
    # Partner A: PHQ-9 18 → 12 → 7 (latest 7: reliably improved by 11).
    # Partner B: PHQ-9 9 → 11 (no reliable change). Partner C (other couple): 6 → 13 (worse).
    def phq9(who: str, couple, total: int, timepoint: str) -> None:  # type: ignore[no-untyped-def]
        values: list[float | None] = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0, 0]
        response_submit(
            viewer=cast.viewer(who),
            couple=couple,
            instrument="phq9",
            timepoint=timepoint,
            answers=answers_from_list(get_instrument("phq9"), values),
        )

    phq9("partner_a", cast.couple, 18, "baseline")
    phq9("partner_a", cast.couple, 12, "week_1")
    phq9("partner_a", cast.couple, 7, "month_1")
    phq9("partner_b", cast.couple, 9, "baseline")
    phq9("partner_b", cast.couple, 11, "month_1")
    phq9("partner_c", cast.other_couple, 6, "baseline")
    phq9("partner_c", cast.other_couple, 13, "month_1")
    phq9("partner_d", cast.other_couple, 5, "baseline")  # no follow-up: not counted
    from holdspace.reports.selectors import program_outcomes

    (row,) = program_outcomes(viewer=cast.viewer("lead"), organisation_id=cast.center.pk)
    assert (row.code, row.partners) == ("phq9", 3)
    assert row.mean_baseline == pytest.approx((18 + 9 + 6) / 3)
    assert row.mean_latest == pytest.approx((7 + 11 + 13) / 3)
    assert row.mean_change == pytest.approx((-11 + 2 + 7) / 3)
    assert (row.improved, row.deteriorated) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    page = cast.client("researcher").get("/outcomes/").content.decode()
    assert "Patient Health Questionnaire-9" in page and "33 %" in page
    assert cast.partner_a.display_name not in page
    assert cast.client("facilitator").get("/outcomes/").status_code == 404
    assert AuditEvent.objects.filter(action="outcomes.read").count() == 2
