from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import Invitation, Membership
from holdspace.accounts.services import invitation_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.models import Couple, Partner

pytestmark = pytest.mark.django_db

NEW_COUPLE = {
    "name": "Kai & Noa",
    "partner_a_name": "Kai",
    "partner_a_email": "kai@example.org",
    "partner_b_name": "Noa",
    "partner_b_email": "Noa@Example.org",
}


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://\S+/invitations/(\S+)/", message.body)
    assert found, message.body
    return f"/invitations/{found.group(1)}/"


def _invite_couple(cast: Cast, django_capture_on_commit_callbacks) -> tuple[Couple, list[str]]:  # type: ignore[no-untyped-def]
    lead = cast.client("lead")
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(
            "/console/couples/new/", {**NEW_COUPLE, "facilitators": [str(cast.facilitator.pk)]}
        )
    assert response.status_code == 302
    couple = Couple.objects.get(name="Kai & Noa")
    assert response["Location"] == f"/couples/{couple.pk}/"
    return couple, [_link(m) for m in mail.outbox]


def test_it_invites_both_partners_and_seats_each_on_acceptance(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    couple, links = _invite_couple(cast, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == ["kai@example.org", "noa@example.org"]
    assert couple.care_team.get().user == cast.facilitator

    kai = Client()
    page = kai.get(links[0])
    assert page.status_code == 200
    assert "Welcome, Kai" in page.content.decode()
    response = kai.post(
        links[0], {"password": "a long quiet river", "password_again": "a long quiet river"}
    )
    assert response.status_code == 302
    portal = kai.get("/", follow=True)
    assert portal.redirect_chain[-1][0] == f"/couples/{couple.pk}/"
    assert Partner.objects.get(couple=couple, user__email="kai@example.org").slot == "a"
    assert Membership.objects.get(user__email="kai@example.org").role == "partner"

    noa = Client()
    noa.post(links[1], {"password": "another long river", "password_again": "another long river"})
    assert Partner.objects.get(couple=couple, user__email="noa@example.org").slot == "b"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"couple.create", "invitation.create", "invitation.accept", "partner.add"} <= actions


def test_it_accepts_each_link_once(cast: Cast, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    _couple, links = _invite_couple(cast, django_capture_on_commit_callbacks)
    password = {"password": "a long quiet river", "password_again": "a long quiet river"}
    assert Client().post(links[0], password).status_code == 302
    assert Client().get(links[0]).status_code == 404
    assert Client().post(links[0], password).status_code == 404


def test_it_refuses_an_expired_link(cast: Cast, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    _couple, links = _invite_couple(cast, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(links[0]).status_code == 404
    assert not Membership.objects.filter(user__email="kai@example.org").exists()


def test_it_expires_links_after_the_configured_hours(
    cast: Cast, django_capture_on_commit_callbacks, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.INVITATION_VALID_HOURS = 48
    _invite_couple(cast, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.first()
    assert invitation is not None
    lifetime = invitation.expires_at - invitation.created_at
    assert lifetime == timedelta(hours=48)


def test_it_shows_password_problems_beside_the_field_and_saves_nothing(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    _couple, links = _invite_couple(cast, django_capture_on_commit_callbacks)
    short = Client().post(links[0], {"password": "short", "password_again": "short"})
    assert short.status_code == 422
    assert "too short" in short.content.decode()
    mismatch = Client().post(
        links[0], {"password": "a long quiet river", "password_again": "a long quiet lake"}
    )
    assert mismatch.status_code == 422
    assert "not the same" in mismatch.content.decode()
    assert not Membership.objects.filter(user__email="kai@example.org").exists()
    assert Client().get(links[0]).status_code == 200  # still usable


def test_it_shows_form_errors_beside_each_field_when_adding_a_couple(cast: Cast) -> None:
    response = cast.client("lead").post(
        "/console/couples/new/",
        {
            **NEW_COUPLE,
            "name": "",
            "partner_b_email": "kai@example.org",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_name_error"' in html
    assert "The two partners need different addresses." in html
    assert not Couple.objects.filter(name="Kai & Noa").exists()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["facilitator", "researcher", "partner_a", "trial_facilitator"])
def test_it_lets_only_leads_and_admins_add_couples(cast: Cast, who: str) -> None:
    response = cast.client(who).post("/console/couples/new/", NEW_COUPLE)
    assert response.status_code == 404
    assert not Couple.objects.filter(name="Kai & Noa").exists()


def test_it_asks_an_existing_account_for_its_password(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]

    third = Couple.objects.create(organisation=cast.center, name="Solo")
    with django_capture_on_commit_callbacks(execute=True):
        _inv, link = invitation_create(
            viewer=cast.viewer("lead"),
            organisation=cast.center,
            couple=third,
            email=cast.partner_c.email,
            display_name="C",
        )
    path = link.split("http://127.0.0.1:8000")[-1]
    wrong = Client().post(
        path, {"password": "not my password", "password_again": "not my password"}
    )
    assert wrong.status_code == 422
    right = Client().post(
        path, {"password": "correct horse battery", "password_again": "correct horse battery"}
    )
    assert right.status_code == 302
    assert third.partners.get().user == cast.partner_c


def test_it_saves_nothing_when_the_second_invitation_is_refused(cast: Cast) -> None:
    response = cast.client("lead").post(
        "/console/couples/new/",
        {
            **NEW_COUPLE,
            "partner_b_email": cast.facilitator.email,
            "facilitators": [str(cast.facilitator.pk)],
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_partner_b_email_error"' in html
    assert "already has another role in this organisation" in html
    assert not Couple.objects.filter(name="Kai & Noa").exists()
    assert not Invitation.objects.exists()
    assert not mail.outbox
