"""A couple after it was added: its name and care team, its partners' invitations (sent,
corrected, resent, revoked, a new one to a free place), and the warning for a partner who is
already in another couple."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import Invitation, Membership, Role
from holdspace.accounts.services import invitation_create, member_deactivate
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.models import CareTeamMember, Couple

pytestmark = pytest.mark.django_db


def _json(client: Client, method: str, url: str, body: object) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _team(couple: Couple) -> set[str]:
    return set(CareTeamMember.objects.filter(couple=couple).values_list("user__email", flat=True))


def _empty_place(cast: Cast) -> Couple:
    """CAST.couple with partner B's place free (never invited)."""
    cast.couple.partners.filter(slot="b").delete()
    return cast.couple


def _invite(cast: Cast, email: str = "sam@example.org", who: str = "facilitator") -> Any:
    return cast.client(who).post(
        f"/couples/{cast.couple.pk}/invitations/new", {"display_name": "Sam", "email": email}
    )


# Name and care team ---------------------------------------------------------------------


def test_it_changes_the_name_and_care_team_from_the_web_and_audits_it(cast: Cast) -> None:
    client = cast.client("facilitator")
    page = client.get(f"/couples/{cast.couple.pk}/edit/").content.decode()
    assert "Other Facilitator" in page and "Lead" in page  # facilitators and clinical leads
    response = client.post(
        f"/couples/{cast.couple.pk}/edit/",
        {"name": "Alex & Bo", "care_team": [cast.facilitator.pk, cast.other_facilitator.pk]},
    )
    assert response.status_code == 302
    cast.couple.refresh_from_db()
    assert cast.couple.name == "Alex & Bo"
    assert _team(cast.couple) == {"facilitator@example.org", "other_facilitator@example.org"}
    event = AuditEvent.objects.get(action="couple.update")
    assert event.detail == {
        "name": {"from": "A & B", "to": "Alex & Bo"},
        "care_team_added": [cast.other_facilitator.pk],
    }


def test_a_refused_change_keeps_what_was_typed_and_changes_nothing(cast: Cast) -> None:
    client = cast.client("lead")
    url = f"/couples/{cast.couple.pk}/edit/"
    refused = client.post(url, {"name": "New name, no team", "care_team": []})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "Keep at least one facilitator in the care team." in html
    assert 'value="New name, no team"' in html
    blank = client.post(url, {"name": "  ", "care_team": [cast.facilitator.pk]})
    assert blank.status_code == 422
    cast.couple.refresh_from_db()
    assert cast.couple.name == "A & B" and _team(cast.couple) == {"facilitator@example.org"}
    assert client.post(url, {"name": "Second try", "care_team": [cast.lead.pk]}).status_code == 302
    cast.couple.refresh_from_db()
    assert cast.couple.name == "Second try" and _team(cast.couple) == {"lead@example.org"}


def test_only_active_facilitators_and_leads_of_the_organisation_join_a_care_team(
    cast: Cast,
) -> None:
    Membership.objects.filter(user=cast.other_facilitator).update(deactivated_at=timezone.now())
    api = cast.api("admin")
    url = f"/api/v1/couples/{cast.couple.pk}"
    for team in (
        [cast.other_facilitator.pk],
        [cast.trial_facilitator.pk],
        [cast.researcher.pk],
        [cast.partner_a.pk],
        [],
    ):
        response = _json(api, "patch", url, {"care_team": team})
        assert response.status_code == 422, team
        assert [p["loc"][-1] for p in response.json()["detail"]] == ["care_team"]
    both = _json(api, "patch", url, {"name": " ", "care_team": []})
    assert sorted(p["loc"][-1] for p in both.json()["detail"]) == ["care_team", "name"]
    ok = _json(
        api, "patch", url, {"name": "Renamed", "care_team": [cast.lead.pk, cast.facilitator.pk]}
    )
    assert ok.status_code == 200
    assert ok.json()["name"] == "Renamed"
    assert {m["user_id"] for m in ok.json()["care_team"]} == {cast.lead.pk, cast.facilitator.pk}


def test_a_facilitator_who_leaves_the_care_team_is_sent_to_the_console(cast: Cast) -> None:
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/edit/",
        {"name": "A & B", "care_team": [cast.other_facilitator.pk]},
    )
    assert response["Location"] == "/console/"
    assert cast.client("facilitator").get(f"/couples/{cast.couple.pk}/").status_code == 404


# Partner invitations ----------------------------------------------------------------------


def test_it_invites_a_partner_to_a_free_place_and_lists_the_invitation(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    _empty_place(cast)
    page = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "Invite a partner (one place is free)" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(cast).status_code == 302
    assert mail.outbox[-1].to == ["sam@example.org"]
    page = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "sam@example.org" in page and "Invite a partner" not in page
    listed = cast.api("facilitator").get(f"/api/v1/couples/{cast.couple.pk}/invitations").json()
    assert [(i["email"], i["state"]) for i in listed["items"]] == [("sam@example.org", "pending")]
    detail = cast.api("lead").get(f"/api/v1/couples/{cast.couple.pk}").json()
    assert [i["email"] for i in detail["invitations"]] == ["sam@example.org"]
    partner_view = cast.api("partner_a").get(f"/api/v1/couples/{cast.couple.pk}").json()
    assert partner_view["invitations"] == []
    # Full: no third partner.
    assert _invite(cast, "third@example.org").status_code == 422


def test_a_revoked_link_frees_the_place_for_a_new_invitation(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    _empty_place(cast)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(cast, "wrong@example.org")
    old_link = mail.outbox[-1].body.split("/invitations/")[1].split("/")[0]
    invitation = Invitation.objects.get(email="wrong@example.org")
    client = cast.client("facilitator")
    revoked = client.post(f"/couples/{cast.couple.pk}/invitations/{invitation.pk}/revoke")
    assert revoked.status_code == 302
    assert Client().get(f"/invitations/{old_link}/").status_code == 404
    again = client.post(
        f"/couples/{cast.couple.pk}/invitations/{invitation.pk}/revoke", follow=True
    )
    assert "This invitation was revoked." in again.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(cast, "right@example.org").status_code == 302
    new_link = mail.outbox[-1].body.split("/invitations/")[1].split("/")[0]
    assert Client().get(f"/invitations/{new_link}/").status_code == 200
    page = client.get(f"/couples/{cast.couple.pk}/invitations/").content.decode()
    assert "right@example.org" in page and "Earlier invitations" in page


def test_changing_the_address_twice_sends_each_new_link_and_kills_the_old(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    _empty_place(cast)
    _invite(cast, "first@example.org")
    invitation = Invitation.objects.get()
    api = cast.api("facilitator")
    url = f"/api/v1/couples/{cast.couple.pk}/invitations/{invitation.pk}/resend"
    links = []
    for address in ("second@example.org", "third@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = _json(api, "post", url, {"email": address})
        assert response.status_code == 200
        assert response.json()["email"] == address
        assert mail.outbox[-1].to == [address]
        links.append(mail.outbox[-1].body.split("/invitations/")[1].split("/")[0])
    assert Client().get(f"/invitations/{links[0]}/").status_code == 404
    assert Client().get(f"/invitations/{links[1]}/").status_code == 200
    changes = [
        e.detail for e in AuditEvent.objects.filter(action="invitation.resend").order_by("pk")
    ]
    assert changes == [
        {"email": {"from": "first@example.org", "to": "second@example.org"}},
        {"email": {"from": "second@example.org", "to": "third@example.org"}},
    ]


def test_a_bad_corrected_address_is_shown_again_with_the_reason(cast: Cast) -> None:
    _empty_place(cast)
    _invite(cast, "first@example.org")
    invitation = Invitation.objects.get()
    response = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/invitations/{invitation.pk}/resend", {"email": "not-an-address"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="not-an-address"' in html and "valid email" in html.lower()
    invitation.refresh_from_db()
    assert invitation.email == "first@example.org"
    plain = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/invitations/{invitation.pk}/resend"
    )
    assert plain.status_code == 302


def test_an_invitation_of_another_couple_is_not_found_under_this_one(cast: Cast) -> None:
    invitation, _link = invitation_create(
        viewer=cast.viewer("lead"),
        organisation=cast.center,
        email="x@example.org",
        display_name="X",
        couple=Couple.objects.create(organisation=cast.center, name="New"),
    )
    response = cast.client("lead").post(
        f"/couples/{cast.couple.pk}/invitations/{invitation.pk}/revoke"
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# A partner already in another couple -------------------------------------------------------


def test_inviting_a_partner_of_another_couple_warns_and_asks_to_confirm(cast: Cast) -> None:
    _empty_place(cast)
    warned = _invite(cast, "Partner_C@example.org")
    assert warned.status_code == 409
    html = warned.content.decode()
    assert "already a partner in, or invited to, another couple here" in html
    assert 'value="Partner_C@example.org"' in html and 'name="confirm"' in html
    assert "C &amp; D" not in html  # the facilitator does not see that couple: not named
    assert not Invitation.objects.exists()
    confirmed = cast.client("facilitator").post(
        f"/couples/{cast.couple.pk}/invitations/new",
        {"display_name": "Sam", "email": "partner_c@example.org", "confirm": "on"},
    )
    assert confirmed.status_code == 302
    assert Invitation.objects.get().email == "partner_c@example.org"


def test_the_api_answers_409_until_confirmed_and_names_the_couple_to_those_who_see_it(
    cast: Cast,
) -> None:
    _empty_place(cast)
    api = cast.api("lead")
    url = f"/api/v1/couples/{cast.couple.pk}/invitations"
    body = {"display_name": "Dee", "email": "partner_d@example.org"}
    warned = _json(api, "post", url, body)
    assert warned.status_code == 409
    assert "C & D" in warned.json()["detail"]
    assert _json(api, "post", url, {**body, "confirm": True}).status_code == 201


def test_a_pending_invitation_elsewhere_warns_too_and_correcting_an_address_checks_it(
    cast: Cast,
) -> None:
    other = Couple.objects.create(organisation=cast.center, name="G & H")
    invitation_create(
        viewer=cast.viewer("lead"),
        organisation=cast.center,
        email="g@example.org",
        display_name="G",
        couple=other,
    )
    _empty_place(cast)
    _invite(cast, "sam@example.org", who="lead")
    mine = Invitation.objects.get(email="sam@example.org")
    api = cast.api("lead")
    url = f"/api/v1/couples/{cast.couple.pk}/invitations/{mine.pk}/resend"
    warned = _json(api, "post", url, {"email": "g@example.org"})
    assert warned.status_code == 409 and "G & H" in warned.json()["detail"]
    mine.refresh_from_db()
    assert mine.email == "sam@example.org"
    assert _json(api, "post", url, {"email": "g@example.org", "confirm": True}).status_code == 200


def test_adding_a_couple_with_a_partner_of_another_couple_warns_and_keeps_the_form(
    cast: Cast,
) -> None:
    client = cast.client("lead")
    form = {
        "name": "New & Again",
        "facilitators": [cast.facilitator.pk],
        "partner_a_name": "Cee",
        "partner_a_email": "partner_c@example.org",
        "partner_b_name": "New",
        "partner_b_email": "new@example.org",
    }
    warned = client.post("/console/couples/new/", form)
    assert warned.status_code == 409
    html = warned.content.decode()
    assert "C &amp; D" in html and 'value="New &amp; Again"' in html and 'name="confirm"' in html
    assert not Couple.objects.filter(name="New & Again").exists()
    done = client.post("/console/couples/new/", {**form, "confirm": "on"})
    assert done.status_code == 302
    assert Couple.objects.filter(name="New & Again").exists()
    assert Invitation.objects.filter(role=Role.PARTNER).count() == 2


def test_a_partner_cannot_learn_of_other_couples_by_correcting_an_address(cast: Cast) -> None:
    _empty_place(cast)
    _invite(cast, "first@example.org")
    invitation = Invitation.objects.get()
    url = f"/api/v1/couples/{cast.couple.pk}/invitations/{invitation.pk}/resend"
    refused = _json(cast.api("partner_a"), "post", url, {"email": "partner_c@example.org"})
    assert refused.status_code == 403
    assert "C & D" not in refused.content.decode()


def test_it_marks_a_deactivated_facilitator_in_the_care_team_until_reassigned(cast: Cast) -> None:
    """A facilitator who leaves keeps their place in the couple's care team (its history), shown
    as deactivated on the couple's page and in the couples list so the team is reassigned."""
    facilitator = cast.facilitator
    lead = cast.client("lead")
    before = lead.get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "(deactivated)" not in before
    membership = Membership.objects.get(user=facilitator, organisation=cast.center)
    member_deactivate(viewer=cast.viewer("admin"), membership=membership)
    page = lead.get(f"/couples/{cast.couple.pk}/").content.decode()
    assert f'{facilitator.display_name} <span class="muted">(deactivated)</span>' in page
    listing = lead.get("/console/").content.decode()
    assert f'{facilitator.display_name} <span class="muted">(deactivated)</span>' in listing
    # The other couple's facilitator is still active: no mark.
    other = cast.other_facilitator.display_name
    assert f'{other} <span class="muted">(deactivated)</span>' not in listing
