"""The accounts part of the privacy matrix (policy/accounts.py): every person of the cast
against where they land, inviting people (adding a couple with its two invitations), the
organisation's settings, the Team page and its API, the rooms, and what their API token
reaches, on both organisations."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import ApiToken, Invitation, Membership, Organisation, Room
from holdspace.accounts.services import user_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.models import Couple

pytestmark = pytest.mark.django_db

NEW_COUPLE = {
    "name": "Kai & Noa",
    "partner_a_name": "Kai",
    "partner_a_email": "kai@example.org",
    "partner_b_name": "Noa",
    "partner_b_email": "noa@example.org",
}

# who: (where "/" sends them, adding a couple at the Center, at the Trial,
#       the Center's settings page, the Center's profile, the Center's time zone)
ACCOUNTS: dict[str, tuple[str, int, int, int, int, int]] = {
    "partner_a": ("portal", 404, 404, 403, 403, 403),
    "partner_b": ("portal", 404, 404, 403, 403, 403),
    "partner_c": ("portal", 404, 404, 403, 403, 403),
    "partner_d": ("portal", 404, 404, 403, 403, 403),
    "facilitator": ("today", 404, 403, 403, 403, 403),
    "other_facilitator": ("today", 404, 403, 403, 403, 403),
    "lead": ("today", 302, 403, 200, 302, 403),
    "admin": ("today", 302, 403, 200, 302, 302),
    "researcher": ("", 404, 404, 403, 403, 403),
    "trial_facilitator": ("today", 403, 404, 403, 403, 403),
    "trial_partner_a": ("portal", 404, 404, 403, 403, 403),
    "trial_partner_b": ("portal", 404, 404, 403, 403, 403),
}


@pytest.mark.parametrize("who", sorted(ACCOUNTS))
def test_it_lands_invites_and_changes_settings_only_as_the_policy_allows(
    cast: Cast, who: str
) -> None:
    landing, add_center, add_trial, settings_page, profile, zone = ACCOUNTS[who]
    web = cast.client(who)
    home = web.get("/")
    if landing:
        assert home["Location"] == f"/{landing}/"
    else:
        assert home.status_code == 200  # the calm "nothing to show here yet"

    center = web.post(
        f"/console/couples/new/?org={cast.center.pk}",
        {**NEW_COUPLE, "facilitators": [str(cast.facilitator.pk)]},
    )
    assert center.status_code == add_center
    trial = web.post(
        f"/console/couples/new/?org={cast.trial.pk}",
        {
            **NEW_COUPLE,
            "name": "Trial pair",
            "partner_a_email": "t1@example.org",
            "facilitators": [str(cast.trial_facilitator.pk)],
        },
    )
    assert trial.status_code == add_trial
    created = 1 if add_center == 302 else 0
    assert Couple.objects.filter(name="Kai & Noa").count() == created
    assert Invitation.objects.count() == 2 * created
    assert not Couple.objects.filter(name="Trial pair").exists()

    assert web.get(f"/organisation/?org={cast.center.pk}").status_code == settings_page
    changed = web.post(
        f"/organisation/?org={cast.center.pk}", {"profile": "general-therapy", "confirm": "1"}
    )
    assert changed.status_code == profile
    moved = web.post(
        f"/organisation/time-zone?org={cast.center.pk}", {"time_zone": "America/Boise"}
    )
    assert moved.status_code == zone
    center_now = Organisation.objects.get(pk=cast.center.pk)
    assert (center_now.profile == "general-therapy") == (profile == 302)
    assert (center_now.time_zone == "America/Boise") == (zone == 302)
    # Every refusal is in the Center's or the Trial's chain, never in no organisation's.
    assert not AuditEvent.objects.filter(action="access.denied", organisation_id=None).exists()


@pytest.mark.parametrize("who", sorted(ACCOUNTS))
def test_it_lets_an_api_token_act_as_its_person_only_until_revoked(cast: Cast, who: str) -> None:
    api = cast.api(who)
    me = api.get("/api/v1/me")
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == cast.people[who].email
    organisation = cast.trial if who.startswith("trial") else cast.center
    assert [m["organisation_id"] for m in body["memberships"]] == [organisation.pk]
    ApiToken.objects.filter(user=cast.people[who]).update(revoked_at=timezone.now())
    assert api.get("/api/v1/me").status_code == 401
    assert Client(headers={"Authorization": "Bearer hs_made-up"}).get("/api/v1/me").status_code == (
        401
    )


def test_it_audits_the_refusals_of_someone_of_no_organisation_in_the_one_asked_about(
    cast: Cast,
) -> None:
    stranger = user_create(email="nobody@example.org", display_name="Nobody", password=None)
    web = Client()
    web.force_login(stranger, backend="django.contrib.auth.backends.ModelBackend")
    assert web.get(f"/organisation/?org={cast.center.pk}").status_code == 403
    assert web.get(f"/console/?org={cast.trial.pk}").status_code == 404
    assert web.get(f"/console/outbox/?org={cast.trial.pk}").status_code == 404
    assert web.get("/organisation/?org=999999").status_code == 403
    chains = list(
        AuditEvent.objects.filter(action="access.denied", actor_id=stranger.pk)
        .order_by("created_at", "id")
        .values_list("organisation_id", flat=True)
    )
    # The organisation asked about when it exists; no organisation only when none does.
    assert chains == [cast.center.pk, cast.trial.pk, cast.trial.pk, None]


# The team and the rooms (policy/team.py) -------------------------------------------------

_ADMIN = ("admin",)
_CENTER_STAFF = ("admin", "lead", "facilitator", "other_facilitator", "researcher")


def _team_expected(who: str, allowed: tuple[str, ...], ok: int) -> int:
    """OK for those ALLOWED; 403 for the Center's other staff; 404 for everyone else."""
    if who in allowed:
        return ok
    return 403 if who in _CENTER_STAFF else 404


@pytest.mark.parametrize("who", sorted(ACCOUNTS))
def test_it_lets_only_the_org_admin_manage_the_team_on_the_web(cast: Cast, who: str) -> None:
    Invitation.objects.all().delete()
    staff = cast.client("admin").post(
        f"/organisation/team/invite?org={cast.center.pk}",
        {"email": "waiting@example.org", "role": "researcher"},
    )
    assert staff.status_code == 302
    invitation = Invitation.objects.get(email="waiting@example.org")
    # The trail is append-only (PostgreSQL refuses a DELETE): look only past this event.
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    web = cast.client(who)
    admin = who == "admin"
    org = f"?org={cast.center.pk}"
    assert web.get(f"/organisation/team/{org}").status_code == (200 if admin else 403)
    invited = web.post(
        f"/organisation/team/invite{org}", {"email": "robin@example.org", "role": "facilitator"}
    )
    assert invited.status_code == (302 if admin else 403)
    assert Invitation.objects.filter(email="robin@example.org").exists() == admin
    target = Membership.objects.get(user=cast.facilitator)
    off = web.post(f"/organisation/team/members/{target.pk}/deactivate")
    assert off.status_code == _team_expected(who, _ADMIN, 302)
    target.refresh_from_db()
    assert (target.deactivated_at is not None) == admin
    resent = web.post(f"/organisation/team/invitations/{invitation.pk}/resend")
    assert resent.status_code == _team_expected(who, _ADMIN, 302)
    revoked = web.post(f"/organisation/team/invitations/{invitation.pk}/revoke")
    assert revoked.status_code == _team_expected(who, _ADMIN, 302)
    invitation.refresh_from_db()
    assert (invitation.revoked_at is not None) == admin
    room = web.post(f"/organisation/rooms{org}", {"name": "Cedar room"})
    assert room.status_code == (302 if admin else 403)
    assert Room.objects.filter(name="Cedar room").exists() == admin
    assert not AuditEvent.objects.filter(
        pk__gt=mark, action="access.denied", organisation_id=None
    ).exists()


@pytest.mark.parametrize("who", sorted(ACCOUNTS))
def test_it_lets_only_the_org_admin_manage_the_team_through_the_api(cast: Cast, who: str) -> None:
    made = cast.api("admin").post(
        "/api/v1/organisation/members",
        json.dumps({"email": "waiting@example.org", "role": "researcher"}),
        content_type="application/json",
    )
    assert made.status_code == 201
    invitation_id = made.json()["id"]
    api = cast.api(who)
    which = f"?organisation_id={cast.center.pk}"

    def post(path: str, body: object) -> int:
        answer = api.post(path, json.dumps(body), content_type="application/json")
        return int(answer.status_code)

    assert api.get(f"/api/v1/organisation/members{which}").status_code == _team_expected(
        who, _ADMIN, 200
    )
    assert post(
        f"/api/v1/organisation/members{which}",
        {"email": "robin@example.org", "role": "facilitator"},
    ) == _team_expected(who, _ADMIN, 201)
    target = Membership.objects.get(user=cast.facilitator)
    assert post(f"/api/v1/organisation/members/{target.pk}/deactivate", {}) == (
        _team_expected(who, _ADMIN, 200)
    )
    assert post(f"/api/v1/organisation/members/{target.pk}/reactivate", {}) == (
        _team_expected(who, _ADMIN, 200)
    )
    assert post(f"/api/v1/organisation/invitations/{invitation_id}/resend", {}) == (
        _team_expected(who, _ADMIN, 200)
    )
    assert post(f"/api/v1/organisation/invitations/{invitation_id}/revoke", {}) == (
        _team_expected(who, _ADMIN, 200)
    )
    assert api.get(f"/api/v1/organisation/rooms{which}").status_code == _team_expected(
        who, _CENTER_STAFF, 200
    )
    assert post(f"/api/v1/organisation/rooms{which}", {"name": "Cedar room"}) == (
        _team_expected(who, _ADMIN, 201)
    )
    assert Room.objects.filter(name="Cedar room").exists() == (who == "admin")
    assert Invitation.objects.filter(email="robin@example.org").exists() == (who == "admin")
    assert not AuditEvent.objects.filter(action="access.denied", organisation_id=None).exists()


@pytest.mark.parametrize("who", ["admin", "lead", "facilitator", "partner_a", "trial_facilitator"])
def test_it_links_the_team_page_for_org_admins_only(cast: Cast, who: str) -> None:
    page = cast.client(who).get("/organisation/team/" if who == "admin" else "/console/")
    assert ('href="/organisation/team/"' in page.content.decode()) == (who == "admin")
