"""FHIR resources for the instruments and responses, and the de-identified research CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from holdspace.accounts.models import User
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_entry
from holdspace.couples.models import Couple
from holdspace.measures.library import get_instrument, library
from holdspace.measures.models import MeasureResponse
from holdspace.measures.scoring import answers_from_list
from holdspace.measures.services import response_submit
from holdspace.reports.pseudonyms import pseudonym
from holdspace.reports.selectors import FIXED_COLUMNS, program_outcomes

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


# What the de-identified export never carries -------------------------------------------------


def _export(cast: Cast, who: str = "researcher", query: str = "") -> list[dict[str, str]]:
    response = cast.client(who).get(f"/exports/measures.csv{query}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == 'attachment; filename="holdspace-measures.csv"'
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_it_never_carries_names_addresses_dates_or_free_text(cast: Cast) -> None:
    Couple.objects.filter(pk=cast.couple.pk).update(name="Zebediah & Quintessa")
    User.objects.filter(pk=cast.partner_a.pk).update(display_name="Zebediah Farnsworth")
    make_entry(cast.couple, cast.partner_a, "couple", body="Our secret words", kind="reflection")
    _submit(cast, "partner_a", "phq9", [3] * 9 + [1])
    _submit(cast, "partner_b", "gad7", [1] * 7, timepoint="month_1")
    text = cast.client("lead").get("/exports/measures.csv").content.decode()
    for secret in (
        "Zebediah",
        "Quintessa",
        "Farnsworth",
        "Our secret words",
        cast.partner_a.email,
        cast.partner_b.email,
        "example.org",
        str(timezone.now().year),
    ):
        assert secret not in text, secret
    header = text.splitlines()[0].split(",")
    assert header[: len(FIXED_COLUMNS)] == FIXED_COLUMNS
    assert not {"name", "email", "created_at", "body", "answers"} & set(header)


def test_it_gives_the_same_pseudonyms_in_every_export_and_its_own_to_each_organisation(
    cast: Cast,
) -> None:
    _submit(cast, "partner_a", "phq9", [1] * 10)
    first, second = _export(cast), _export(cast, "lead")
    assert [r["partner"] for r in first] == [r["partner"] for r in second]
    assert first[0]["partner"] == pseudonym("partner", cast.center.pk, cast.partner_a.pk)
    assert first[0]["partner"] != pseudonym("partner", cast.trial.pk, cast.partner_a.pk)
    assert first[0]["partner"] != str(cast.partner_a.pk) and first[0]["couple"].startswith("c-")


def test_it_exports_only_its_own_organisations_scores(cast: Cast) -> None:
    _submit(cast, "partner_a", "phq9", [1] * 10)
    response_submit(
        viewer=cast.viewer("trial_partner_a"),
        couple=cast.trial_couple,
        instrument="phq9",
        timepoint="baseline",
        answers=answers_from_list(get_instrument("phq9"), [2] * 10),
    )
    rows = _export(cast)
    assert [r["total"] for r in rows] == ["9"]


def test_it_counts_days_from_each_couples_first_baseline(cast: Cast) -> None:
    first = _submit(cast, "partner_a", "phq9", [1] * 10)
    later = _submit(cast, "partner_a", "phq9", [0] * 10, timepoint="month_1")
    baseline_at = MeasureResponse.objects.get(pk=first).created_at
    MeasureResponse.objects.filter(pk=later).update(created_at=baseline_at + timedelta(days=31))
    rows = _export(cast)
    assert [(r["timepoint"], r["days_since_first_baseline"]) for r in rows] == [
        ("baseline", "0"),
        ("month_1", "31"),
    ]


def test_it_exports_the_header_alone_for_an_organisation_without_scores(cast: Cast) -> None:
    response = cast.client("researcher").get("/exports/measures.csv")
    assert response.content.decode() == ",".join(FIXED_COLUMNS) + "\n"
    event = AuditEvent.objects.get(action="export.measures")
    assert event.detail == {"rows": 0} and event.organisation_id == cast.center.pk


@pytest.mark.parametrize("asked", ["abc", "-1", "999999", " ", "1e3"])
def test_it_answers_404_to_an_organisation_that_is_not_a_number_or_not_theirs(
    cast: Cast, asked: str
) -> None:
    response = cast.client("researcher").get(f"/exports/measures.csv?organisation={asked}")
    if asked.strip():
        assert response.status_code == 404
        denied = AuditEvent.objects.get(action="access.denied")
        assert denied.organisation_id == cast.center.pk  # the researcher's own chain
        assert not AuditEvent.objects.filter(action="export.measures").exists()
    else:
        assert response.status_code == 200  # blank: their own organisation


# Program outcomes ----------------------------------------------------------------------------


def test_it_says_so_when_no_partner_has_a_follow_up_yet(cast: Cast) -> None:
    _submit(cast, "partner_a", "phq9", [1] * 10)  # a baseline only
    page = cast.client("lead").get("/outcomes/")
    assert page.status_code == 200
    assert "No partner has a baseline and a later score yet." in page.content.decode()
    assert AuditEvent.objects.get(action="outcomes.read").detail == {"instruments": []}


def test_it_leaves_reliable_change_unknown_where_the_scale_defines_none(cast: Cast) -> None:
    code = next(c for c in sorted(library()) if get_instrument(c).reliable_change is None)
    instrument = get_instrument(code)
    low = [instrument.option_set(i).options[0].value for i in instrument.items]
    high = [instrument.option_set(i).options[-1].value for i in instrument.items]
    for values, timepoint in ((low, "baseline"), (high, "month_1")):
        response_submit(
            viewer=cast.viewer("partner_a"),
            couple=cast.couple,
            instrument=code,
            timepoint=timepoint,
            answers=answers_from_list(instrument, values),
        )
    (row,) = program_outcomes(viewer=cast.viewer("researcher"), organisation_id=cast.center.pk)
    assert row.code == code and row.partners == 1
    assert row.improved is None and row.deteriorated is None
    assert "—" in cast.client("researcher").get("/outcomes/").content.decode()


def test_it_counts_only_the_latest_of_several_follow_ups(cast: Cast) -> None:
    _submit(cast, "partner_a", "phq9", [3] * 9 + [0])  # 27
    _submit(cast, "partner_a", "phq9", [0] * 10, timepoint="week_1")  # 0
    _submit(cast, "partner_a", "phq9", [2] * 9 + [0], timepoint="month_1")  # 18, the latest
    (row,) = program_outcomes(viewer=cast.viewer("lead"), organisation_id=cast.center.pk)
    assert (row.mean_baseline, row.mean_latest, row.mean_change) == (27, 18, -9)


# FHIR ----------------------------------------------------------------------------------------


def test_it_marks_a_corrected_response_as_amended(cast: Cast) -> None:
    _submit(cast, "partner_a", "phq9", [1] * 10)
    corrected = _submit(cast, "partner_a", "phq9", [2] * 9 + [0])
    body = (
        cast.api("partner_a")
        .get(f"/api/v1/couples/{cast.couple.pk}/responses/{corrected}/fhir")
        .json()
    )
    assert QuestionnaireResponse.model_validate(body).status == "amended"
    assert body["id"] == pseudonym("response", cast.center.pk, corrected)


def test_it_answers_404_for_an_instrument_that_does_not_exist(cast: Cast) -> None:
    assert cast.api("researcher").get("/api/v1/instruments/nosuch/fhir").status_code == 404
