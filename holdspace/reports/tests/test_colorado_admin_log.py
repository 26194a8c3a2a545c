"""Colorado's administration-session log (1 CCR 212-3 Rule 8035 C) and the participant record
(4 CCR 755-1 §6.3): its rows from a fixture of held sessions, the incomplete ones named field by
field, year boundaries at local midnight in America/Denver, byte-identical CSV, constant
queries, and who may generate it (web and API)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from holdspace.accounts.models import Organisation, Role, User
from holdspace.accounts.services import membership_ensure
from holdspace.audit.actions import Action
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, give_licence, make_session
from holdspace.inventory.models import Lot
from holdspace.reports.models import RegulatorSubmission
from holdspace.reports.regulator.colorado.selectors import (
    admin_log,
    admin_log_read,
    admin_log_text,
    log_csv,
)
from holdspace.reports.regulator.periods import year_period
from holdspace.screening.profiles import RegulatorReport, get_profile
from holdspace.sessions.models import (
    Discharge,
    EventKind,
    MedicineSession,
    SessionEvent,
    SessionStatus,
)

pytestmark = pytest.mark.django_db

DENVER = ZoneInfo("America/Denver")
PAGE = "/reports/colorado-admin-log/"
CSV_URL = "/reports/colorado-admin-log.csv"
API = "/api/v1/reports/colorado-admin-log"


@dataclass
class Colorado:
    cast: Cast
    center: Organisation


@pytest.fixture
def colorado(cast: Cast) -> Colorado:
    """The cast's center as a Colorado healing center on Denver's clock, its facilitator and
    lead licensed in Colorado (the other facilitator holds only an Oregon licence), and two
    lots in its product ledger."""
    Organisation.objects.filter(pk=cast.center.pk).update(
        profile="colorado-natural-medicine", time_zone="America/Denver"
    )
    cast.center.refresh_from_db()
    for user in (cast.facilitator, cast.lead):
        give_licence(user, cast.center)
    for number, kind in (("PKG-A1", "whole_fungi"), ("PKG-B2", "extract")):
        Lot.objects.create(
            organisation=cast.center,
            lot_number=number,
            product_name="Psilocybe cubensis",
            product_type=kind,
            source_licence="CO-MFG-1",
            source_name="Front Range Manufacturing",
            units_received=100,
            mg_per_unit=1,
            lab_result="pass",
            status="released",
            on_hand=100,
            received_by=cast.lead,
        )
    return Colorado(cast, cast.center)


def held(
    co: Colorado,
    began: dt.datetime,
    doses: list[tuple[User, str, float, str, int]],
    *,
    minutes: int | None = 300,
    intention: str = "wellness",
    food: str = "Herbal tea, crackers",
    facilitators: list[User] | None = None,
) -> MedicineSession:
    """A session begun at BEGAN (Denver), ended MINUTES after its first dose (None: still in
    progress), with DOSES (partner, kind, mg, package number, minutes after the start)."""
    cast = co.cast
    session = make_session(cast, starts_at=began, facilitators=facilitators)
    first = began + dt.timedelta(minutes=min((d[4] for d in doses), default=0))
    MedicineSession.objects.filter(pk=session.pk).update(
        status=SessionStatus.CLOSED if minutes is not None else SessionStatus.IN_PROGRESS,
        started_at=began,
        ended_at=first + dt.timedelta(minutes=minutes) if minutes is not None else None,
        intention=intention,
        food_and_drink=food,
    )
    for partner, kind, mg, package, after in doses:
        dose(cast, session, partner, kind, mg, package, began + dt.timedelta(minutes=after))
    session.refresh_from_db()
    return session


def dose(
    cast: Cast,
    session: MedicineSession,
    partner: User,
    kind: str,
    mg: float,
    package: str,
    at: dt.datetime,
) -> SessionEvent:
    return SessionEvent.objects.create(
        organisation_id=session.organisation_id,
        couple_id=session.couple_id,
        session=session,
        uuid=uuid.uuid4(),
        partner=partner,
        kind=kind,
        occurred_at=at,
        data={"amount_mg": mg, "product": "Psilocybe cubensis", "lot": package, "units": mg},
        fingerprint="test",
        recorded_by=cast.facilitator,
    )


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=DENVER)  # type: ignore[misc]


@pytest.fixture
def year_2026(colorado: Colorado) -> dict[str, MedicineSession]:
    """A complete session; one missing its intention and a facilitator's licence; one with a
    supplemental dose (and a correction of it)."""
    cast = colorado.cast
    a, b = cast.partner_a, cast.partner_b
    complete = held(
        colorado,
        at(2026, 3, 14, 9, 0),
        [(a, "dose", 10, "PKG-A1", 15), (b, "dose", 8, "PKG-A1", 20)],
        minutes=245,
    )
    missing = held(
        colorado,
        at(2026, 6, 2, 10, 0),
        [(a, "dose", 10, "PKG-B2", 0), (b, "dose", 10, "PKG-B2", 0)],
        intention="",
        facilitators=[cast.facilitator, cast.other_facilitator],
    )
    supplemental = held(
        colorado,
        at(2026, 9, 20, 8, 30),
        [
            (a, "dose", 10, "PKG-A1", 0),
            (b, "dose", 10, "PKG-A1", 5),
            (a, "supplemental_dose", 4, "PKG-B2", 90),
        ],
        food="none",
    )
    # The supplement was 5 mg, not 4: the correction counts.
    wrong = SessionEvent.objects.get(session=supplemental, kind="supplemental_dose")
    SessionEvent.objects.create(
        organisation_id=supplemental.organisation_id,
        couple_id=supplemental.couple_id,
        session=supplemental,
        uuid=uuid.uuid4(),
        kind=EventKind.CORRECTION,
        occurred_at=wrong.occurred_at + dt.timedelta(minutes=3),
        data={"corrects": str(wrong.uuid), "reason": "typed 4", "data": {"amount_mg": 5}},
        fingerprint="test",
        recorded_by=cast.facilitator,
    )
    return {"complete": complete, "missing": missing, "supplemental": supplemental}


def _report(co: Colorado) -> RegulatorReport:
    found = get_profile(co.center.profile).report("colorado-admin-log")
    assert found is not None
    return found


def _log(co: Colorado, year: int = 2026) -> Any:
    return admin_log(co.center, year, report=_report(co))


def test_it_writes_one_row_per_session_with_every_field_of_the_log(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    log = _log(colorado)
    assert [r.session_id for r in log.rows] == [
        year_2026["complete"].pk,
        year_2026["missing"].pk,
        year_2026["supplemental"].pk,
    ]
    row = log.rows[0]
    assert row.date == dt.date(2026, 3, 14)
    assert row.duration_minutes == 245  # from the first dose, not the start
    assert len(row.participants) == 2
    assert row.licences == [f"LIC-{colorado.cast.facilitator.pk:05d}"]
    assert row.packages == ["PKG-A1"]
    assert row.product_types == ["whole_fungi"]
    assert row.intention == "wellness"
    assert row.food_and_drink == "Herbal tea, crackers"
    assert row.missing == []
    assert [(p.number, p.amount_mg, p.dosing) for p in row.participants] == [
        (1, 10, "single"),
        (2, 8, "single"),
    ]
    assert row.reference.startswith("s-") and str(row.session_id) != row.reference


def test_it_names_each_missing_field_of_an_incomplete_session(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    row = _log(colorado).rows[1]
    assert row.missing == ["facilitator licence number for 1 facilitator", "intention"]
    assert row.licences == [f"LIC-{colorado.cast.facilitator.pk:05d}"]
    assert not row.complete


def test_it_counts_a_supplemental_dose_as_multiple_at_its_corrected_amount(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    row = _log(colorado).rows[2]
    first, second = row.participants
    assert first.partner_id == colorado.cast.partner_a.pk
    assert (first.dosing, first.amount_mg, first.packages) == ("multiple", 15, ["PKG-A1", "PKG-B2"])
    assert first.product_types == ["whole_fungi", "extract"]
    assert (second.dosing, second.amount_mg) == ("single", 10)
    assert row.food_and_drink == "none" and row.missing == []


@pytest.mark.parametrize(
    ("began", "year"),
    [
        (at(2025, 12, 31, 23, 59), 2025),
        (at(2026, 1, 1, 0, 0), 2026),
        (at(2026, 12, 31, 23, 59), 2026),
        (at(2027, 1, 1, 0, 0), 2027),
    ],
)
def test_it_draws_the_year_at_local_midnight_in_denver(
    colorado: Colorado, began: dt.datetime, year: int
) -> None:
    # 23:59 on 31 December in Denver is already 1 January in UTC.
    session = held(colorado, began, [(colorado.cast.partner_a, "dose", 10, "PKG-A1", 0)])
    for asked in (2025, 2026, 2027):
        rows = _log(colorado, asked).rows
        assert [r.session_id for r in rows] == ([session.pk] if asked == year else [])
    assert _log(colorado, year).rows[0].date == began.date()


def test_it_names_what_the_record_lacks_rather_than_leaving_it_blank(colorado: Colorado) -> None:
    cast = colorado.cast
    unknown = held(
        colorado,
        at(2026, 4, 1, 9, 0),
        [(cast.partner_a, "dose", 10, "NOT-IN-LEDGER", 0)],
        food="  ",
        facilitators=[],
        minutes=None,
    )
    nothing = held(colorado, at(2026, 4, 2, 9, 0), [])
    rows = {r.session_id: r for r in _log(colorado).rows}
    assert rows[unknown.pk].missing == [
        "duration (the session has not ended)",
        "facilitator licence number (no facilitator recorded)",
        "food and drink (write 'none' if none)",
        "participant 1: product type for 1 dose (its package is not in the product ledger)",
    ]
    assert rows[nothing.pk].missing[0] == "dose (none recorded)"


def test_it_leaves_out_a_session_where_both_partners_declined_and_sessions_not_held(
    colorado: Colorado,
) -> None:
    cast = colorado.cast
    declined = held(colorado, at(2026, 5, 1, 9, 0), [])
    for partner in (cast.partner_a, cast.partner_b):
        Discharge.objects.create(
            organisation=cast.center,
            session=declined,
            partner=partner,
            effects_resolved=True,
            oriented=True,
            transport_confirmed=True,
            left_at=at(2026, 5, 1, 10, 0),
            declined_dose=True,
            signed_off_by=cast.facilitator,
        )
    cancelled = held(colorado, at(2026, 5, 2, 9, 0), [(cast.partner_a, "dose", 5, "PKG-A1", 0)])
    MedicineSession.objects.filter(pk=cancelled.pk).update(status=SessionStatus.CANCELLED)
    make_session(cast, starts_at=at(2026, 5, 3, 9, 0))  # scheduled, never begun
    assert _log(colorado).rows == []


def test_the_page_lists_incomplete_sessions_first_with_links_to_fix_them(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    response = colorado.cast.client("lead").get(PAGE, {"year": "2026"})
    assert response.status_code == 200
    html = response.content.decode()
    incomplete = html.index("Incomplete: complete these before submitting")
    link = f"/sessions/{year_2026['missing'].pk}/summary/#state-log"
    assert incomplete < html.index(link) < html.index("<table")
    assert "facilitator licence number for 1 facilitator" in html
    assert f"/sessions/{year_2026['complete'].pk}/summary/" not in html[: html.index("<table")]
    for name in ("Partner A", "Partner B", "partner_a@example.org", "A &amp; B"):
        assert name not in html


def _csv(client: Any, url: str, **params: str) -> bytes:
    response = client.get(url, {"year": "2026", **params})
    assert response.status_code == 200, response.content
    body: bytes = (
        response.content if hasattr(response, "content") else b"".join(response.streaming_content)
    )
    return body


def test_the_csv_is_the_same_bytes_every_time_on_the_page_and_the_api(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    cast = colorado.cast
    first = _csv(cast.client("lead"), CSV_URL)
    assert first == _csv(cast.client("admin"), CSV_URL)
    assert first == _csv(cast.api("lead"), API, format="csv")
    assert first.decode() == log_csv(_log(colorado))
    rows = list(csv.DictReader(io.StringIO(first.decode())))
    assert [r["status"] for r in rows] == ["complete", "incomplete", "complete"]
    assert rows[2]["participant_1_dosing"] == "multiple"
    assert rows[2]["participant_1_doses_mg"] == "10; 5"
    assert rows[2]["participant_1_package_numbers"] == "PKG-A1; PKG-B2"
    assert rows[0]["participant_2_amount_mg"] == "8"
    assert rows[1]["missing"] == "facilitator licence number for 1 facilitator; intention"
    text = first.decode()
    for person in (cast.partner_a, cast.partner_b, cast.facilitator, cast.other_facilitator):
        assert person.email not in text and person.display_name not in text
    header = text.splitlines()[0]
    assert not any(word in header for word in ("id", "name", "email", "couple", "partner"))
    assert "A & B" not in text
    # No free text but the log's own food and drink: not the dose's product name, not a
    # correction's reason.
    assert "Psilocybe" not in text and "typed 4" not in text
    assert "Psilocybe" not in str(colorado.cast.api("lead").get(API, {"year": "2026"}).json())


def test_the_api_answers_the_log_as_json(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    response = colorado.cast.api("admin").get(API, {"year": "2026"})
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["incomplete"], len(body["sessions"])) == (3, 1, 3)
    assert body["period_start"] == "2026-01-01T00:00:00-07:00"
    row = body["sessions"][2]
    assert row["participant_records"][0]["dosing"] == "multiple"
    assert row["participant_records"][0]["doses"][1] == {
        "package_number": "PKG-B2",
        "amount_mg": 5.0,
        "units": 4.0,
        "product_type": "extract",
        "supplemental": True,
    }
    assert "session_id" not in row and "partner_id" not in str(body)
    assert body["sessions"][1]["intention"] is None


def test_each_generation_is_audited_with_its_period_and_format(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    cast = colorado.cast
    cast.client("lead").get(PAGE, {"year": "2026"})
    cast.api("admin").get(API, {"year": "2026", "format": "csv"})
    events = AuditEvent.objects.filter(action=Action.REPORT_REGULATOR).order_by("id")
    assert [(e.detail["format"], e.detail["period"], e.detail["incomplete"]) for e in events] == [
        ("page", "2026", 1),
        ("csv", "2026", 1),
    ]
    assert all(e.organisation_id == cast.center.pk for e in events)


ROLES = {
    "partner_a": 403,
    "partner_b": 403,
    "facilitator": 403,
    "other_facilitator": 403,
    "researcher": 403,
    "trial_facilitator": 403,
    "trial_partner_a": 403,
    "lead": 200,
    "admin": 200,
}


@pytest.mark.parametrize(("who", "status"), ROLES.items())
def test_only_org_admins_and_clinical_leads_generate_it(
    colorado: Colorado, year_2026: dict[str, MedicineSession], who: str, status: int
) -> None:
    cast = colorado.cast
    org = {"org": str(cast.center.pk)}
    assert cast.client(who).get(PAGE, {"year": "2026", **org}).status_code == status
    assert cast.client(who).get(CSV_URL, {"year": "2026", **org}).status_code == status
    api = cast.api(who).get(API, {"year": "2026", "organisation_id": str(cast.center.pk)})
    assert api.status_code == status
    if status == 403:
        assert "Colorado" not in api.content.decode() or "detail" in api.json()


def test_another_organisations_log_is_refused(colorado: Colorado) -> None:
    cast = colorado.cast
    trial = str(cast.trial.pk)
    assert cast.client("lead").get(PAGE, {"org": trial}).status_code == 403
    assert cast.api("admin").get(API, {"organisation_id": trial}).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.REPORT_REGULATOR).exists()


def test_a_profile_without_the_log_answers_404_saying_so_as_oregons_report_does(
    cast: Cast,
) -> None:
    # The cast's center works under Oregon's profile, which keeps the 303 report instead.
    page = cast.client("lead").get(PAGE, {"year": "2026"})
    api = cast.api("lead").get(API, {"year": "2026"})
    download = cast.client("lead").get(CSV_URL, {"year": "2026"})
    mark = cast.client("lead").post(
        PAGE + "submit", {"org": cast.center.pk, "year": "2026", "digest": "0" * 64}
    )
    statuses = (page.status_code, api.status_code, download.status_code, mark.status_code)
    assert statuses == (404, 404, 404, 404)
    message = api.json()["detail"]
    assert message == (
        f"The Oregon psilocybin services profile of {cast.center.name} has no "
        "colorado-admin-log report."
    )
    for answer in (page, download, mark):
        assert message in answer.content.decode().replace("&#x27;", "'")
    oregon = cast.api("lead").get("/api/v1/reports/oregon-303", {"quarter": "2026Q1"})
    assert oregon.status_code == 200  # the same organisation's own report answers
    assert not AuditEvent.objects.filter(action=Action.REPORT_REGULATOR_SUBMIT).exists()


@pytest.mark.parametrize("year", ["20266", "abc", "1999", "２０２６", " 26"])
def test_a_bad_year_is_refused_naming_the_field_on_the_page_and_the_api(
    colorado: Colorado, year: str
) -> None:
    cast = colorado.cast
    page = cast.client("lead").get(PAGE, {"year": year})
    api = cast.api("lead").get(API, {"year": year})
    assert (page.status_code, api.status_code) == (422, 422)
    problem = api.json()["detail"][0]
    assert problem["loc"] == ["query", "year"]
    assert 'id="id_year_error"' in page.content.decode()
    assert not AuditEvent.objects.filter(action=Action.REPORT_REGULATOR).exists()


def test_no_year_means_this_year_on_the_organisations_clock(colorado: Colorado) -> None:
    body = colorado.cast.api("lead").get(API).json()
    assert body["year"] == dt.datetime.now(DENVER).year


def _queries(client: Any, url: str) -> int:
    client.get(url, {"year": "2026"})  # the first request of a sign-in writes its own rows
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"year": "2026"}).status_code == 200
    return len(captured)


def test_its_queries_do_not_grow_with_the_sessions(colorado: Colorado) -> None:
    cast = colorado.cast
    a, b = cast.partner_a, cast.partner_b
    held(colorado, at(2026, 2, 1, 9, 0), [(a, "dose", 10, "PKG-A1", 0)])
    counts = {url: _queries(cast.client("lead"), url) for url in (PAGE, CSV_URL)}
    api_count = _queries(cast.api("lead"), API)
    for day in range(2, 8):
        held(
            colorado,
            at(2026, 2, day, 9, 0),
            [(a, "dose", 10, "PKG-A1", 0), (b, "dose", 6, "PKG-B2", 0), (a, "dose", 2, "X", 60)],
            facilitators=[cast.facilitator, cast.other_facilitator, cast.lead],
        )
    assert {url: _queries(cast.client("lead"), url) for url in (PAGE, CSV_URL)} == counts
    assert _queries(cast.api("lead"), API) == api_count


def test_the_command_lines_generation_is_audited_and_its_csv_is_the_pages(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    # `holdspace report colorado-admin-log` (wired by the command's own module) calls this.
    log = admin_log_read(
        viewer=None,
        organisation=colorado.center,
        report=_report(colorado),
        period=year_period(2026, DENVER),
        output="csv",
    )
    body = admin_log_text(log, "csv")
    assert body.encode() == _csv(colorado.cast.client("lead"), CSV_URL)
    event = AuditEvent.objects.filter(action=Action.REPORT_REGULATOR).order_by("id").first()
    assert event is not None and event.actor_label == "command line"
    assert json.loads(admin_log_text(log, "json"))["count"] == 3


# The submission mark, shared with Oregon's 303 report ------------------------------------------


def _mark(cast: Cast, who: str, digest: str, year: str = "2026") -> Any:
    return cast.client(who).post(
        PAGE + "submit", {"org": cast.center.pk, "year": year, "digest": digest}
    )


# Early January, after the year ended on the center's clock (a log is marked once it has).
AFTER_2026 = dt.datetime(2027, 1, 5, 17, 0, tzinfo=dt.UTC)


def test_the_year_is_marked_submitted_only_once_it_has_ended(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    cast = colorado.cast
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=DENVER), tick=False):
        page = cast.client("lead").get(PAGE, {"year": "2026"})
        html = page.content.decode()
        assert "2026 runs until 2026-12-31" in html and "Mark as submitted" not in html
        refused = _mark(cast, "lead", page.context["mark"].digest)
        assert refused.status_code == 422
        assert "once it has ended" in refused.content.decode()
    assert not RegulatorSubmission.objects.exists()
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 30, tzinfo=DENVER), tick=False):
        page = cast.client("lead").get(PAGE, {"year": "2026"})
        assert "Mark as submitted" in page.content.decode()
        assert _mark(cast, "lead", page.context["mark"].digest).status_code == 302
    assert RegulatorSubmission.objects.count() == 1


@time_machine.travel(AFTER_2026, tick=False)
def test_marking_the_log_submitted_warns_of_incomplete_sessions_and_notices_a_change(
    colorado: Colorado, year_2026: dict[str, MedicineSession]
) -> None:
    cast = colorado.cast
    page = cast.client("lead").get(PAGE, {"year": "2026"})
    html = page.content.decode()
    assert "Not yet marked submitted" in html
    # One session lacks its intention: the page says so beside the button, and still marks.
    assert "1 session is incomplete" in html and "(1 incomplete)" in html
    digest = page.context["mark"].digest
    assert digest == hashlib.sha256(_csv(cast.client("lead"), CSV_URL)).hexdigest()
    stale = _mark(cast, "lead", "0" * 64)
    assert stale.status_code == 422 and "changed since you opened it" in stale.content.decode()
    assert _mark(cast, "facilitator", digest).status_code == 403
    assert _mark(cast, "trial_facilitator", digest).status_code == 403
    assert not RegulatorSubmission.objects.exists()
    marked = _mark(cast, "lead", digest)
    assert marked.status_code == 302 and marked["Location"].endswith("year=2026")
    submission = RegulatorSubmission.objects.get()
    assert (submission.report, submission.period, submission.digest, submission.submitted_by) == (
        "colorado-admin-log",
        "2026",
        digest,
        cast.lead,
    )
    shown = cast.client("admin").get(PAGE, {"year": "2026"}).content.decode()
    assert "Marked submitted by Lead" in shown and "Mark as submitted again" in shown
    assert "changed since it was marked submitted" not in shown
    assert "already marked submitted" in _mark(cast, "admin", digest).content.decode()
    # The care team records the missing intention afterwards: the log changed since its mark.
    MedicineSession.objects.filter(pk=year_2026["missing"].pk).update(intention="wellness")
    shown = cast.client("admin").get(PAGE, {"year": "2026"}).content.decode()
    assert "changed since it was marked submitted" in shown
    marks = AuditEvent.objects.filter(action=Action.REPORT_REGULATOR_SUBMIT)
    assert [(m.detail["report"], m.detail["period"], m.detail["digest"]) for m in marks] == [
        ("colorado-admin-log", "2026", digest)
    ]


def test_a_bad_year_in_the_mark_is_refused_naming_it(colorado: Colorado) -> None:
    cast = colorado.cast
    answer = _mark(cast, "lead", "0" * 64, year="20266")
    assert answer.status_code == 422 and 'id="id_year_error"' in answer.content.decode()
    assert not RegulatorSubmission.objects.exists()


# The navigation --------------------------------------------------------------------------------

NAV = '<a href="/reports/colorado-admin-log/"'


@pytest.mark.parametrize(("who", "status"), ROLES.items())
def test_the_nav_links_the_log_for_its_org_admins_and_clinical_leads_only(
    colorado: Colorado, who: str, status: int
) -> None:
    html = colorado.cast.client(who).get("/account/password/change/").content.decode()
    assert (NAV in html) == (status == 200)
    assert ('href="/reports/oregon-303/"' in html) is False


def test_the_nav_has_no_log_link_where_the_profile_has_no_log(cast: Cast) -> None:
    html = cast.client("lead").get("/account/password/change/").content.decode()
    assert NAV not in html and 'href="/reports/oregon-303/"' in html


def test_the_nav_marks_the_log_current_on_its_page(colorado: Colorado) -> None:
    html = colorado.cast.client("admin").get(PAGE, {"year": "2026"}).content.decode()
    assert NAV + ' aria-current="page">' in html


# The command line ------------------------------------------------------------------------------


def test_the_command_prints_the_log_as_the_page_and_the_api_give_it(
    colorado: Colorado,
    year_2026: dict[str, MedicineSession],
    run_cli: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cast = colorado.cast
    assert run_cli(["report", "colorado-admin-log", "--year", "2026", "--format", "csv"]) == 0
    assert capsys.readouterr().out.encode() == _csv(cast.client("lead"), CSV_URL)
    assert run_cli(["report", "colorado-admin-log", "--year", "2026"]) == 0
    printed = json.loads(capsys.readouterr().out)
    api = cast.api("lead").get(API, {"year": "2026"}).json()
    assert printed == api and printed["count"] == 3
    assert (
        run_cli(
            [
                "report",
                "colorado-admin-log",
                "--year",
                "2026",
                "--organisation",
                str(cast.center.pk),
            ]
        )
        == 0
    )
    audited = AuditEvent.objects.filter(action=Action.REPORT_REGULATOR, actor_label="command line")
    assert [e.detail["format"] for e in audited.order_by("seq")] == ["csv", "json", "json"]


COMMAND_ERRORS = [
    (["colorado-admin-log"], "colorado-admin-log needs --year, such as --year 2026"),
    (["colorado-admin-log", "--quarter", "2026Q1"], "give --year 2026, not --quarter"),
    (
        ["colorado-admin-log", "--year", "2026", "--quarter", "2026Q1"],
        "give --year 2026, not --quarter",
    ),
    (["oregon-303"], "oregon-303 needs --quarter, such as --quarter 2026Q4"),
    (["oregon-303", "--year", "2026"], "give --quarter 2026Q4, not --year"),
    (["colorado-admin-log", "--year", "20266"], "--year: Give the year as 2026"),
    (["colorado-admin-log", "--year", "２０２６"], "--year: Give the year as 2026"),
    (["colorado-admin-log", "--year", "1999"], "--year: The year must be between 2020 and 2100"),
    (["colorado-admin-log", "--year", "2026", "--organisation", "999999"], "No organisation"),
    (
        ["colorado-admin-log", "--year", "2026", "--organisation", "{trial}"],
        "has no colorado-admin-log report",
    ),
    (["colorado-admin-log", "--year", "2026", "--format", "pdf"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "said"), COMMAND_ERRORS)
def test_the_command_refuses_a_wrong_or_missing_period_option_clearly(
    colorado: Colorado,
    run_cli: Any,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    argv = [a.replace("{trial}", str(colorado.cast.trial.pk)) for a in argv]
    assert run_cli(["report", *argv]) != 0
    assert said in capsys.readouterr().err
    assert not AuditEvent.objects.filter(action=Action.REPORT_REGULATOR).exists()


def test_someone_reporting_for_oregon_and_colorado_gets_each_reports_own_center(
    cast: Cast,
) -> None:
    # The lead's first organisation works under Oregon's profile; a second is in Colorado.
    denver = Organisation.objects.create(
        name="Front Range",
        slug="front-range",
        profile="colorado-natural-medicine",
        time_zone="America/Denver",
    )
    membership_ensure(organisation=denver, user=cast.lead, role=Role.CLINICAL_LEAD)
    page = cast.client("lead").get(PAGE, {"year": "2026"})
    assert page.status_code == 200 and page.context["organisation"] == denver
    assert '<select name="org" id="id_org">' not in page.content.decode()  # one offers it
    assert cast.api("lead").get(API, {"year": "2026"}).json()["count"] == 0
    oregon = cast.client("lead").get("/reports/oregon-303/", {"quarter": "2026Q1"})
    assert oregon.status_code == 200 and oregon.context["organisation"] == cast.center
    html = oregon.content.decode()
    assert NAV in html and 'href="/reports/oregon-303/"' in html
