"""Who may read and write screenings, preparation and scheduling, as a matrix: every person of
the cast × their own couple, another couple of the same organisation, and a couple of another
organisation. A refusal is a 403 (sees the couple, may not do this) or a 404 (may not see it),
and saves nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, joined_before
from holdspace.couples.models import Couple
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.models import PartnerForm, PreparationSession
from holdspace.preparation.tests.test_gate import ALL_NO, make_ready
from holdspace.screening.models import Screening, ScreeningOverride
from holdspace.screening.rules import rule_set
from holdspace.screening.services import screening_submit
from holdspace.sessions.models import MedicineSession

pytestmark = pytest.mark.django_db

COUPLES = ("couple", "other_couple", "trial_couple")
# Whose records are at stake in each couple (partner A of cast.couple, and its counterparts).
TARGET = {"couple": "partner_a", "other_couple": "partner_c", "trial_couple": "trial_partner_a"}
OTHER_PARTNER = {
    "couple": "partner_b",
    "other_couple": "partner_d",
    "trial_couple": "trial_partner_b",
}
TEAM = {
    "couple": "facilitator",
    "other_couple": "other_facilitator",
    "trial_couple": "trial_facilitator",
}
ORGANISATION = {"couple": "center", "other_couple": "center", "trial_couple": "trial"}
SUBSTANCE = {"couple": "psilocybin", "other_couple": "psilocybin", "trial_couple": "mdma"}
ROLES = {
    "partner_a": "partner",
    "partner_b": "partner",
    "partner_c": "partner",
    "partner_d": "partner",
    "facilitator": "facilitator",
    "other_facilitator": "facilitator",
    "lead": "lead",
    "admin": "admin",
    "researcher": "researcher",
    "trial_facilitator": "facilitator",
    "trial_partner_a": "partner",
    "trial_partner_b": "partner",
}
# What each relation to the couple gets, per operation. "stranger": a partner or facilitator of
# another couple, or anyone of another organisation.
EXPECTED: dict[str, dict[str, int]] = {
    #                 self  other partner  team  lead  admin  researcher  stranger
    "readiness web": dict(self=200, other_partner=200, team=200, lead=200, admin=403),
    "readiness api": dict(self=200, other_partner=200, team=200, lead=200, admin=403),
    "screening submit": dict(self=201, other_partner=403, team=201, lead=201, admin=403),
    # A screening is the partner's and the care team's record; the findings page is the care
    # team's, so a partner (even the one it belongs to) and the admin meet a missing record.
    "screening detail": dict(self=404, other_partner=404, team=200, lead=200, admin=404),
    "screening override": dict(self=404, other_partner=404, team=403, lead=302, admin=404),
    "preparation record": dict(self=403, other_partner=403, team=302, lead=302, admin=403),
    "form submit": dict(self=302, other_partner=403, team=302, lead=302, admin=403),
    # Allowed callers book: the couple is not ready, so the session is tentative (test_gate).
    "schedule": dict(self=403, other_partner=403, team=201, lead=201, admin=403),
}
for _row in EXPECTED.values():
    _row.update(researcher=404, stranger=404)

# The one table each operation may write to when it succeeds.
WRITES: dict[str, type[Model] | None] = {
    "readiness web": None,
    "readiness api": None,
    "screening submit": Screening,
    "screening detail": None,
    "screening override": ScreeningOverride,
    "preparation record": PreparationSession,
    "form submit": PartnerForm,
    "schedule": MedicineSession,
}
RECORDS: tuple[type[Model], ...] = (
    Screening,
    ScreeningOverride,
    PreparationSession,
    PartnerForm,
    MedicineSession,
)


def relation(who: str, couple_key: str) -> str:
    if who == TARGET[couple_key]:
        return "self"
    if who == OTHER_PARTNER[couple_key]:
        return "other_partner"
    if who == TEAM[couple_key]:
        return "team"
    if ORGANISATION[couple_key] == "center" and ROLES[who] in {"lead", "admin", "researcher"}:
        return ROLES[who]
    return "stranger"


def _post(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in RECORDS}


def _screen_target(cast: Cast, couple_key: str) -> Screening:
    """The care team enters the target partner's screening, with a support note nobody else
    should read."""
    couple: Couple = getattr(cast, couple_key)
    team = cast.viewer(TEAM[couple_key])
    return screening_submit(
        viewer=team,
        couple=get_couple_for(team, couple.pk),
        partner_id=cast.people[TARGET[couple_key]].pk,
        substance=SUBSTANCE[couple_key],
        medications=["Sertraline 50 mg"],
        answers=ALL_NO,
        support_notes=f"secret note of {TARGET[couple_key]}",
    )


def _attempt(
    cast: Cast,
    clients: tuple[Client, Client],
    couple_key: str,
    operation: str,
    screening: Screening,
) -> Any:
    couple: Couple = getattr(cast, couple_key)
    target = cast.people[TARGET[couple_key]]
    web, api = clients
    if operation == "readiness web":
        return web.get(f"/couples/{couple.pk}/readiness/")
    if operation == "readiness api":
        return api.get(f"/api/v1/couples/{couple.pk}/readiness")
    if operation == "screening submit":
        return _post(
            api,
            f"/api/v1/couples/{couple.pk}/screenings",
            {"substance": SUBSTANCE[couple_key], "partner_id": target.pk, "answers": ALL_NO},
        )
    if operation == "screening detail":
        return web.get(f"/couples/{couple.pk}/screenings/{screening.pk}/")
    if operation == "screening override":
        return web.post(
            f"/couples/{couple.pk}/screenings/{screening.pk}/override",
            {"decision": "eligible", "reason": "Stable dose, prescriber agrees."},
        )
    if operation == "preparation record":
        held_at = timezone.now() - dt.timedelta(days=3)
        joined_before(couple, held_at)
        return web.post(
            f"/couples/{couple.pk}/preparation/new/",
            {
                "kind": "private",
                "partner": str(target.pk),
                "held_at": held_at.strftime("%Y-%m-%dT%H:%M"),
                "facilitator": str(cast.people[TEAM[couple_key]].pk),
                "notes": "Went well.",
            },
        )
    if operation == "form submit":
        return web.post(
            f"/couples/{couple.pk}/partners/{target.pk}/forms/safety_plan/",
            {"warning_signs": "Quiet.", "what_helps": "Tea.", "support_people": "Kim."},
        )
    assert operation == "schedule"
    starts_at = timezone.now() + dt.timedelta(days=7)
    present = [cast.people[TEAM[couple_key]].pk]
    body = {"starts_at": starts_at.isoformat(), "facilitator_ids": present}
    return _post(api, f"/api/v1/couples/{couple.pk}/sessions", body)


def test_it_meets_every_relation_to_a_couple_in_the_matrix() -> None:
    met = {relation(who, key) for who in ROLES for key in COUPLES}
    assert met == set(EXPECTED["schedule"])
    assert {relation(who, "trial_couple") for who in ("lead", "admin", "researcher")} == {
        "stranger"
    }


@pytest.mark.parametrize("who", sorted(ROLES))
def test_it_lets_each_person_do_exactly_what_the_policy_allows(cast: Cast, who: str) -> None:
    screenings = {key: _screen_target(cast, key) for key in COUPLES}
    clients = (cast.client(who), cast.api(who))
    problems: list[str] = []
    for couple_key in COUPLES:
        rel = relation(who, couple_key)
        for operation, expected_by_relation in EXPECTED.items():
            expected = expected_by_relation[rel]
            before = _counts()
            response = _attempt(cast, clients, couple_key, operation, screenings[couple_key])
            after = _counts()
            where = f"{operation} on {couple_key} as {rel}"
            if response.status_code != expected:
                problems.append(f"{where}: {response.status_code}, want {expected}")
            written = WRITES[operation]
            ok = response.status_code in {200, 201, 302}
            want = dict(before)
            if ok and written is not None:
                want[written.__name__] += 1
            if after != want:
                problems.append(f"{where}: records {before} -> {after}")
            if not ok:
                text = response.content.decode()
                if f"secret note of {TARGET[couple_key]}" in text:
                    problems.append(f"{where}: the refusal shows the screening")
    assert problems == []


@pytest.mark.parametrize("who", ["partner_b", "admin", "researcher", "other_facilitator"])
def test_it_never_shows_partner_as_screening_to_anyone_outside_her_care_team(
    cast: Cast, who: str
) -> None:
    screening = _screen_target(cast, "couple")
    secret = "secret note of partner_a"
    web, api = cast.client(who), cast.api(who)
    couple_id, a = cast.couple.pk, cast.partner_a.pk
    pages = [
        web.get(f"/couples/{couple_id}/"),
        web.get(f"/couples/{couple_id}/readiness/"),
        web.get(f"/couples/{couple_id}/screenings/{screening.pk}/"),
        web.get(f"/couples/{couple_id}/partners/{a}/screening/"),
        web.get(f"/couples/{couple_id}/partners/{a}/forms/safety_plan/"),
        api.get(f"/api/v1/couples/{couple_id}/readiness"),
    ]
    for page in pages:
        text = page.content.decode()
        assert secret not in text
        assert "Sertraline" not in text
        assert "reuptake" not in text
    # The screening and form pages of partner A are closed to them.
    assert {p.status_code for p in pages[2:5]} <= {403, 404}


def test_it_shows_a_partner_only_their_own_readiness(cast: Cast) -> None:
    make_ready(cast, skip=[("partner_b", "form:safety_plan")])
    body = cast.api("partner_b").get(f"/api/v1/couples/{cast.couple.pk}/readiness").json()
    assert [p["partner_id"] for p in body["partners"]] == [cast.partner_b.pk]
    assert [i["code"] for i in body["partners"][0]["items"] if not i["done"]] == [
        "form:safety_plan"
    ]
    assert body["ready"] is False
    # Partner A is ready, and only she learns it.
    assert cast.api("partner_a").get(f"/api/v1/couples/{cast.couple.pk}/readiness").json()["ready"]

    html = cast.client("partner_b").get(f"/couples/{cast.couple.pk}/readiness/").content.decode()
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html, flags=re.S)
    assert any("Partner B" in h for h in headings)
    assert not any("Partner A" in h for h in headings)
    assert f'id="rp-{cast.partner_a.pk}"' not in html
    assert f"/partners/{cast.partner_a.pk}/" not in html
    assert "Partner A" not in html  # not even her private preparation session


@pytest.mark.parametrize("who", ["facilitator", "lead"])
def test_it_lets_the_care_team_schedule_a_ready_couple(cast: Cast, who: str) -> None:
    make_ready(cast)
    starts_at = timezone.now() + dt.timedelta(days=7)
    response = _post(
        cast.api(who),
        f"/api/v1/couples/{cast.couple.pk}/sessions",
        {"starts_at": starts_at.isoformat(), "facilitator_ids": [cast.facilitator.pk]},
    )
    assert response.status_code == 201, response.content
    assert MedicineSession.objects.get().scheduled_by == cast.people[who]


@pytest.mark.parametrize("who", ["partner_a", "partner_b", "admin"])
def test_it_checks_the_callers_role_before_the_gate_and_the_input(cast: Cast, who: str) -> None:
    make_ready(cast)
    url = f"/api/v1/couples/{cast.couple.pk}/sessions"
    api = cast.api(who)
    ready = (timezone.now() + dt.timedelta(days=7)).isoformat()
    past = (timezone.now() - dt.timedelta(days=7)).isoformat()
    assert _post(api, url, {"starts_at": ready}).status_code == 403
    assert _post(api, url, {"starts_at": past, "substance": "mdma"}).status_code == 403
    web = cast.client(who).post(
        f"/couples/{cast.couple.pk}/sessions/new/",
        {"starts_at": (timezone.now() + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")},
    )
    assert web.status_code == 403
    assert not MedicineSession.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk).count()


def test_it_refuses_the_other_partners_screening_form_on_the_web(cast: Cast) -> None:
    url = f"/couples/{cast.couple.pk}/partners/{cast.partner_a.pk}/screening/"
    data = {
        "substance": "psilocybin",
        "date_of_birth": "1985-04-23",
        **{f"q_{code}": "no" for code in rule_set().questions},
    }
    client = cast.client("partner_b")
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert not Screening.objects.exists()
    assert cast.client("partner_a").post(url, data).status_code == 200
    assert Screening.objects.get().partner == cast.partner_a


@pytest.mark.parametrize(
    "who",
    [
        "partner_a",
        "partner_b",
        "admin",
        "other_facilitator",
    ],
)
def test_it_audits_every_refused_look_at_a_screening(cast: Cast, who: str) -> None:
    screening = _screen_target(cast, "couple")
    url = f"/couples/{cast.couple.pk}/screenings/{screening.pk}/"
    assert cast.client(who).get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", actor_id=cast.people[who].pk, couple_id=cast.couple.pk
    ).exists()
