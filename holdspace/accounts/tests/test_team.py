"""The Team page and /api/v1/organisation/members: an org admin invites staff, resends and
revokes their invitations, deactivates and reactivates them; a deactivated member is signed out
at once, cannot sign in, and keeps their records; every change is audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from holdspace.accounts.models import ApiToken, Invitation, Membership, Role, Room
from holdspace.accounts.services import (
    invitation_create,
    member_deactivate,
    staff_invite,
    user_create,
)
from holdspace.audit.models import AuditEvent
from holdspace.conftest import PASSWORD, Cast, make_entry
from holdspace.couples.models import Entry
from holdspace.policy.core import Viewer

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _membership(cast: Cast, who: str) -> Membership:
    return Membership.objects.get(user=cast.people[who])


def test_it_lists_members_with_role_mfa_last_sign_in_and_pending_invitations(
    cast: Cast,
) -> None:
    web = cast.client("admin")
    assert (
        web.post(
            "/organisation/team/invite",
            {"email": "robin@example.org", "role": "facilitator", "display_name": "Robin"},
        ).status_code
        == 302
    )
    page = web.get("/organisation/team/").content.decode()
    for text in ("Facilitator", "Clinical lead", "Researcher", "lead@example.org", "set up"):
        assert text in page
    assert "partner_a@example.org" not in page  # partners are not the team
    assert "robin@example.org" in page and "Pending invitations" in page
    assert "never" in page  # nobody of the cast has signed in with a password


def test_it_invites_a_facilitator_from_the_team_page_and_they_join(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        answer = cast.client("admin").post(
            "/organisation/team/invite", {"email": " Robin@Example.org ", "role": "facilitator"}
        )
    assert answer.status_code == 302
    invitation = Invitation.objects.get(email="robin@example.org")
    assert (invitation.role, invitation.display_name, invitation.invited_by) == (
        Role.FACILITATOR,
        "robin",
        cast.admin,
    )
    link = mail.outbox[-1].body.split("http://127.0.0.1:8000")[1].split()[0]
    assert (
        Client().post(link, {"password": PASSWORD, "password_again": PASSWORD}).status_code == 302
    )
    assert Membership.objects.get(user__email="robin@example.org").role == Role.FACILITATOR


@pytest.mark.parametrize(
    ("form", "field_error"),
    [
        ({"email": "robin", "role": "facilitator"}, "Enter an e-mail address"),
        ({"email": "robin@example.org", "role": "partner"}, "Select a valid choice"),
        ({"email": "robin@example.org", "role": "wizard"}, "Select a valid choice"),
        ({"email": "lead@example.org", "role": "facilitator"}, "already a member"),
    ],
)
def test_it_keeps_what_was_typed_when_an_invitation_is_refused(
    cast: Cast, form: dict[str, str], field_error: str
) -> None:
    answer = cast.client("admin").post(
        "/organisation/team/invite", {**form, "display_name": "Robin Typed"}
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert field_error in page
    assert 'value="Robin Typed"' in page
    assert not Invitation.objects.exists()


def test_it_resends_and_revokes_a_staff_invitation_from_the_team_page(cast: Cast) -> None:
    web = cast.client("admin")
    web.post("/organisation/team/invite", {"email": "robin@example.org", "role": "researcher"})
    invitation = Invitation.objects.get()
    old_digest = invitation.digest
    assert web.post(f"/organisation/team/invitations/{invitation.pk}/resend").status_code == 302
    invitation.refresh_from_db()
    assert invitation.digest != old_digest
    assert web.post(f"/organisation/team/invitations/{invitation.pk}/revoke").status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    # Revoked twice: said calmly, nothing changes.
    again = web.post(f"/organisation/team/invitations/{invitation.pk}/revoke", follow=True)
    assert "This invitation was revoked." in again.content.decode()
    assert "robin@example.org" not in web.get("/organisation/team/").content.decode()
    actions = list(
        AuditEvent.objects.filter(action__startswith="invitation.").values_list("action", flat=True)
    )
    assert actions == ["invitation.create", "invitation.resend", "invitation.revoke"]


def test_it_no_longer_lets_a_clinical_lead_invite_staff_but_still_partners(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        invitation_create(
            viewer=cast.viewer("lead"),
            organisation=cast.center,
            email="staff@example.org",
            display_name="Staff",
            role=Role.FACILITATOR,
        )
    cast.couple.partners.filter(slot="b").delete()
    invitation, _link = invitation_create(
        viewer=cast.viewer("lead"),
        organisation=cast.center,
        email="new@example.org",
        display_name="New",
        couple=cast.couple,
    )
    assert invitation.role == Role.PARTNER


# Deactivation ---------------------------------------------------------------------------


def test_it_signs_a_deactivated_member_out_at_once_and_keeps_their_records(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.facilitator, "team", "a note by the facilitator")
    facilitator_web = cast.client("facilitator")
    facilitator_api = cast.api("facilitator")
    assert facilitator_web.get("/console/").status_code == 200
    assert facilitator_api.get(f"/api/v1/couples/{cast.couple.pk}").status_code == 200

    answer = cast.client("admin").post(
        f"/organisation/team/members/{_membership(cast, 'facilitator').pk}/deactivate"
    )
    assert answer.status_code == 302

    # The next request signs them out, with the reason.
    out = facilitator_web.get("/console/")
    assert (out.status_code, out["Location"]) == (302, "/accounts/login/")
    login_page = facilitator_web.get("/accounts/login/").content.decode()
    assert "deactivated by your organisation" in login_page
    assert facilitator_web.get("/console/")["Location"].startswith("/accounts/login/")
    # Their token no longer reaches the organisation.
    assert facilitator_api.get(f"/api/v1/couples/{cast.couple.pk}").status_code == 404
    # Records and authorship are kept.
    assert Entry.objects.get(pk=entry.pk).author == cast.facilitator
    page = cast.client("lead").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "a note by the facilitator" in page
    event = AuditEvent.objects.get(action="member.deactivate")
    assert (event.actor_id, event.detail["user"]) == (cast.admin.pk, cast.facilitator.pk)


def test_it_refuses_a_deactivated_member_signing_in_with_the_reason(cast: Cast) -> None:
    web = Client()
    cast.client("admin").post(
        f"/organisation/team/members/{_membership(cast, 'researcher').pk}/deactivate"
    )
    refused = web.post(
        "/accounts/login/", {"login": "researcher@example.org", "password": PASSWORD}
    )
    assert refused.status_code == 200
    assert "deactivated by your organisation" in refused.content.decode()
    assert "_auth_user_id" not in web.session
    # A wrong password learns nothing about the deactivation.
    wrong = web.post("/accounts/login/", {"login": "researcher@example.org", "password": "nope"})
    assert "deactivated" not in wrong.content.decode()

    cast.client("admin").post(
        f"/organisation/team/members/{_membership(cast, 'researcher').pk}/reactivate"
    )
    back = web.post("/accounts/login/", {"login": "researcher@example.org", "password": PASSWORD})
    assert back.status_code == 302
    assert AuditEvent.objects.filter(action="member.reactivate").count() == 1


def test_it_keeps_a_member_of_another_organisation_signed_in_there(cast: Cast) -> None:
    Membership.objects.create(
        organisation=cast.trial, user=cast.other_facilitator, role=Role.FACILITATOR
    )
    web = cast.client("other_facilitator")
    cast.client("admin").post(
        f"/organisation/team/members/{_membership_in(cast, 'other_facilitator').pk}/deactivate"
    )
    assert web.get(f"/console/?org={cast.trial.pk}").status_code == 200
    assert web.get(f"/couples/{cast.other_couple.pk}/").status_code == 404


def _membership_in(cast: Cast, who: str) -> Membership:
    return Membership.objects.get(user=cast.people[who], organisation=cast.center)


def test_it_never_deactivates_oneself(cast: Cast) -> None:
    admin = _membership(cast, "admin")
    answer = cast.client("admin").post(
        f"/organisation/team/members/{admin.pk}/deactivate", follow=True
    )
    assert "You cannot deactivate yourself" in answer.content.decode()
    refused = cast.api("admin").post(f"/api/v1/organisation/members/{admin.pk}/deactivate")
    assert refused.status_code == 422
    assert _membership(cast, "admin").deactivated_at is None


def test_it_lets_one_of_two_org_admins_deactivate_the_other(cast: Cast) -> None:
    admin = _membership(cast, "admin")
    Membership.objects.filter(pk=_membership(cast, "lead").pk).update(role=Role.ORG_ADMIN)
    first = cast.api("lead").post(f"/api/v1/organisation/members/{admin.pk}/deactivate")
    assert first.status_code == 200 and first.json()["active"] is False
    # Deactivating again changes nothing and is not audited twice.
    again = cast.api("lead").post(f"/api/v1/organisation/members/{admin.pk}/deactivate")
    assert again.status_code == 200
    assert AuditEvent.objects.filter(action="member.deactivate").count() == 1


def test_it_refuses_to_deactivate_the_last_active_org_admin(cast: Cast) -> None:
    Membership.objects.filter(pk=_membership(cast, "lead").pk).update(role=Role.ORG_ADMIN)
    Membership.objects.filter(pk=_membership(cast, "admin").pk).update(
        deactivated_at=_membership(cast, "admin").created_at
    )
    # The lead (now the only active org admin) cannot be deactivated by anyone left: the
    # service itself refuses it, whoever asks.
    stand_in = Viewer(user=cast.admin, roles={cast.center.pk: Role.ORG_ADMIN})
    with pytest.raises(ValidationError, match="last active org admin"):
        member_deactivate(viewer=stand_in, membership=_membership(cast, "lead"))
    assert _membership(cast, "lead").deactivated_at is None


# The API ----------------------------------------------------------------------------------


def test_it_invites_through_the_api_with_201_409_and_422(cast: Cast) -> None:
    api = cast.api("admin")
    made = _post(
        api,
        "/api/v1/organisation/members",
        {"email": "robin@example.org", "role": "clinical_lead", "display_name": "Robin"},
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["email"], body["role"], body["organisation_id"]) == (
        "robin@example.org",
        "clinical_lead",
        cast.center.pk,
    )
    again = _post(
        api, "/api/v1/organisation/members", {"email": "robin@example.org", "role": "facilitator"}
    )
    assert again.status_code == 409
    assert "already invited" in again.json()["detail"]
    member = _post(
        api, "/api/v1/organisation/members", {"email": "lead@example.org", "role": "facilitator"}
    )
    assert member.status_code == 409
    Membership.objects.filter(user=cast.researcher).update(deactivated_at=cast.center.created_at)
    gone = _post(
        api,
        "/api/v1/organisation/members",
        {"email": "researcher@example.org", "role": "researcher"},
    )
    assert gone.status_code == 409 and "deactivated member" in gone.json()["detail"]
    bad = _post(api, "/api/v1/organisation/members", {"email": "x@example.org", "role": "wizard"})
    assert bad.status_code == 422
    assert [p["loc"][-1] for p in bad.json()["detail"]] == ["role"]
    both = _post(api, "/api/v1/organisation/members", {"email": "nope", "role": "partner"})
    assert both.status_code == 422
    bad_address = _post(
        api, "/api/v1/organisation/members", {"email": "nope", "role": "facilitator"}
    )
    assert bad_address.status_code == 422
    assert [p["loc"][-1] for p in bad_address.json()["detail"]] == ["email"]
    assert Invitation.objects.count() == 1


def test_it_lists_members_and_resends_and_revokes_through_the_api(cast: Cast) -> None:
    api = cast.api("admin")
    listed = api.get("/api/v1/organisation/members").json()
    by_email = {m["email"]: m for m in listed["items"]}
    assert set(by_email) == {
        "admin@example.org",
        "facilitator@example.org",
        "other_facilitator@example.org",
        "lead@example.org",
        "researcher@example.org",
    }
    assert listed["count"] == 5
    assert by_email["lead@example.org"]["mfa"] is True
    assert by_email["lead@example.org"]["active"] is True
    made = _post(
        api, "/api/v1/organisation/members", {"email": "r@example.org", "role": "researcher"}
    )
    invitation_id = made.json()["id"]
    resent = _post(
        api,
        f"/api/v1/organisation/invitations/{invitation_id}/resend",
        {"email": "robin@example.org"},
    )
    assert resent.status_code == 200 and resent.json()["email"] == "robin@example.org"
    plain = _post(api, f"/api/v1/organisation/invitations/{invitation_id}/resend", {})
    assert plain.status_code == 200
    revoked = api.post(f"/api/v1/organisation/invitations/{invitation_id}/revoke")
    assert revoked.status_code == 200
    assert api.post(f"/api/v1/organisation/invitations/{invitation_id}/revoke").status_code == 422
    facilitator = _membership(cast, "facilitator").pk
    off = api.post(f"/api/v1/organisation/members/{facilitator}/deactivate").json()
    assert (off["active"], off["role"]) == (False, "facilitator")
    on = api.post(f"/api/v1/organisation/members/{facilitator}/reactivate").json()
    assert on["active"] is True and on["deactivated_at"] is None


def test_it_asks_someone_on_the_staff_of_two_organisations_to_choose(cast: Cast) -> None:
    Membership.objects.create(organisation=cast.trial, user=cast.admin, role=Role.ORG_ADMIN)
    api = cast.api("admin")
    for path in ("/api/v1/organisation/members", "/api/v1/organisation/rooms"):
        ambiguous = api.get(path)
        assert ambiguous.status_code == 422
        (problem,) = ambiguous.json()["detail"]
        assert problem["loc"][-1] == "organisation_id"
        assert "choose one" in problem["msg"]
        chosen = api.get(path, {"organisation_id": cast.trial.pk})
        assert chosen.status_code == 200
    trial = api.get("/api/v1/organisation/members", {"organisation_id": cast.trial.pk}).json()
    assert {m["email"] for m in trial["items"]} == {
        "trial_facilitator@example.org",
        "admin@example.org",
    }


def test_it_stops_a_deactivated_members_token_at_the_organisation(cast: Cast) -> None:
    api = cast.api("facilitator")
    cast.api("admin").post(
        f"/api/v1/organisation/members/{_membership(cast, 'facilitator').pk}/deactivate"
    )
    assert ApiToken.objects.filter(user=cast.facilitator, revoked_at=None).exists()
    assert api.get("/api/v1/organisation/rooms").status_code == 404
    assert api.get(f"/api/v1/couples/{cast.couple.pk}").status_code == 404


def _grow_team(cast: Cast, n: int, start: int) -> None:
    for i in range(start, start + n):
        user = user_create(email=f"staff{i}@example.org", display_name=f"Staff {i}", password=None)
        Membership.objects.create(organisation=cast.center, user=user, role=Role.FACILITATOR)
        staff_invite(
            viewer=cast.viewer("admin"),
            organisation=cast.center,
            email=f"invited{i}@example.org",
            role=Role.RESEARCHER,
        )


@pytest.mark.parametrize(
    "request_page",
    [
        lambda cast, web, api: web.get("/organisation/team/"),
        lambda cast, web, api: api.get("/api/v1/organisation/members"),
        lambda cast, web, api: web.get("/organisation/"),
    ],
    ids=["team page", "members (api)", "organisation page"],
)
def test_it_reads_the_team_in_the_same_number_of_queries_however_large(
    cast: Cast, request_page: Any
) -> None:
    web, api = cast.client("admin"), cast.api("admin")

    def count() -> int:
        request_page(cast, web, api)  # the session and the token, once
        with CaptureQueriesContext(connection) as queries:
            assert request_page(cast, web, api).status_code == 200
        return len(queries)

    _grow_team(cast, 2, 0)
    small = count()
    _grow_team(cast, 20, 100)
    for i in range(10):
        Room.objects.create(organisation=cast.center, name=f"Room {i}")
    assert count() == small
