"""The rule that keeps a facilitator without a verified, unexpired licence for the
organisation's jurisdiction (and, in Colorado, current Basic Life Support) out of a medicine
session: when it is scheduled, when its plan names who is present, and on the staff console
when a scheduled session's facilitator lapses before the day."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import Organisation, Role, User
from holdspace.accounts.services import membership_ensure, user_create
from holdspace.conftest import PASSWORD, Cast, give_licence, make_session
from holdspace.couples.models import CareTeamMember, Couple, Stage
from holdspace.facilitators.models import Credential
from holdspace.facilitators.services import facilitator_problems
from holdspace.lib.dates import day_text
from holdspace.preparation.tests.test_gate import make_ready
from holdspace.sessions.models import MedicineSession

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rooms")]

OREGON_LICENCE = "Oregon psilocybin facilitator licence"
OREGON_SOURCE = "ORS 475A"


# Helpers ------------------------------------------------------------------------------


def _post(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _put(client: Client, url: str, body: object) -> Any:
    return client.put(url, json.dumps(body), content_type="application/json")


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _at(day: dt.date) -> dt.datetime:
    """Ten in the morning on DAY, in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _licence(user: User) -> Credential:
    return Credential.objects.get(facilitator=user, kind="licence")


def _schedule(cast: Cast, day: dt.date, facilitators: list[User]) -> Any:
    return _post(
        cast.api("facilitator"),
        f"/api/v1/couples/{cast.couple.pk}/sessions",
        {"starts_at": _at(day).isoformat(), "facilitator_ids": [f.pk for f in facilitators]},
    )


def _problems(response: Any) -> dict[str, list[str]]:
    """A 422's messages by field."""
    assert response.status_code == 422, response.content
    found: dict[str, list[str]] = {}
    for problem in response.json()["detail"]:
        field = ".".join(str(part) for part in problem["loc"][2:])
        found.setdefault(field, []).append(problem["msg"])
    return found


def _staff(cast: Cast, organisation: Organisation, key: str, role: str) -> User:
    user = user_create(
        email=f"{key}@example.org", display_name=key.replace("_", " ").title(), password=PASSWORD
    )
    membership_ensure(organisation=organisation, user=user, role=role)
    TOTP.activate(user, generate_totp_secret())
    cast.people[key] = user
    return user


def _second_facilitator(cast: Cast) -> User:
    """Another facilitator on cast.couple's care team, with no licence of their own."""
    user = _staff(cast, cast.center, "second_facilitator", Role.FACILITATOR)
    CareTeamMember.objects.create(organisation=cast.center, couple=cast.couple, user=user)
    return user


def _colorado(cast: Cast) -> tuple[Organisation, Couple, User]:
    """A Colorado organisation with a couple whose facilitator holds a Colorado licence."""
    colorado = Organisation.objects.create(
        name="Boulder Healing", slug="boulder", profile="colorado-natural-medicine"
    )
    facilitator = _staff(cast, colorado, "colorado_facilitator", Role.FACILITATOR)
    couple = Couple.objects.create(organisation=colorado, name="G & H", stage=Stage.PREPARATION)
    CareTeamMember.objects.create(organisation=colorado, couple=couple, user=facilitator)
    give_licence(facilitator, colorado)
    return colorado, couple, facilitator


def _bls(user: User, organisation: Organisation, expires_on: dt.date) -> Credential:
    return Credential.objects.create(
        organisation=organisation,
        facilitator=user,
        kind="bls",
        title="American Heart Association BLS Provider",
        issued_on=expires_on - dt.timedelta(days=700),
        expires_on=expires_on,
        status="verified",
        register="AHA eCard lookup",
    )


# Scheduling -------------------------------------------------------------------------------


def test_it_schedules_a_facilitator_with_a_verified_current_licence(cast: Cast) -> None:
    make_ready(cast)
    response = _schedule(cast, _day(10), [cast.facilitator])
    assert response.status_code == 201, response.content
    assert response.json()["facilitator_ids"] == [cast.facilitator.pk]
    session = MedicineSession.objects.get()
    assert list(session.facilitators.values_list("user_id", flat=True)) == [cast.facilitator.pk]


@pytest.mark.parametrize("status", ["unverified", "expired", "suspended", "revoked"])
def test_it_refuses_to_schedule_a_facilitator_whose_licence_is_not_verified(
    cast: Cast, status: str
) -> None:
    make_ready(cast)
    Credential.objects.filter(pk=_licence(cast.facilitator).pk).update(status=status)
    day = _day(10)
    problems = _problems(_schedule(cast, day, [cast.facilitator]))
    assert list(problems) == ["facilitator_ids"]
    (message,) = problems["facilitator_ids"]
    assert message.startswith(
        f"Facilitator has no verified {OREGON_LICENCE} valid on {day_text(day)}"
    )
    assert OREGON_SOURCE in message
    assert not MedicineSession.objects.exists()


def test_it_refuses_to_schedule_a_facilitator_without_any_licence(cast: Cast) -> None:
    make_ready(cast)
    _licence(cast.facilitator).delete()
    problems = _problems(_schedule(cast, _day(10), [cast.facilitator]))
    assert OREGON_LICENCE in problems["facilitator_ids"][0]
    assert not MedicineSession.objects.exists()


def test_it_refuses_a_licence_from_another_jurisdiction_in_oregon(cast: Cast) -> None:
    make_ready(cast)
    Credential.objects.filter(pk=_licence(cast.facilitator).pk).update(jurisdiction="Colorado")
    problems = _problems(_schedule(cast, _day(10), [cast.facilitator]))
    assert OREGON_LICENCE in problems["facilitator_ids"][0]
    # The jurisdiction is matched without regard to case or spaces around it.
    Credential.objects.filter(pk=_licence(cast.facilitator).pk).update(jurisdiction=" oregon ")
    assert _schedule(cast, _day(10), [cast.facilitator]).status_code == 201


@pytest.mark.parametrize(
    ("expires_after_session", "allowed"),
    [
        (-1, False),  # expires the day before the session
        (0, False),  # expires on the day itself: expired from its expiry date on
        (1, True),  # expires the day after
    ],
)
def test_it_judges_the_licence_on_the_day_of_the_session(
    cast: Cast, expires_after_session: int, allowed: bool
) -> None:
    make_ready(cast)
    day = _day(20)
    Credential.objects.filter(pk=_licence(cast.facilitator).pk).update(
        expires_on=day + dt.timedelta(days=expires_after_session)
    )
    response = _schedule(cast, day, [cast.facilitator])
    if allowed:
        assert response.status_code == 201, response.content
    else:
        assert f"valid on {day_text(day)}" in _problems(response)["facilitator_ids"][0]
        assert not MedicineSession.objects.exists()


def test_it_refuses_a_lapsed_facilitator_on_the_web_schedule_form(cast: Cast) -> None:
    make_ready(cast)
    day = _day(12)
    Credential.objects.filter(pk=_licence(cast.facilitator).pk).update(expires_on=day)
    response = cast.client("lead").post(
        f"/couples/{cast.couple.pk}/sessions/new/",
        {
            "starts_at": _at(day).strftime("%Y-%m-%dT%H:%M"),
            "room": "Garden room",
            "facilitators": [str(cast.facilitator.pk)],
        },
    )
    assert response.status_code == 422
    assert f"Facilitator has no verified {OREGON_LICENCE} valid on {day_text(day)}" in (
        response.content.decode()
    )
    assert not MedicineSession.objects.exists()


def test_it_names_only_the_facilitator_who_may_not_serve(cast: Cast) -> None:
    second = _second_facilitator(cast)
    make_ready(cast)
    problems = _problems(_schedule(cast, _day(10), [cast.facilitator, second]))
    (message,) = problems["facilitator_ids"]
    assert message.startswith("Second Facilitator has no verified")
    give_licence(second, cast.center)
    assert _schedule(cast, _day(10), [cast.facilitator, second]).status_code == 201


# The plan ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_after_session", "status"), [(-1, 422), (0, 422), (1, 200), (365, 200)]
)
def test_it_checks_the_licence_when_the_plan_names_the_facilitators(
    cast: Cast, expires_after_session: int, status: int
) -> None:
    day = _day(15)
    session = make_session(cast, starts_at=_at(day), facilitators=[])
    Credential.objects.filter(pk=_licence(cast.facilitator).pk).update(
        expires_on=day + dt.timedelta(days=expires_after_session)
    )
    response = _put(
        cast.api("facilitator"),
        f"/api/v1/sessions/{session.pk}/plan",
        {"facilitator_ids": [cast.facilitator.pk]},
    )
    assert response.status_code == status, response.content
    present = list(session.facilitators.values_list("user_id", flat=True))
    if status == 422:
        assert f"valid on {day_text(day)}" in _problems(response)["facilitator_ids"][0]
        assert present == []
    else:
        assert response.json()["facilitator_ids"] == [cast.facilitator.pk]
        assert present == [cast.facilitator.pk]


def test_it_accepts_a_licence_from_any_jurisdiction_for_the_mdma_trial(cast: Cast) -> None:
    session = make_session(cast, couple=cast.trial_couple, starts_at=_at(_day(15)), facilitators=[])
    licence = _licence(cast.trial_facilitator)
    client = cast.api("trial_facilitator")
    url = f"/api/v1/sessions/{session.pk}/plan"
    body = {"facilitator_ids": [cast.trial_facilitator.pk]}
    Credential.objects.filter(pk=licence.pk).update(jurisdiction="California")
    assert _put(client, url, body).status_code == 200
    Credential.objects.filter(pk=licence.pk).update(status="unverified")
    problems = _problems(_put(client, url, body))
    assert "Professional licence credentialed by the trial site" in problems["facilitator_ids"][0]


def test_it_also_needs_current_basic_life_support_in_colorado(cast: Cast) -> None:
    colorado, couple, facilitator = _colorado(cast)
    day = _day(15)
    session = make_session(cast, couple=couple, starts_at=_at(day), facilitators=[])
    client = cast.api("colorado_facilitator")
    url = f"/api/v1/sessions/{session.pk}/plan"
    body = {"facilitator_ids": [facilitator.pk]}

    (message,) = _problems(_put(client, url, body))["facilitator_ids"]
    assert "Basic Life Support" in message
    assert "licence" not in message

    bls = _bls(facilitator, colorado, day - dt.timedelta(days=1))
    assert "Basic Life Support" in _problems(_put(client, url, body))["facilitator_ids"][0]

    Credential.objects.filter(pk=bls.pk).update(expires_on=day + dt.timedelta(days=1))
    assert _put(client, url, body).status_code == 200, "a licence and current BLS suffice"


@pytest.mark.parametrize(
    ("profile", "jurisdiction", "bls", "expected"),
    [
        ("oregon-psilocybin", "Oregon", False, []),
        ("oregon-psilocybin", "Colorado", False, ["licence"]),
        ("oregon-psilocybin", None, False, ["licence"]),
        ("colorado-natural-medicine", "Colorado", True, []),
        ("colorado-natural-medicine", "Colorado", False, ["Basic Life Support"]),
        ("colorado-natural-medicine", "Oregon", True, ["licence"]),
        ("colorado-natural-medicine", None, False, ["licence", "Basic Life Support"]),
        ("mdma-clinical-trial", "California", False, []),
        ("mdma-clinical-trial", "Oregon", False, []),
        ("mdma-clinical-trial", None, False, ["licence"]),
    ],
)
def test_it_applies_each_profiles_requirements(
    cast: Cast, profile: str, jurisdiction: str | None, bls: bool, expected: list[str]
) -> None:
    organisation = Organisation.objects.create(name=profile, slug=profile, profile=profile)
    user = _staff(cast, organisation, "someone", Role.FACILITATOR)
    day = _day(30)
    if jurisdiction is not None:
        Credential.objects.filter(pk=give_licence(user, organisation).pk).update(
            jurisdiction=jurisdiction
        )
    if bls:
        _bls(user, organisation, day + dt.timedelta(days=1))
    found = facilitator_problems(organisation=organisation, user_ids=[user.pk], on=day)[user.pk]
    assert len(found) == len(expected), found
    for message, words in zip(found, expected, strict=True):
        assert words in message


def test_it_ignores_a_licence_held_in_another_organisation(cast: Cast) -> None:
    """The trial's licence of a facilitator who also works at the center does not count there."""
    membership_ensure(organisation=cast.trial, user=cast.facilitator, role=Role.FACILITATOR)
    Credential.objects.filter(pk=_licence(cast.facilitator).pk).update(organisation=cast.trial)
    found = facilitator_problems(
        organisation=cast.center, user_ids=[cast.facilitator.pk], on=_day(5)
    )
    assert len(found[cast.facilitator.pk]) == 1


# The console ------------------------------------------------------------------------------

AT_RISK = "credentials lapse before the day"


def test_it_flags_a_scheduled_session_whose_facilitator_lapses_before_the_day(
    cast: Cast,
) -> None:
    day = _day(20)
    make_session(cast, starts_at=_at(day))
    for who in ("lead", "facilitator", "admin"):
        assert AT_RISK not in cast.client(who).get("/console/").content.decode(), who

    Credential.objects.filter(pk=_licence(cast.facilitator).pk).update(
        expires_on=day - dt.timedelta(days=1)
    )
    for who in ("lead", "facilitator"):
        page = cast.client(who).get("/console/")
        assert page.status_code == 200
        html = page.content.decode()
        assert AT_RISK in html, who
        panel = html[html.index(AT_RISK) :]
        panel = panel[: panel.index("</section>")]
        assert "A &amp; B" in panel
        assert f"valid on {day_text(day)}" in panel
    admin = cast.client("admin").get("/console/")
    assert admin.status_code == 200
    assert AT_RISK not in admin.content.decode()


def test_it_does_not_flag_sessions_already_past_or_not_scheduled(cast: Cast) -> None:
    past = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=3))
    future = make_session(cast, starts_at=_at(_day(20)))
    MedicineSession.objects.filter(pk=future.pk).update(status="cancelled")
    _licence(cast.facilitator).delete()
    assert past.status == "scheduled"
    assert AT_RISK not in cast.client("lead").get("/console/").content.decode()


def test_it_shows_a_facilitator_only_the_at_risk_sessions_of_their_own_couples(
    cast: Cast,
) -> None:
    day = _day(20)
    make_session(cast, couple=cast.other_couple, facilitators=[cast.other_facilitator])
    MedicineSession.objects.filter(couple=cast.other_couple).update(starts_at=_at(day))
    Credential.objects.filter(pk=_licence(cast.other_facilitator).pk).update(
        expires_on=day - dt.timedelta(days=1)
    )
    assert "C &amp; D" in cast.client("lead").get("/console/").content.decode()
    assert "C &amp; D" in cast.client("other_facilitator").get("/console/").content.decode()
    html = cast.client("facilitator").get("/console/").content.decode()
    assert "C &amp; D" not in html
    assert AT_RISK not in html
