"""The couple progress report: what each variant holds and leaves out, who may generate it,
the page, the PDF and the API."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_entry, make_session
from holdspace.couples.models import Couple, Partner
from holdspace.demo.progress import seed_demo_progress
from holdspace.integration.models import CheckIn, IntegrationOffer, IntegrationSession
from holdspace.integration.services import commitment_create
from holdspace.measures.models import MeasureResponse
from holdspace.preparation.models import PartnerForm, PreparationSession
from holdspace.reports.models import ProgressSummary
from holdspace.reports.progress.pdf import pdf_filename
from holdspace.reports.progress.selectors import progress_report
from holdspace.reports.progress.services import SUMMARY_MAX, progress_summary_write
from holdspace.reports.progress.types import ENTRY_LIMIT
from holdspace.screening.models import Screening
from holdspace.sessions.models import SessionEvent

KINDS = ("intention", "shared_intention", "journal", "reflection")
VISIBILITIES = ("private", "team", "couple")


def marker(visibility: str, kind: str, slot: str) -> str:
    # Letters only: a PDF line never breaks inside one, so extracted text still holds it.
    return f"Mk{visibility}{kind.replace('_', '')}{slot}Zq"


def _couple(cast: Cast) -> Couple:
    found = Couple.with_people(Couple.objects.filter(pk=cast.couple.pk)).select_related(
        "organisation"
    )
    return found.get()


def _response(
    cast: Cast, partner: Any, instrument: str, timepoint: str, total: float, days_ago: int
) -> MeasureResponse:
    return MeasureResponse.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        partner=partner,
        instrument=instrument,
        instrument_version="1",
        timepoint=timepoint,
        answers={},
        total=total,
        created_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def _event(
    session: Any, cast: Cast, kind: str, partner: Any, data: dict[str, Any], **kw: Any
) -> SessionEvent:
    return SessionEvent.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        session=session,
        uuid=uuid.uuid4(),
        partner=partner,
        kind=kind,
        occurred_at=kw.pop("occurred_at", timezone.now() - dt.timedelta(days=20)),
        data=data,
        fingerprint=uuid.uuid4().hex,
        recorded_by=cast.facilitator,
        **kw,
    )


def seed_everything(cast: Cast, *, n: int = 1, tag: str = "") -> None:
    """Every kind of record the report may show or must leave out, each with a marker."""
    _seed_entries(cast, n=n, tag=tag)
    # Partner A keeps their scores with the team; partner B shares them with the couple.
    Partner.objects.filter(couple=cast.couple, user=cast.partner_b).update(
        measures_visibility="couple"
    )
    for i in range(n):
        _seed_scores(cast, i)
        session = _seed_medicine_session(cast, i, tag)
        _seed_integration(cast, session, i, tag)
        _seed_preparation(cast, i, tag)
        _seed_commitment(cast, i, tag)
    if not ProgressSummary.objects.filter(couple=cast.couple).exists():
        progress_summary_write(
            viewer=cast.viewer("facilitator"), couple=_couple(cast), text="Couplesummarytext"
        )


def _seed_entries(cast: Cast, *, n: int, tag: str) -> None:
    for slot, author in (("a", cast.partner_a), ("b", cast.partner_b)):
        for kind in KINDS:
            for visibility in VISIBILITIES:
                for i in range(n):
                    make_entry(
                        cast.couple,
                        author,
                        visibility,
                        body=f"{marker(visibility, kind, slot)}{tag}{i}",
                        kind=kind,
                    )


def _seed_scores(cast: Cast, i: int) -> None:
    _response(cast, cast.partner_a, "gad7", "baseline", 15, 60 + i)
    _response(cast, cast.partner_a, "phq9", "baseline", 21, 60 + i)
    _response(cast, cast.partner_a, "phq9", "month_1", 20, 5 + i)
    _response(cast, cast.partner_b, "phq9", "baseline", 14, 60 + i)
    _response(cast, cast.partner_b, "phq9", "month_1", 4, 5 + i)


def _seed_medicine_session(cast: Cast, i: int, tag: str) -> Any:
    """A closed session with a corrected dose, an adverse event and a note."""
    session = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=30 + i))
    session.status = "closed"
    session.started_at = session.starts_at
    session.save()
    dose = _event(
        session,
        cast,
        "dose",
        cast.partner_a,
        {"amount_mg": 25, "product": f"Teamdoseproduct{tag}", "lot": "Teamlotnumber"},
    )
    _event(
        session,
        cast,
        "correction",
        None,
        {"corrects": str(dose.uuid), "reason": "typo", "data": {"amount_mg": 30}},
        corrects=dose,
    )
    _event(
        session,
        cast,
        "adverse_event",
        cast.partner_b,
        {
            "description": f"Teamadverseevent{tag}",
            "severity": "moderate",
            "action_taken": "Teamactiontaken",
            "outcome": "Resolved",
        },
    )
    _event(session, cast, "note", cast.partner_a, {"text": "Teamsessionnote"})
    return session


def _seed_integration(cast: Cast, session: Any, i: int, tag: str) -> None:
    IntegrationOffer.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        session=session,
        answer="accepted",
        note="Teamoffernote",
        offered_by=cast.facilitator,
    )
    IntegrationSession.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        medicine_session=session,
        held_at=timezone.now() - dt.timedelta(days=10 + i),
        facilitator=cast.facilitator,
        notes=f"Teamintegrationnote{tag}",
        carry_forward=f"Couplecarryforward{tag}",
        recorded_by=cast.facilitator,
    )


def _seed_preparation(cast: Cast, i: int, tag: str) -> None:
    """A private and a joint preparation session, a screening and partner A's themes."""
    for kind, partner, days in (("private", cast.partner_a, 40), ("joint", None, 35)):
        PreparationSession.objects.create(
            organisation=cast.center,
            couple=cast.couple,
            kind=kind,
            partner=partner,
            held_at=timezone.now() - dt.timedelta(days=days + i),
            facilitator=cast.facilitator,
            notes="Teamprepnote",
            recorded_by=cast.facilitator,
        )
    Screening.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        partner=cast.partner_a,
        substance="psilocybin",
        support_notes="Teamscreeningnote",
        decision="eligible",
        rule_set_version="1",
        dictionary_version="1",
        entered_by=cast.partner_a,
        created_at=timezone.now() - dt.timedelta(days=50 + i),
    )
    PartnerForm.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        partner=cast.partner_a,
        kind="themes",
        data={"themes": ["trust"], "own_words": f"Teamthemewords{tag}"},
        recorded_by=cast.partner_a,
    )


def _seed_commitment(cast: Cast, i: int, tag: str) -> None:
    commitment = commitment_create(
        viewer=cast.viewer("partner_a"),
        couple=_couple(cast),
        description=f"Couplecommitment{tag}{i}",
        who="both",
        cadence="weekly",
        starts_on=timezone.localdate() - dt.timedelta(days=14),
    )
    CheckIn.objects.create(
        organisation=cast.center,
        commitment=commitment,
        partner=cast.partner_a,
        period_start=timezone.localdate() - dt.timedelta(days=14),
        status="done",
        note="Checkinnote",
    )


PRIVATE = [marker("private", kind, slot) for kind in KINDS for slot in "ab"]
TEAM = [marker("team", kind, slot) for kind in KINDS for slot in "ab"] + [
    "Teamdoseproduct",
    "Teamlotnumber",
    "Teamadverseevent",
    "Teamactiontaken",
    "Teamintegrationnote",
    "Teamthemewords",
    "GAD-7",  # only partner A, who keeps their scores with the team, answered it
    "Partner A: 21",  # partner A's PHQ-9 change
    "Preparation session with",  # a private preparation session
    "completed screening",
]
# Left out of both variants (the session summary and the integration page hold them).
NEVER = ["Teamsessionnote", "Teamoffernote", "Teamprepnote", "Teamscreeningnote", "Checkinnote"]
COUPLE = [marker("couple", kind, slot) for kind in KINDS for slot in "ab"] + [
    "Couplecarryforward",
    "Couplecommitment",
    "Couplesummarytext",
    "Partner B: 14 → 4",
    "reliable improvement",
    "kept with the care team",
]


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    return re.sub(r"\s+", " ", text)


def assert_couple_only(text: str, *, words: bool = True) -> None:
    for word in PRIVATE + TEAM + NEVER:
        assert word not in text, word
    for word in COUPLE if words else COUPLE[:-1]:
        assert word in text, word


def assert_clinical(text: str) -> None:
    for word in PRIVATE + NEVER:
        assert word not in text, word
    for word in TEAM + [w for w in COUPLE if w != "kept with the care team"]:
        assert word in text, word


def page_url(cast: Cast, variant: str = "couple") -> str:
    return f"/couples/{cast.couple.pk}/report/?variant={variant}"


def api_url(cast: Cast, variant: str = "couple", fmt: str = "json") -> str:
    return f"/api/v1/couples/{cast.couple.pk}/report?variant={variant}&format={fmt}"


# What each variant holds ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["partner_a", "partner_b", "facilitator", "lead"])
def test_it_keeps_the_couple_variant_to_what_both_partners_see(cast: Cast, who: str) -> None:
    seed_everything(cast)
    page = cast.client(who).get(page_url(cast))
    assert page.status_code == 200
    assert_couple_only(page.content.decode())
    answer = cast.api(who).get(api_url(cast))
    assert answer.status_code == 200
    assert_couple_only(json.dumps(answer.json(), ensure_ascii=False), words=False)
    assert answer.json()["measures_withheld"] == ["Partner A"]


@pytest.mark.parametrize("who", ["facilitator", "lead"])
def test_it_gives_the_care_team_the_clinical_variant_without_private_entries(
    cast: Cast, who: str
) -> None:
    seed_everything(cast)
    page = cast.client(who).get(page_url(cast, "clinical"))
    assert page.status_code == 200
    assert_clinical(page.content.decode())
    answer = cast.api(who).get(api_url(cast, "clinical"))
    assert answer.status_code == 200
    body = answer.json()
    assert_clinical(json.dumps(body, ensure_ascii=False))
    assert body["variant"] == "clinical"
    dose = body["medicine_sessions"][0]["doses"][0]
    assert dose["amount_mg"] == 30 and dose["corrected"]  # as corrected


def test_it_keeps_the_pdf_of_the_couple_variant_to_what_both_see(cast: Cast) -> None:
    seed_everything(cast)
    response = cast.client("facilitator").get(
        f"/couples/{cast.couple.pk}/report.pdf?variant=couple"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="holdspace-progress-a-b-couple-'
    )
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "For the couple" in text and "Page 1 of" in text and "A & B" in text
    assert_couple_only(text)
    # The chart is drawn: the page with it has the partners' line colours on it.
    document = pdfium.PdfDocument(pdf)
    first = document[0].render(scale=1).to_pil().convert("RGB")
    assert first.getextrema() != ((255, 255), (255, 255), (255, 255))
    chart_page = next(
        i
        for i, page in enumerate(document)
        if "lower is better" in page.get_textpage().get_text_range()
    )
    image = document[chart_page].render(scale=1).to_pil().convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    teal = sum(n for n, (r, g, b) in colours if r < 90 and 70 < g < 120 and 80 < b < 130)
    assert teal > 50  # the first line's colour, #2f5d62


def test_it_keeps_private_entries_out_of_the_clinical_pdf(cast: Cast) -> None:
    seed_everything(cast)
    response = cast.api("lead").get(api_url(cast, "clinical", "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "Clinical record — confidential" in text
    assert_clinical(text)


def test_it_shows_a_partners_scores_once_they_share_them(cast: Cast) -> None:
    seed_everything(cast)
    Partner.objects.filter(couple=cast.couple, user=cast.partner_a).update(
        measures_visibility="couple"
    )
    report = progress_report(cast.viewer("partner_b"), _couple(cast), "couple")
    assert report.measures_withheld == []
    phq9 = next(m for m in report.measures if m.code == "phq9")
    assert [c.words for c in phq9.changes] == [
        "Partner A: 21 → 20 (one month after), no reliable change",
        "Partner B: 14 → 4 (one month after), reliable improvement",
    ]
    assert "<svg" in phq9.svg and "Partner A" in phq9.svg


def test_it_orders_the_journey_and_narrows_it_for_the_couple(cast: Cast) -> None:
    seed_everything(cast)
    clinical = progress_report(cast.viewer("facilitator"), _couple(cast), "clinical")
    couple = progress_report(cast.viewer("facilitator"), _couple(cast), "couple")
    assert [m.at for m in clinical.timeline] == sorted(m.at for m in clinical.timeline)
    assert {m.kind for m in clinical.timeline} >= {
        "couple",
        "screening",
        "preparation",
        "medicine_session",
        "integration",
        "measures",
        "commitment",
    }
    assert "screening" not in {m.kind for m in couple.timeline}
    assert [m.label for m in couple.timeline if m.kind == "preparation"] == [
        "Joint preparation session"
    ]
    assert couple.medicine_sessions[0].doses == []
    assert couple.integration_sessions[0].notes == ""
    assert couple.partners_clinical == [] and couple.readiness == ""


# Refusals (who may generate which: test_policy_matrix.py) -----------------------------------


def test_it_audits_refusals(cast: Cast) -> None:
    cast.client("partner_a").get(page_url(cast, "clinical"))
    refused = AuditEvent.objects.filter(action="access.denied").last()
    assert refused is not None
    assert refused.couple_id == cast.couple.pk
    assert "clinical progress report" in refused.detail["attempted"]


# Audit ---------------------------------------------------------------------------------------


def test_it_audits_every_generation_with_variant_and_format(cast: Cast) -> None:
    cast.client("facilitator").get(page_url(cast, "clinical"))
    cast.api("partner_a").get(api_url(cast))
    events = list(AuditEvent.objects.filter(action="report.generate").order_by("seq"))
    assert [(e.actor_id, e.detail["variant"], e.detail["format"]) for e in events] == [
        (cast.facilitator.pk, "clinical", "html"),
        (cast.partner_a.pk, "couple", "json"),
    ]
    assert all(e.couple_id == cast.couple.pk for e in events)


# The facilitator's summary -------------------------------------------------------------------


def test_it_lets_the_care_team_write_the_summary_for_both_variants(cast: Cast) -> None:
    url = f"/couples/{cast.couple.pk}/report/summary"
    first = cast.client("facilitator").post(url, {"text": "First words", "variant": "clinical"})
    assert first.status_code == 302
    assert first["Location"].endswith("?variant=clinical")
    cast.client("lead").post(url, {"text": "Newer words"})
    assert ProgressSummary.objects.filter(couple=cast.couple).count() == 2  # history kept
    for who, variant in (("partner_a", "couple"), ("facilitator", "clinical")):
        report = progress_report(cast.viewer(who), _couple(cast), variant)
        assert report.summary is not None and report.summary.text == "Newer words"
    page = cast.client("facilitator").get(page_url(cast)).content.decode()
    assert "it appears in both the couple" in page and "First words" in page  # history
    assert AuditEvent.objects.filter(action="progress_summary.write").count() == 2


def test_it_shows_summary_errors_beside_the_field(cast: Cast) -> None:
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/report/summary", {"text": "  "}
    )
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()


def test_it_shows_the_partner_no_summary_form(cast: Cast) -> None:
    page = cast.client("partner_a").get(page_url(cast)).content.decode()
    assert "Download PDF" in page
    assert "progress_summary" not in page and "/report/summary" not in page
    assert "?variant=clinical" not in page


# Queries -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "variant"), [("facilitator", "clinical"), ("partner_a", "couple")])
def test_it_keeps_its_queries_constant_as_the_record_grows(
    cast: Cast, who: str, variant: str
) -> None:
    seed_everything(cast, n=1, tag="x")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            progress_report(cast.viewer(who), _couple(cast), variant)
        return len(queries)

    before = count()
    seed_everything(cast, n=4, tag="y")
    assert count() == before


# The API -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [("variant=everything", "variant"), ("format=docx", "format"), ("variant=", "variant")],
)
def test_it_answers_422_to_bad_input(cast: Cast, query: str, field: str) -> None:
    response = cast.api("facilitator").get(f"/api/v1/couples/{cast.couple.pk}/report?{query}")
    assert response.status_code == 422
    problem = response.json()["detail"][0]
    assert problem["loc"][-1] == field
    assert "couple" in problem["msg"] or "json" in problem["msg"]


def test_it_defaults_to_the_couple_variant_as_json(cast: Cast) -> None:
    response = cast.api("facilitator").get(f"/api/v1/couples/{cast.couple.pk}/report")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["variant"] == "couple" and body["variant_label"] == "For the couple"
    assert body["couple_name"] == "A & B"


def test_it_answers_404_for_a_couple_that_does_not_exist(cast: Cast) -> None:
    assert cast.api("lead").get("/api/v1/couples/999999/report").status_code == 404


def test_it_answers_400_to_a_bad_variant_on_the_page(cast: Cast) -> None:
    assert cast.client("lead").get(page_url(cast, "everything")).status_code == 400


# Links and the demo --------------------------------------------------------------------------


def test_it_links_the_report_from_the_couple_page_and_the_portal(cast: Cast) -> None:
    url = f"/couples/{cast.couple.pk}/report/"
    assert url in cast.client("facilitator").get(f"/couples/{cast.couple.pk}/").content.decode()
    portal = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert f'<a href="{url}">Report</a>' in portal  # the portal's navigation


def test_it_seeds_the_demo_summary_once(cast: Cast) -> None:
    Couple.objects.filter(pk=cast.couple.pk).update(name="Riley & Jordan")
    seed_demo_progress(cast.center)
    seed_demo_progress(cast.center)
    summary = ProgressSummary.objects.get(couple=cast.couple)
    assert summary.author == cast.facilitator
    assert "carry forward" in summary.text
    seed_demo_progress(cast.trial)  # no such couple there: nothing happens
    assert ProgressSummary.objects.count() == 1


# A couple with no record yet -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "variant", "scores"),
    [
        # Both partners keep their scores with the care team until they share them.
        ("partner_a", "couple", "kept with the care team"),
        ("facilitator", "clinical", "No questionnaire scores to show in this report yet."),
    ],
)
def test_it_reports_a_couple_that_has_nothing_yet(
    cast: Cast, who: str, variant: str, scores: str
) -> None:
    page = cast.client(who).get(page_url(cast, variant))
    assert page.status_code == 200
    html = page.content.decode()
    for empty in (
        scores,
        "No medicine session yet.",
        "No integration session yet.",
        "No commitment yet.",
    ):
        assert empty in html, empty
    body = cast.api(who).get(api_url(cast, variant)).json()
    assert body["summary"] is None and body["entries_truncated"] is False
    for section in ("intentions", "reflections", "measures", "medicine_sessions", "commitments"):
        assert body[section] == [], section
    assert [m["kind"] for m in body["timeline"]] == ["couple"]  # joined, nothing since


def test_it_draws_the_pdf_of_a_couple_that_has_nothing_yet(cast: Cast) -> None:
    response = cast.client("partner_b").get(f"/couples/{cast.couple.pk}/report.pdf")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "For the couple" in text and "No medicine session yet." in text


def test_it_tells_the_care_team_what_the_readiness_gate_still_misses(cast: Cast) -> None:
    report = progress_report(cast.viewer("lead"), _couple(cast), "clinical")
    assert report.readiness.startswith("Not ready for a medicine session yet. Missing:")
    assert [p.screening for p in report.partners_clinical] == ["Not screened yet"] * 2


# What each partner sees ----------------------------------------------------------------------


def test_it_shows_both_partners_the_same_couple_report(cast: Cast) -> None:
    seed_everything(cast)
    a = cast.api("partner_a").get(api_url(cast)).json()
    b = cast.api("partner_b").get(api_url(cast)).json()
    for body in (a, b):
        del body["generated_at"], body["generated_by"]
        for chart in body["measures"]:
            del chart["svg"]  # its element ids are the same; only the drawing's text is compared
    assert a == b


def test_it_names_who_wrote_each_shared_entry(cast: Cast) -> None:
    make_entry(cast.couple, cast.partner_a, "couple", body="From A to us", kind="reflection")
    make_entry(cast.couple, cast.partner_b, "couple", body="Our intention", kind="intention")
    report = progress_report(cast.viewer("partner_b"), _couple(cast), "couple")
    assert [(e.author, e.body) for e in report.reflections] == [("Partner A", "From A to us")]
    assert [(e.author, e.body) for e in report.intentions] == [("Partner B", "Our intention")]
    assert all(e.visibility == "couple" for e in report.reflections + report.intentions)


def test_it_puts_the_couples_shared_intention_before_each_partners(cast: Cast) -> None:
    make_entry(cast.couple, cast.partner_a, "couple", body="Mine first", kind="intention")
    make_entry(cast.couple, cast.partner_b, "couple", body="Ours", kind="shared_intention")
    report = progress_report(cast.viewer("facilitator"), _couple(cast), "clinical")
    assert [e.body for e in report.intentions] == ["Ours", "Mine first"]


def test_it_says_when_older_entries_were_left_to_holdspace(cast: Cast) -> None:
    for i in range(ENTRY_LIMIT + 1):
        make_entry(cast.couple, cast.partner_a, "couple", body=f"Entry number {i}")
    report = progress_report(cast.viewer("partner_a"), _couple(cast), "couple")
    assert report.entries_truncated
    bodies = [e.body for e in report.reflections]
    assert len(bodies) == ENTRY_LIMIT and "Entry number 0" not in bodies  # the oldest goes
    assert (
        "Older entries are in Holdspace."
        in cast.client("partner_a").get(page_url(cast)).content.decode()
    )


def test_it_marks_a_session_still_ahead_as_scheduled(cast: Cast) -> None:
    make_session(cast, starts_at=timezone.now() + dt.timedelta(days=3))
    report = progress_report(cast.viewer("partner_a"), _couple(cast), "couple")
    (milestone,) = [m for m in report.timeline if m.kind == "medicine_session"]
    assert milestone.label.startswith("Medicine session scheduled for")
    assert report.measures == []  # no score yet, so no chart either
    assert (
        "The readiness gate was met"
        in progress_report(cast.viewer("facilitator"), _couple(cast), "clinical").readiness
    )


# Audit and the PDF's name --------------------------------------------------------------------


def test_it_audits_one_generation_per_report_and_none_when_refused(cast: Cast) -> None:
    cast.client("partner_a").get(f"/couples/{cast.couple.pk}/report.pdf?variant=couple")
    cast.client("partner_a").get(page_url(cast, "clinical"))  # refused
    cast.client("admin").get(page_url(cast))  # refused
    generated = AuditEvent.objects.filter(action="report.generate")
    assert [(e.actor_id, e.detail["format"]) for e in generated] == [(cast.partner_a.pk, "pdf")]
    denied = AuditEvent.objects.filter(action="access.denied")
    assert sorted(e.actor_id for e in denied) == sorted([cast.partner_a.pk, cast.admin.pk])
    assert all(e.organisation_id == cast.center.pk for e in denied)


def test_it_names_the_pdf_after_the_couple_in_plain_ascii(cast: Cast) -> None:
    Couple.objects.filter(pk=cast.couple.pk).update(name="Zoë & Ana-María")
    report = progress_report(cast.viewer("facilitator"), _couple(cast), "clinical")
    day = timezone.localdate(report.generated_at).isoformat()
    assert pdf_filename(report) == f"holdspace-progress-zoe-ana-maria-clinical-{day}.pdf"
    Couple.objects.filter(pk=cast.couple.pk).update(name="张 & 李")
    nameless = progress_report(cast.viewer("facilitator"), _couple(cast), "couple")
    assert pdf_filename(nameless).startswith(f"holdspace-progress-couple-{cast.couple.pk}-couple-")


# The summary, a second time and with bad input -----------------------------------------------


def test_it_refuses_a_summary_past_the_limit_and_keeps_what_was_typed(cast: Cast) -> None:
    text = "Long words " * (SUMMARY_MAX // 10)
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/report/summary", {"text": text, "variant": "clinical"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="error"' in html and "Long words Long words" in html
    assert not ProgressSummary.objects.exists()


def test_it_strips_the_summary_and_refuses_one_of_blanks(cast: Cast) -> None:
    written = progress_summary_write(
        viewer=cast.viewer("lead"), couple=_couple(cast), text="  Kept\x00 words \n"
    )
    assert written.text == "Kept words"
    with pytest.raises(ValidationError) as refused:
        progress_summary_write(viewer=cast.viewer("lead"), couple=_couple(cast), text=" \x00 ")
    assert "text" in refused.value.message_dict


def test_it_keeps_earlier_summaries_from_the_partners(cast: Cast) -> None:
    url = f"/couples/{cast.couple.pk}/report/summary"
    cast.client("facilitator").post(url, {"text": "Earlier words"})
    cast.client("facilitator").post(url, {"text": "Current words"})
    partner = cast.client("partner_a").get(page_url(cast)).content.decode()
    assert "Current words" in partner and "Earlier words" not in partner
    team = cast.client("lead").get(page_url(cast, "clinical")).content.decode()
    assert "Current words" in team and "Earlier words" in team


def test_it_returns_to_the_couple_variant_after_a_summary_with_a_bad_variant(cast: Cast) -> None:
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/report/summary", {"text": "Words", "variant": "everything"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?variant=couple")


def test_it_answers_400_to_a_bad_variant_of_the_pdf(cast: Cast) -> None:
    url = f"/couples/{cast.couple.pk}/report.pdf?variant=everything"
    response = cast.client("facilitator").get(url)
    assert response.status_code == 400
    assert "couple or clinical" in response.content.decode()
    assert not AuditEvent.objects.filter(action="report.generate").exists()
