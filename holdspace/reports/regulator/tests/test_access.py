"""Who gets Oregon's 303 report, through the page, the CSV, the API and the command; what each
generation and submission mark leaves in the audit trail; the page's query count."""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test.utils import CaptureQueriesContext

from holdspace.accounts.models import Organisation, Role
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.audit.actions import Action
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.reports.models import RegulatorSubmission
from holdspace.reports.regulator.periods import current_period
from holdspace.reports.regulator.tests import fixtures as fx

PAGE = "/reports/oregon-303/"
API = "/api/v1/reports/oregon-303"


def _staff(cast: Cast, key: str, organisation: Organisation, role: str) -> None:
    user = user_create(email=f"{key}@elsewhere.example", display_name=key.title(), password=None)
    membership_ensure(organisation=organisation, user=user, role=role)
    TOTP.activate(user, generate_totp_secret())
    cast.people[key] = user


ROLES = [
    ("partner_a", 403),
    ("partner_b", 403),
    ("facilitator", 403),
    ("other_facilitator", 403),
    ("researcher", 403),
    ("trial_facilitator", 403),
    ("lead", 200),
    ("admin", 200),
]


@pytest.mark.parametrize(("who", "status"), ROLES)
def test_only_the_centers_admins_and_leads_get_the_page(cast: Cast, who: str, status: int) -> None:
    fx.dyad(cast, "x", fx.local(2025, 11, 1, 10))
    assert cast.client(who).get(PAGE, {"quarter": "2025Q4"}).status_code == status
    assert cast.client(who).get(PAGE + "csv", {"quarter": "2025Q4"}).status_code == status


@pytest.mark.parametrize(("who", "status"), ROLES)
def test_only_the_centers_admins_and_leads_get_the_api(cast: Cast, who: str, status: int) -> None:
    for fmt in ("json", "csv"):
        answer = cast.api(who).get(API, {"quarter": "2025Q4", "format": fmt})
        assert answer.status_code == status
        if status == 403:
            assert "detail" in answer.json()


def test_another_organisations_lead_cannot_ask_for_the_center(cast: Cast) -> None:
    _staff(cast, "trial_lead", cast.trial, Role.CLINICAL_LEAD)
    assert cast.client("trial_lead").get(PAGE, {"org": cast.center.pk}).status_code == 403
    answer = cast.api("trial_lead").get(API, {"organisation_id": cast.center.pk})
    assert answer.status_code == 403


def _colorado_admin(cast: Cast) -> Organisation:
    colorado = Organisation.objects.create(
        name="Denver", slug="denver", profile="colorado-natural-medicine"
    )
    _staff(cast, "denver_admin", colorado, Role.ORG_ADMIN)
    return colorado


def test_a_profile_without_the_report_is_told_so_with_a_404(cast: Cast) -> None:
    _colorado_admin(cast)
    page = cast.client("denver_admin").get(PAGE)
    assert page.status_code == 404
    assert "has no oregon-303 report" in page.content.decode()
    answer = cast.api("denver_admin").get(API)
    assert answer.status_code == 404
    assert "has no oregon-303 report" in answer.json()["detail"]
    settings_page = cast.client("denver_admin").get("/organisation/")
    assert settings_page.status_code == 200
    assert "303 report" not in settings_page.content.decode()  # no nav link either


def test_a_bad_quarter_is_refused_naming_the_field(cast: Cast) -> None:
    page = cast.client("lead").get(PAGE, {"quarter": "2026Q7"})
    assert page.status_code == 400
    assert "Give the quarter as 2026Q4" in page.content.decode()
    answer = cast.api("lead").get(API, {"quarter": "2026Q7"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "quarter"]
    assert cast.client("lead").get(PAGE + "csv", {"quarter": "Q4"}).status_code == 400
    assert cast.api("lead").get(API, {"format": "pdf"}).status_code == 422


def test_the_web_and_the_api_give_the_same_csv_and_each_is_audited(cast: Cast) -> None:
    fx.center_in_los_angeles(cast)
    fx.dyad(cast, "x", fx.local(2025, 11, 1, 10))
    web = cast.client("lead").get(PAGE + "csv", {"quarter": "2025Q4"})
    api = cast.api("admin").get(API, {"quarter": "2025Q4", "format": "csv"})
    assert web["Content-Type"] == api["Content-Type"] == "text/csv; charset=utf-8"
    assert web.content == api.content
    as_json = cast.api("admin").get(API, {"quarter": "2025Q4"})
    assert as_json.json()["due_on"] == "2026-01-15"
    audited = AuditEvent.objects.filter(action=Action.REPORT_REGULATOR).order_by("seq")
    assert [(e.detail["period"], e.detail["format"]) for e in audited] == [
        ("2025Q4", "csv"),
        ("2025Q4", "csv"),
        ("2025Q4", "json"),
    ]
    assert {e.organisation_id for e in audited} == {cast.center.pk}
    assert "generated_at" in audited[0].detail


def test_the_page_defaults_to_the_current_quarter_on_the_organisations_clock(
    cast: Cast,
) -> None:
    fx.center_in_los_angeles(cast)
    page = cast.client("admin").get(PAGE)
    label = current_period("quarter", fx.LA).label
    assert page.status_code == 200
    assert f'<option value="{label}" selected>' in page.content.decode()
    assert 'aria-current="page">303 report</a>' in page.content.decode()  # the nav's link
    for who in ("facilitator", "partner_a"):
        other_page = cast.client(who).get(
            "/today/" if who == "facilitator" else "/portal/", follow=True
        )
        assert other_page.status_code == 200
        assert "303 report" not in other_page.content.decode()


def test_marking_submitted_records_who_and_when_and_notices_a_change(cast: Cast) -> None:
    fx.center_in_los_angeles(cast)
    p = fx.dyad(cast, "x", fx.local(2025, 11, 1, 10))
    page = cast.client("lead").get(PAGE, {"quarter": "2025Q4"})
    digest = page.context["generated"].digest
    stale = cast.client("lead").post(
        PAGE + "submit", {"org": cast.center.pk, "quarter": "2025Q4", "digest": "0" * 64}
    )
    assert stale.status_code == 422
    assert "changed since you opened it" in stale.content.decode()
    marked = cast.client("lead").post(
        PAGE + "submit", {"org": cast.center.pk, "quarter": "2025Q4", "digest": digest}
    )
    assert marked.status_code == 302
    submission = RegulatorSubmission.objects.get()
    assert (submission.submitted_by, submission.period, submission.digest) == (
        cast.lead,
        "2025Q4",
        digest,
    )
    shown = cast.client("admin").get(PAGE, {"quarter": "2025Q4"}).content.decode()
    assert "Marked submitted by Lead" in shown
    assert "changed since it was marked submitted" not in shown
    again = cast.client("lead").post(
        PAGE + "submit", {"org": cast.center.pk, "quarter": "2025Q4", "digest": digest}
    )
    assert "already marked submitted" in again.content.decode()
    # A dose recorded late changes the quarter's report.
    fx.declined(cast, p.sessions[0], p.b, fx.local(2025, 11, 1, 18))
    shown = cast.client("admin").get(PAGE, {"quarter": "2025Q4"}).content.decode()
    assert "changed since it was marked submitted" in shown
    marks = AuditEvent.objects.filter(action=Action.REPORT_REGULATOR_SUBMIT)
    assert [m.detail["digest"] for m in marks] == [digest]
    assert (
        cast.client("facilitator")
        .post(PAGE + "submit", {"org": cast.center.pk, "quarter": "2025Q4", "digest": digest})
        .status_code
        == 403
    )


def test_the_pages_queries_do_not_grow_with_the_couples(cast: Cast) -> None:
    fx.center_in_los_angeles(cast)

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert cast.client("lead").get(PAGE, {"quarter": "2025Q4"}).status_code == 200
        return len(seen)

    def couple(key: str, day: int) -> None:
        p = fx.dyad(cast, key, fx.local(2025, 11, day, 10), born=dt.date(1980, 1, 1))
        fx.form(cast, p, p.a, {"income": "50k_75k"})
        fx.adverse(cast, p.sessions[0], p.a, fx.local(2025, 11, day, 11), "mild", medical=True)

    couple("first", 1)
    queries()
    few = queries()
    for i in range(6):
        couple(f"more{i}", 2 + i)
    assert queries() == few


# The command -------------------------------------------------------------------------------


def _run(run_cli: Any, argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = run_cli(argv)
    return code, out.getvalue()


def test_the_command_prints_the_report_and_audits_it(
    cast: Cast, run_cli: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fx.center_in_los_angeles(cast)
    fx.dyad(cast, "x", fx.local(2025, 11, 1, 10))
    assert run_cli(["report", "oregon-303", "--quarter", "2025Q4"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed)["period"] == "2025Q4"
    assert run_cli(["report", "oregon-303", "--quarter", "2025Q4", "--format", "csv"]) == 0
    csv_out = capsys.readouterr().out
    api = cast.api("lead").get(API, {"quarter": "2025Q4", "format": "csv"})
    assert csv_out.encode() == api.content
    audited = AuditEvent.objects.filter(action=Action.REPORT_REGULATOR, actor_label="command line")
    assert [e.detail["format"] for e in audited.order_by("seq")] == ["json", "csv"]


CLI_ERRORS = [
    (["--quarter", "2025Q9"], "Give the quarter as 2026Q4"),
    (["--quarter", "2025Q4", "--organisation", "999999"], "No organisation has the id 999999"),
    (["--quarter", "2025Q4", "--organisation", "abc"], "takes an organisation's id"),
    (["--quarter", "2025Q4", "--organisation", "{trial}"], "has no oregon-303 report"),
    (["--quarter", "2025Q4", "--format", "pdf"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "said"), CLI_ERRORS)
def test_the_command_refuses_bad_arguments_clearly(
    cast: Cast, run_cli: Any, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    argv = [a.replace("{trial}", str(cast.trial.pk)) for a in argv]
    assert run_cli(["report", "oregon-303", *argv]) != 0
    assert said in capsys.readouterr().err
    assert not AuditEvent.objects.filter(action=Action.REPORT_REGULATOR).exists()


def test_the_command_asks_which_organisation_when_several_have_the_report(
    cast: Cast, run_cli: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    Organisation.objects.create(name="Bend", slug="bend", profile="oregon-psilocybin")
    assert run_cli(["report", "oregon-303", "--quarter", "2025Q4"]) != 0
    assert "Say which organisation with --organisation" in capsys.readouterr().err
    assert (
        run_cli(
            ["report", "oregon-303", "--quarter", "2025Q4", "--organisation", str(cast.center.pk)]
        )
        == 0
    )
