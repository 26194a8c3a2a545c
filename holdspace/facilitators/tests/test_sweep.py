"""The nightly credentials sweep: warnings to the facilitator and the clinical lead 60, 30 and
7 days before a verified credential expires (once each), the credential marked expired on the
day, and the `holdspace credentials-sweep` command. The clock is the `today` passed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core import mail
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.facilitators.models import Credential, ExpiryWarning
from holdspace.facilitators.services import credentials_sweep
from holdspace.lib.dates import day_text

pytestmark = pytest.mark.django_db

RunCli = Callable[[list[str]], int]


# Helpers ------------------------------------------------------------------------------


def _today() -> dt.date:
    """The day the sweeps below start from. The cast's own licences run two years on, far
    beyond the 60-day horizon of every sweep here."""
    return timezone.localdate()


def _credential(
    cast: Cast,
    *,
    expires_in: int,
    who: str = "facilitator",
    status: str = "verified",
    trial: bool = False,
) -> Credential:
    return Credential.objects.create(
        organisation=cast.trial if trial else cast.center,
        facilitator=cast.people[who],
        kind="bls",
        title="Red Cross Basic Life Support",
        issued_on=_today() - dt.timedelta(days=600),
        expires_on=_today() + dt.timedelta(days=expires_in),
        status=status,
        register="Red Cross certificate lookup",
    )


def _sweep(days_later: int = 0) -> None:
    credentials_sweep(today=_today() + dt.timedelta(days=days_later))


# Warnings ---------------------------------------------------------------------------------


def test_it_warns_the_facilitator_and_the_clinical_lead_60_days_before(cast: Cast) -> None:
    credential = _credential(cast, expires_in=60)
    result = credentials_sweep(today=_today())
    assert result.warned == [(credential.pk, 60)]
    assert result.expired == []
    (message,) = mail.outbox
    assert message.to == [cast.facilitator.email, cast.lead.email]
    assert message.subject == "[Holdspace] A credential expires in 60 days"
    assert "Facilitator's basic life support / first aid" in message.body
    assert "Red Cross Basic Life Support" in message.body
    assert credential.expires_on is not None
    assert day_text(credential.expires_on) in message.body
    event = AuditEvent.objects.get(action="credential.warning")
    assert (event.object_type, event.object_id, event.actor_label) == (
        "credential",
        str(credential.pk),
        "nightly sweep",
    )
    assert event.detail == {
        "days_before": 60,
        "to": [cast.facilitator.email, cast.lead.email],
    }
    assert Credential.objects.get(pk=credential.pk).status == "verified"


def test_it_sends_nothing_before_the_first_threshold(cast: Cast) -> None:
    _credential(cast, expires_in=61)
    result = credentials_sweep(today=_today())
    assert (result.warned, result.expired) == ([], [])
    assert mail.outbox == []


def test_it_warns_once_at_each_threshold_however_often_it_runs(cast: Cast) -> None:
    credential = _credential(cast, expires_in=62)
    sent: list[tuple[int, str]] = []
    for day in range(0, 64):  # from 62 days before the expiry to the day after it
        for _run in range(2):  # twice the same night
            before = len(mail.outbox)
            _sweep(day)
            sent.extend((62 - day, str(m.subject)) for m in mail.outbox[before:])
    assert sent == [
        (60, "[Holdspace] A credential expires in 60 days"),
        (30, "[Holdspace] A credential expires in 30 days"),
        (7, "[Holdspace] A credential expires in 7 days"),
        (0, "[Holdspace] A credential has expired"),
    ]
    assert sorted(
        ExpiryWarning.objects.filter(credential=credential).values_list("days_before", flat=True)
    ) == [0, 7, 30, 60]
    assert AuditEvent.objects.filter(action="credential.warning").count() == 4
    assert AuditEvent.objects.filter(action="credential.expired").count() == 1


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(59, 60), (45, 60), (30, 30), (20, 30), (8, 30), (7, 7), (3, 7), (1, 7)],
)
def test_it_sends_only_the_nearest_threshold_on_a_late_first_run(
    cast: Cast, days_left: int, threshold: int
) -> None:
    credential = _credential(cast, expires_in=days_left)
    result = credentials_sweep(today=_today())
    assert result.warned == [(credential.pk, threshold)]
    (message,) = mail.outbox
    assert message.subject == f"[Holdspace] A credential expires in {days_left} days"
    assert list(
        ExpiryWarning.objects.filter(credential=credential).values_list("days_before", flat=True)
    ) == [threshold]
    _sweep(0)  # and nothing again the same night
    assert len(mail.outbox) == 1


def test_it_sends_the_next_threshold_only_on_a_late_run_after_a_missed_one(cast: Cast) -> None:
    credential = _credential(cast, expires_in=60)
    _sweep(0)  # the 60-day warning
    _sweep(55)  # no run at 30 days; five days left now
    assert [m.subject for m in mail.outbox] == [
        "[Holdspace] A credential expires in 60 days",
        "[Holdspace] A credential expires in 5 days",
    ]
    assert sorted(
        ExpiryWarning.objects.filter(credential=credential).values_list("days_before", flat=True)
    ) == [7, 60]


@pytest.mark.parametrize("status", ["unverified", "suspended", "revoked", "expired"])
def test_it_warns_only_of_verified_credentials(cast: Cast, status: str) -> None:
    _credential(cast, expires_in=30, status=status)
    for day in (0, 23, 29):  # at 30, 7 and 1 days before
        _sweep(day)
    assert mail.outbox == []
    assert not ExpiryWarning.objects.exists()


def test_it_warns_the_trial_facilitator_without_the_centers_clinical_lead(cast: Cast) -> None:
    _credential(cast, expires_in=30, who="trial_facilitator", trial=True)
    _sweep()
    (message,) = mail.outbox
    assert message.to == [cast.trial_facilitator.email]


def test_it_warns_a_clinical_lead_of_their_own_credential_once(cast: Cast) -> None:
    _credential(cast, expires_in=7, who="lead")
    _sweep()
    (message,) = mail.outbox
    assert message.to == [cast.lead.email]
    assert cast.admin.email not in message.to


# Expiry -----------------------------------------------------------------------------------


def test_it_marks_a_credential_expired_on_its_expiry_date(cast: Cast) -> None:
    credential = _credential(cast, expires_in=10)
    _sweep(9)
    assert Credential.objects.get(pk=credential.pk).status == "verified"
    assert not AuditEvent.objects.filter(action="credential.expired").exists()

    result = credentials_sweep(today=_today() + dt.timedelta(days=10))
    assert result.expired == [credential.pk]
    assert Credential.objects.get(pk=credential.pk).status == "expired"
    event = AuditEvent.objects.get(action="credential.expired")
    assert (event.object_id, event.actor_label) == (str(credential.pk), "nightly sweep")
    assert event.detail == {"expires_on": (_today() + dt.timedelta(days=10)).isoformat()}
    assert mail.outbox[-1].subject == "[Holdspace] A credential has expired"
    assert mail.outbox[-1].to == [cast.facilitator.email, cast.lead.email]

    count = len(mail.outbox)
    for day in (10, 11):  # again the same night, and the next
        assert credentials_sweep(today=_today() + dt.timedelta(days=day)).expired == []
    assert len(mail.outbox) == count
    assert AuditEvent.objects.filter(action="credential.expired").count() == 1


def test_it_marks_expired_a_credential_the_sweep_missed(cast: Cast) -> None:
    credential = _credential(cast, expires_in=-3)
    assert credentials_sweep(today=_today()).expired == [credential.pk]
    assert Credential.objects.get(pk=credential.pk).status == "expired"
    assert [m.subject for m in mail.outbox] == ["[Holdspace] A credential has expired"]


@pytest.mark.parametrize("status", ["suspended", "revoked"])
def test_it_leaves_a_suspended_or_revoked_credential_as_it_is(cast: Cast, status: str) -> None:
    credential = _credential(cast, expires_in=-1, status=status)
    assert credentials_sweep(today=_today()).expired == []
    assert Credential.objects.get(pk=credential.pk).status == status
    assert mail.outbox == []


def test_it_touches_only_credentials_near_their_expiry(cast: Cast) -> None:
    far = _credential(cast, expires_in=200)
    _sweep()
    assert Credential.objects.get(pk=far.pk).status == "verified"
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action__startswith="credential.").exists()


# The command ------------------------------------------------------------------------------


def test_it_sweeps_as_of_the_day_given_to_the_command(
    cast: Cast, run_cli: RunCli, capsys: pytest.CaptureFixture[str]
) -> None:
    credential = _credential(cast, expires_in=40)
    day = _today() + dt.timedelta(days=10)  # 30 days before the expiry
    assert run_cli(["credentials-sweep", "--today", day.isoformat()]) == 0
    assert "Warned 1 credential(s); marked 0 expired." in capsys.readouterr().out
    (message,) = mail.outbox
    assert message.subject == "[Holdspace] A credential expires in 30 days"
    assert run_cli(["credentials-sweep", "--today", day.isoformat()]) == 0
    assert "Warned 0 credential(s)" in capsys.readouterr().out
    assert len(mail.outbox) == 1

    expiry = _today() + dt.timedelta(days=40)
    assert run_cli(["credentials-sweep", "--today", expiry.isoformat()]) == 0
    assert "marked 1 expired" in capsys.readouterr().out
    assert Credential.objects.get(pk=credential.pk).status == "expired"


@pytest.mark.parametrize("bad", ["2025-13-01", "tomorrow", "01/02/2025", "2025-02-30"])
def test_it_refuses_a_bad_day_given_to_the_command(
    cast: Cast, run_cli: RunCli, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    _credential(cast, expires_in=-1)
    _credential(cast, expires_in=30)
    assert run_cli(["credentials-sweep", "--today", bad]) != 0
    err = capsys.readouterr().err
    assert "--today must be a date as YYYY-MM-DD" in err
    assert repr(bad) in err
    assert mail.outbox == []
    assert not ExpiryWarning.objects.exists()
    assert not Credential.objects.filter(status="expired").exists()
