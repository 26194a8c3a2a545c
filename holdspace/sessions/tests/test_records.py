"""The session summary (care team only, constant queries) and the organisation's dose log
(clinical leads only; CSV export audited and safe to open in a spreadsheet).

A bad filter on the dose log is answered 400 Bad Request, with the reason beside the field on
the page and as plain text for the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdspace.accounts.models import Role
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import PASSWORD, Cast, make_session, stock_lot
from holdspace.couples.models import CareTeamMember
from holdspace.measures.models import SafetyAlert
from holdspace.measures.services import alert_acknowledge
from holdspace.policy.sessions import get_medicine_session_for
from holdspace.reports.pseudonyms import pseudonym
from holdspace.sessions import doselog
from holdspace.sessions.charts import Reading, VitalLimits, vitals_svg
from holdspace.sessions.doselog import csv_cell
from holdspace.sessions.models import MedicineSession, SessionEvent
from holdspace.sessions.recording import session_event_record
from holdspace.sessions.services import discharge_record

pytestmark = pytest.mark.django_db


def _record(
    cast: Cast,
    session: MedicineSession,
    kind: str,
    data: dict[str, Any],
    *,
    partner: int | None = None,
    at: dt.datetime | None = None,
    who: str = "facilitator",
) -> SessionEvent:
    return session_event_record(
        viewer=cast.viewer(who),
        session=session,
        event_id=uuid.uuid4(),
        kind=kind,
        occurred_at=at or timezone.now() - dt.timedelta(minutes=1),
        data=data,
        partner_id=partner,
    ).event


def _loaded(cast: Cast, session: MedicineSession, who: str = "facilitator") -> MedicineSession:
    """The session with its couple's partners and care team loaded, as the services need."""
    loaded: MedicineSession = get_medicine_session_for(cast.viewer(who), session.pk)
    return loaded


@pytest.fixture
def recorded(cast: Cast) -> MedicineSession:
    """A session of A & B, an hour old, ended by an emergency transfer, both discharged."""
    session = _loaded(cast, make_session(cast))
    stock_lot(
        cast.center, received_by=cast.lead, lot_number="PE-0042", product_name="Penis Envy extract"
    )
    dose_a = _doses_and_vitals(cast, session)
    _corrections_and_the_rest(cast, session, dose_a)
    _discharge_both(cast, session)
    return session


def _at(session: MedicineSession, minutes: int) -> dt.datetime:
    return session.starts_at + dt.timedelta(minutes=minutes)


def _doses_and_vitals(cast: Cast, session: MedicineSession) -> SessionEvent:
    """Both partners dosed, then vital signs, one reading past the alert limit; A's dose."""
    a, b = cast.partner_a.pk, cast.partner_b.pk

    def at(minutes: int) -> dt.datetime:
        return _at(session, minutes)

    dose_a = _record(
        cast,
        session,
        "dose",
        {"amount_mg": 20, "product": "Golden Teacher capsules", "lot": "GT-2609"},
        partner=a,
        at=at(5),
    )
    _record(
        cast,
        session,
        "dose",
        {"amount_mg": 20, "product": "Penis Envy extract", "lot": "PE-0042"},
        partner=b,
        at=at(6),
    )
    for minutes, partner, reading in (
        (10, a, {"systolic": 124, "diastolic": 80, "heart_rate": 78}),
        (12, b, {"systolic": 118, "diastolic": 76, "heart_rate": 72}),
        (25, a, {"systolic": 168, "diastolic": 96, "heart_rate": 104}),  # past 160: an alert
        (27, b, {"systolic": 126, "diastolic": 82, "heart_rate": 84, "temperature_c": 36.9}),
    ):
        _record(cast, session, "vitals", reading, partner=partner, at=at(minutes))
    return dose_a


def _corrections_and_the_rest(cast: Cast, session: MedicineSession, dose_a: SessionEvent) -> None:
    """A's dose corrected, B's adverse event, notes, music, a break, and the end."""
    a, b = cast.partner_a.pk, cast.partner_b.pk

    def at(minutes: int) -> dt.datetime:
        return _at(session, minutes)

    _record(
        cast,
        session,
        "correction",
        {
            "corrects": str(dose_a.uuid),
            "reason": "Two capsules of 7.5 mg, not 10",
            "data": {"amount_mg": 15},
        },
        partner=a,
        at=at(30),
    )
    _record(
        cast,
        session,
        "adverse_event",
        {
            "description": "Panic with chest tightness",
            "severity": "moderate",
            "medical_care": True,
            "action_taken": "Paramedic assessment on site",
            "outcome": "Transferred for observation",
        },
        partner=b,
        at=at(32),
    )
    _record(cast, session, "observation", {"text": "Eyeshades on, asked for water"}, partner=a)
    _record(cast, session, "note", {"text": "Held hands through the peak"}, at=at(34))
    _record(cast, session, "music", {"text": "Switched to the quiet playlist"}, at=at(35))
    _record(
        cast, session, "monitoring_break", {"minutes": 5, "covered_by": "Dana Reyes"}, at=at(36)
    )
    _record(
        cast,
        session,
        "end",
        {"reason": "emergency_transfer", "note": "B to St Vincent by ambulance with Dana"},
        at=at(40),
    )


def _discharge_both(cast: Cast, session: MedicineSession) -> None:
    a, b = cast.partner_a.pk, cast.partner_b.pk
    criteria = ["effects_resolved", "oriented", "ride_arranged"]
    discharge_record(
        viewer=cast.viewer("facilitator"),
        session=session,
        partner_id=a,
        criteria_confirmed=criteria,
        transport_confirmed=True,
    )
    # B's adverse event needed medical care: a clinical lead signs it off before B leaves.
    alert_acknowledge(
        viewer=cast.viewer("lead"),
        alert=SafetyAlert.objects.get(session_event__session=session, partner=cast.partner_b),
        note="Paramedics assessed B; transferred for observation, I called the hospital.",
    )
    discharge_record(
        viewer=cast.viewer("facilitator"),
        session=session,
        partner_id=b,
        criteria_confirmed=criteria,
        transport_confirmed=False,
        transport_deviation="Left in the ambulance",
    )


def _text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# The session summary ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["facilitator", "lead"])
def test_it_shows_the_care_team_the_whole_record(
    cast: Cast, recorded: MedicineSession, who: str
) -> None:
    response = cast.client(who).get(f"/sessions/{recorded.pk}/summary/")
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    # Both partners' doses, side by side, with the corrected total.
    assert "Golden Teacher capsules" in text and "Penis Envy extract" in text
    assert "GT-2609" in text and "PE-0042" in text
    assert "<del>20 mg</del> <ins>15 mg</ins>" in html
    assert "Total given: 15 mg" in text and "Total given: 20 mg" in text
    # The correction beside the dose it corrects, in that dose's list item.
    dose_item = html[html.index("<del>20 mg</del>") :]
    dose_item = dose_item[: dose_item.index("</li>")]
    assert "Two capsules of 7.5 mg, not 10" in dose_item and "amount (mg) 15" in dose_item
    # Vital signs: a chart per partner with a table beside it, and the alert raised.
    assert html.count('class="vitals-svg"') == 2
    assert f'<title id="vitals-{cast.partner_a.pk}-title">Vital signs of Partner A</title>' in html
    assert "Systolic pressure 168 mmHg is above 160" in text
    assert '<td class="past-limit">168/96 <span class="sr-only">(past the limit)</span>' in html
    assert "systolic above 160 mmHg" in text  # the profile's limits, beside the chart
    # Adverse event, notes, joint records, the end and the discharges.
    for words in (
        "Panic with chest tightness",
        "Moderate",
        "Paramedic assessment on site",
        "Transferred for observation",
        "Eyeshades on, asked for water",
        "Held hands through the peak",
        "Switched to the quiet playlist",
        "5 min, covered by Dana Reyes",
        "Emergency transfer",
        "B to St Vincent by ambulance with Dana",
        "As planned, confirmed",
        "Left in the ambulance",
        "Signed off by",
    ):
        assert words in text, words
    # The profile's discharge criteria, in its words, each confirmed.
    assert text.count("✓ Not driving: the ride in their transportation plan") == 2
    assert "not confirmed:" not in text
    assert "Cedar room" in text and "Facilitators present" in text
    event = AuditEvent.objects.filter(action="medicine_session.summary").get()
    assert event.object_id == str(recorded.pk) and event.couple_id == cast.couple.pk


@pytest.mark.parametrize("who", ["partner_a", "partner_b", "admin"])
def test_it_refuses_the_summary_to_partners_and_the_admin(
    cast: Cast, recorded: MedicineSession, who: str
) -> None:
    response = cast.client(who).get(f"/sessions/{recorded.pk}/summary/")
    assert response.status_code == 403
    assert b"Panic with chest tightness" not in response.content
    assert AuditEvent.objects.filter(
        action="access.denied", detail__attempted="read the summary of"
    ).exists()


@pytest.mark.parametrize(
    "who", ["other_facilitator", "partner_c", "researcher", "trial_facilitator"]
)
def test_it_hides_the_summary_from_everyone_else(
    cast: Cast, recorded: MedicineSession, who: str
) -> None:
    response = cast.client(who).get(f"/sessions/{recorded.pk}/summary/")
    assert response.status_code == 404
    assert b"Panic" not in response.content


def test_it_answers_a_missing_session_and_a_post_as_such(
    cast: Cast, recorded: MedicineSession
) -> None:
    client = cast.client("facilitator")
    assert client.get(f"/sessions/{recorded.pk + 1000}/summary/").status_code == 404
    assert client.post(f"/sessions/{recorded.pk}/summary/").status_code == 405


def test_it_shows_an_unstarted_session_without_failing(cast: Cast) -> None:
    session = make_session(cast)
    response = cast.client("facilitator").get(f"/sessions/{session.pk}/summary/")
    assert response.status_code == 200
    text = _text(response.content.decode())
    assert "No dose recorded." in text and "Not begun" in text and "Not ended" in text


def _grow(cast: Cast, session: MedicineSession, rounds: int) -> None:
    """ROUNDS × 10 events of every kind that repeats, with corrections and alerts among them."""
    a, b = cast.partner_a.pk, cast.partner_b.pk
    base = session.starts_at + dt.timedelta(minutes=41)
    for i in range(rounds):
        at = base + dt.timedelta(seconds=i)
        note = _record(cast, session, "observation", {"text": f"Round {i}"}, partner=a, at=at)
        _record(cast, session, "vitals", {"systolic": 165, "heart_rate": 80}, partner=a, at=at)
        _record(cast, session, "vitals", {"diastolic": 70, "heart_rate": 40}, partner=b, at=at)
        _record(cast, session, "note", {"text": f"Joint {i}"}, at=at)
        _record(cast, session, "music", {"text": f"Track {i}"}, at=at)
        _record(cast, session, "monitoring_break", {"minutes": 1, "covered_by": "Dana"}, at=at)
        _record(
            cast,
            session,
            "adverse_event",
            {"description": f"Nausea {i}", "severity": "severe"},
            partner=b,
            at=at,
        )
        _record(cast, session, "observation", {"text": f"Both calm {i}"}, at=at)
        _record(cast, session, "note", {"text": f"About B {i}"}, partner=b, at=at)
        _record(
            cast,
            session,
            "correction",
            {"corrects": str(note.uuid), "reason": "typo", "data": {"text": f"Round {i}!"}},
            partner=a,
            at=at,
        )


def _count(request: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == 200
    return len(queries)


def test_it_builds_the_summary_in_the_same_number_of_queries_however_many_events(
    cast: Cast,
) -> None:
    session = _loaded(cast, make_session(cast))
    _record(
        cast,
        session,
        "dose",
        {"amount_mg": 20, "product": "Golden Teacher capsules", "lot": "GT-2609"},
        partner=cast.partner_a.pk,
        at=session.starts_at + dt.timedelta(minutes=5),
    )
    _grow(cast, session, 1)
    client = cast.client("facilitator")
    url = f"/sessions/{session.pk}/summary/"
    client.get(url)  # the first request also starts the session and the audit chain
    few = SessionEvent.objects.filter(session=session).count()
    small = _count(lambda: client.get(url))
    _grow(cast, session, 19)
    many = SessionEvent.objects.filter(session=session).count()
    assert (few, many) == (11, 201)
    response = client.get(url)
    assert response.content.decode().count('class="ae-description">Nausea') == 20
    assert _count(lambda: client.get(url)) == small


# The dose log ---------------------------------------------------------------------------------


@pytest.fixture
def doses(cast: Cast, recorded: MedicineSession) -> dict[str, Any]:
    """Besides A & B's session: C & D dosed three days ago (one product named like a formula),
    and the trial site's couple dosed today (another organisation)."""
    other = _loaded(
        cast,
        make_session(
            cast,
            couple=cast.other_couple,
            facilitators=[cast.other_facilitator],
            starts_at=timezone.now() - dt.timedelta(days=3),
        ),
        "other_facilitator",
    )
    # A lot named like a formula too: its number and product reach the CSV neutralised.
    stock_lot(
        cast.center,
        received_by=cast.lead,
        lot_number="+LOT-1",
        product_name='=HYPERLINK("http://evil.example","x")',
    )
    old = _record(
        cast,
        other,
        "dose",
        {"amount_mg": 10, "product": '=HYPERLINK("http://evil.example","x")', "lot": "+LOT-1"},
        partner=cast.partner_c.pk,
        at=other.starts_at + dt.timedelta(minutes=5),
        who="other_facilitator",
    )
    co = user_create(email="trial_co@example.org", display_name="Trial Co", password=PASSWORD)
    membership_ensure(organisation=cast.trial, user=co, role=Role.FACILITATOR)
    CareTeamMember.objects.create(organisation=cast.trial, couple=cast.trial_couple, user=co)
    trial = _loaded(
        cast,
        make_session(cast, couple=cast.trial_couple, facilitators=[cast.trial_facilitator, co]),
        "trial_facilitator",
    )
    _record(
        cast,
        trial,
        "dose",
        {"amount_mg": 80, "product": "Trial MDMA HCl", "lot": "TRIAL-9"},
        partner=cast.trial_partner_a.pk,
        who="trial_facilitator",
    )
    return {"old": old, "old_session": other, "session": recorded}


def test_it_lists_the_organisations_doses_for_the_clinical_lead(
    cast: Cast, doses: dict[str, Any]
) -> None:
    response = cast.client("lead").get("/doses/")
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    assert "3 doses" in text
    assert "Golden Teacher capsules" in text and "Penis Envy extract" in text
    assert "=HYPERLINK" in html and "<script" not in html.split("<main")[1]
    assert "Trial MDMA" not in text  # another organisation's
    org = cast.center.pk
    assert pseudonym("partner", org, cast.partner_a.pk) in text
    assert pseudonym("partner", org, cast.partner_c.pk) in text
    for name in ("Partner A", "Partner B", "Partner C", "partner_a@example.org"):
        assert name not in text
    assert "<del>20</del> <ins>15</ins>" in html  # the corrected amount beside the first
    assert f'href="/sessions/{doses["session"].pk}/summary/"' in html
    assert "Facilitator" in text and "Other Facilitator" in text  # who administered
    # Newest first: today's doses before the one three days ago.
    assert text.index("Golden Teacher") < text.index("HYPERLINK")
    read = AuditEvent.objects.filter(action="dose_log.read").get()
    assert read.organisation_id == org and read.detail["rows"] == 3


def test_it_filters_the_dose_log_by_date_and_product(cast: Cast, doses: dict[str, Any]) -> None:
    client = cast.client("lead")
    day = timezone.localtime(doses["old"].occurred_at).date()
    only_old = _text(client.get("/doses/", {"to": day.isoformat()}).content.decode())
    assert "1 dose" in only_old and "HYPERLINK" in only_old and "Golden" not in only_old
    after = (day + dt.timedelta(days=1)).isoformat()
    recent = _text(client.get("/doses/", {"from": after}).content.decode())
    assert "2 doses" in recent and "HYPERLINK" not in recent
    same_day = {"from": day.isoformat(), "to": day.isoformat()}
    assert "1 dose" in _text(client.get("/doses/", same_day).content.decode())
    golden = _text(client.get("/doses/", {"product": "gOLDEN teach"}).content.decode())
    assert "1 dose" in golden and "Golden Teacher" in golden and "Penis Envy" not in golden
    assert "No dose matches" in _text(
        client.get("/doses/", {"product": "nothing"}).content.decode()
    )


def test_it_pages_the_dose_log(
    cast: Cast, doses: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doselog, "PAGE_SIZE", 2)
    client = cast.client("lead")
    first = _text(client.get("/doses/").content.decode())
    assert "Page 1 of 2" in first and "HYPERLINK" not in first
    second = client.get("/doses/", {"page": 2}).content.decode()
    assert "HYPERLINK" in second and 'rel="prev"' in second
    assert client.get("/doses/", {"page": "many"}).status_code == 200


BAD_FILTERS = [
    ({"from": "01/03/2025"}, "from", "Give a date as YYYY-MM-DD"),
    ({"to": "2025-02-30"}, "to", "Give a date as YYYY-MM-DD"),
    ({"from": "2025-03-02", "to": "2025-03-01"}, "to", "before its start"),
    ({"product": "x" * 201}, "product", "At most 200 characters"),
]


def test_it_answers_a_bad_filter_with_400_and_says_why_beside_the_field(
    cast: Cast, doses: dict[str, Any]
) -> None:
    client = cast.client("lead")
    for params, field, message in BAD_FILTERS:
        response = client.get("/doses/", params)
        assert response.status_code == 400, params
        html = response.content.decode()
        assert f'<p class="error" id="id_{field}_error">' in html
        beside = html[html.index(f'name="{field}"') :]
        assert message in beside[: beside.index("</div>")], params
        assert "Golden Teacher" not in html and "Download CSV" not in html
        exported = client.get("/doses.csv", params)
        assert exported.status_code == 400 and message in exported.content.decode()
        assert exported["Content-Type"].startswith("text/plain")
    assert not AuditEvent.objects.filter(action__in=["dose_log.read", "export.doses"]).exists()


def test_it_refuses_the_dose_log_to_everyone_but_clinical_leads(
    cast: Cast, doses: dict[str, Any]
) -> None:
    refused = ["facilitator", "other_facilitator", "partner_a", "researcher", "admin"]
    for who in [*refused, "trial_facilitator"]:
        client = cast.client(who)
        for url in ("/doses/", "/doses.csv"):
            response = client.get(url)
            assert response.status_code == 403, (who, url)
            assert b"Golden Teacher" not in response.content
        refusals = AuditEvent.objects.filter(
            action="access.denied", object_type="dose_log", actor_id=cast.people[who].pk
        )
        assert sorted(r.detail["attempted"] for r in refusals) == [
            "export the dose log of",
            "read the dose log of",
        ]
        expected_trail = cast.trial.pk if who == "trial_facilitator" else cast.center.pk
        assert {r.organisation_id for r in refusals} == {expected_trail}
    assert not AuditEvent.objects.filter(action__in=["dose_log.read", "export.doses"]).exists()


def test_it_refuses_a_lead_another_organisations_dose_log(
    cast: Cast, doses: dict[str, Any]
) -> None:
    client = cast.client("lead")
    assert client.get("/doses/", {"org": cast.trial.pk}).status_code == 403
    assert client.get("/doses.csv", {"org": cast.trial.pk}).status_code == 403
    assert client.get("/doses/", {"org": "trial"}).status_code == 404
    # The refusal is not written into the other organisation's trail.
    assert not AuditEvent.objects.filter(organisation_id=cast.trial.pk, object_type="dose_log")
    assert client.get("/doses/", {"org": cast.center.pk}).status_code == 200


def test_it_exports_the_dose_log_as_csv_safe_for_spreadsheets(
    cast: Cast, doses: dict[str, Any]
) -> None:
    response = cast.client("lead").get("/doses.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="holdspace-doses-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "occurred_at",
        "session_id",
        "partner",
        "kind",
        "product",
        "lot",
        "units",
        "corrected_units",
        "amount_mg",
        "corrected_amount_mg",
        "administered_by",
    ]
    body = rows[1:]
    assert len(body) == 3  # oldest first; not the trial site's
    old, *today = body
    assert old[4] == '\'=HYPERLINK("http://evil.example","x")' and old[5] == "'+LOT-1"
    assert old[2] == pseudonym("partner", cast.center.pk, cast.partner_c.pk)
    assert old[10] == "Other Facilitator" and old[3] == "dose"
    assert dt.datetime.fromisoformat(old[0]) == doses["old"].occurred_at
    assert old[1] == str(doses["old_session"].pk)
    # The lot and units from the ledger (5 mg a unit), corrected beside the first recorded.
    golden = next(row for row in today if row[4] == "Golden Teacher capsules")
    assert golden[5:10] == ["GT-2609", "4", "3", "20", "15"]
    envy = next(row for row in today if row[4] == "Penis Envy extract")
    assert envy[5:10] == ["PE-0042", "4", "", "20", ""]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)
    assert "Partner" not in response.content.decode()
    export = AuditEvent.objects.filter(action="export.doses").get()
    assert export.organisation_id == cast.center.pk
    assert export.detail == {"filters": {}, "rows": 3}


def test_it_exports_only_the_filtered_doses_and_audits_the_filters(
    cast: Cast, doses: dict[str, Any]
) -> None:
    response = cast.client("lead").get("/doses.csv", {"product": "envy"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[4] for row in rows[1:]] == ["Penis Envy extract"]
    export = AuditEvent.objects.filter(action="export.doses").get()
    assert export.detail == {"filters": {"product": "envy"}, "rows": 1}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("GT-2609", "GT-2609"),
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_it_neutralises_formula_cells(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


# The vital-signs chart -------------------------------------------------------------------------


def test_it_draws_an_accessible_vitals_chart_without_style_or_script() -> None:
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    svg = vitals_svg(
        [
            Reading(start, systolic=120, diastolic=80, heart_rate=70),
            Reading(start + dt.timedelta(minutes=45), systolic=170, heart_rate=40, corrected=True),
        ],
        chart_id="c1",
        name="<Riley>",
        limits=VitalLimits(
            systolic_max=160, diastolic_max=110, heart_rate_max=110, heart_rate_min=45
        ),
        doses=[(start - dt.timedelta(minutes=5), "Dose 20 mg")],
    )
    assert svg.startswith("<svg") and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Vital signs of &lt;Riley&gt;</title>' in svg
    assert "2 readings" in svg and "2 values past a limit" in svg
    assert "style" not in svg and "<script" not in svg and "<Riley>" not in svg
    assert "above the limit of 160" in svg and "below the limit of 45" in svg
    assert "(corrected)" in svg and "Limit 110: diastolic max, heart rate max" in svg
    assert vitals_svg([Reading(start, systolic=None)], chart_id="c2", name="x") == ""
    single = vitals_svg([Reading(start, heart_rate=70)], chart_id="c3", name="x")
    assert "1 reading from" in single
