"""Staff set up an authenticator app on their first sign-in outside demo mode, before any
page; partners are not made to; the set-up, signing out and token API calls stay open."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import Role, User
from holdspace.accounts.services import api_token_create, invitation_create, membership_ensure
from holdspace.conftest import PASSWORD as CAST_PASSWORD
from holdspace.conftest import Cast, totp_now

pytestmark = pytest.mark.django_db

PASSWORD = "a long quiet river"
ACTIVATE = "/accounts/2fa/totp/activate/"


def _invited(cast: Cast, role: str, email: str) -> tuple[User, Client]:
    """Someone the org admin invited with ROLE, who has just accepted (and so is signed in)."""
    couple = cast.couple if role == Role.PARTNER else None
    _invitation, link = invitation_create(
        viewer=cast.viewer("admin" if couple is None else "lead"),
        organisation=cast.center,
        email=email,
        display_name="Ash Rowe",
        role=role,
        couple=couple,
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    accepted = client.post(f"/{path}", {"password": PASSWORD, "password_again": PASSWORD})
    assert accepted.status_code == 302, accepted.content.decode()
    return User.objects.get(email=email), client


def _secret(page: str) -> str:
    found = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page)
    assert found, page
    return found.group(1)


@pytest.mark.parametrize(
    "role", [Role.ORG_ADMIN, Role.CLINICAL_LEAD, Role.FACILITATOR, Role.RESEARCHER]
)
def test_it_makes_invited_staff_set_up_an_authenticator_before_any_page(
    cast: Cast, settings, role: str
) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = False
    user, client = _invited(cast, role, "ash@example.org")
    for path in (
        "/",
        "/console/",
        f"/couples/{cast.couple.pk}/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/organisation/",
    ):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, ACTIVATE), path
    # The browser's own calls to the API wait too; a token's calls are the token's business.
    refused = client.get("/api/v1/me")
    assert refused.status_code == 403
    assert "authenticator app" in refused.json()["detail"]
    token = api_token_create(user=user)
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me").status_code == 200

    page = client.get(ACTIVATE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Staff accounts sign in with an authenticator app" in html
    secret = _secret(html)
    wrong = client.post(ACTIVATE, {"code": "000000" if totp_now(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert 'class="field has-error"' in wrong.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()
    done = client.post(ACTIVATE, {"code": totp_now(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    codes = client.get(done["Location"])
    assert codes.status_code == 200
    assert "recovery codes" in codes.content.decode().lower()
    assert client.get("/", follow=True).status_code == 200
    assert client.get("/accounts/password/change/").status_code == 200


def test_it_lets_staff_sign_out_before_setting_up(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = False
    _user, client = _invited(cast, Role.FACILITATOR, "ash@example.org")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_does_not_make_partners_set_up_an_authenticator(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = False
    cast.couple.partners.filter(user=cast.partner_b).delete()  # a seat for the new partner
    _user, client = _invited(cast, Role.PARTNER, "ash@example.org")
    assert client.get(f"/couples/{cast.couple.pk}/").status_code == 200
    assert client.get("/accounts/2fa/").status_code == 200  # they may choose to


def test_it_does_not_make_staff_set_up_an_authenticator_in_demo_mode(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    _user, client = _invited(cast, Role.FACILITATOR, "ash@example.org")
    assert client.get("/console/").status_code == 200


def test_it_keeps_a_staff_members_authenticator_on(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = False
    Authenticator.objects.filter(user=cast.facilitator).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    client = cast.client("facilitator")
    asked = client.get("/accounts/2fa/totp/deactivate/")
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    assert client.post(asked["Location"], {"password": CAST_PASSWORD}).status_code == 302
    page = client.get("/accounts/2fa/totp/deactivate/")
    assert page.status_code == 200
    assert "Staff accounts keep two-factor authentication on" in page.content.decode()
    client.post("/accounts/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=cast.facilitator, type="totp").exists()
    assert client.get("/console/").status_code == 200


def test_it_asks_again_once_a_partner_becomes_staff_in_the_same_session(
    cast: Cast, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = False
    client = cast.client("partner_c")
    assert client.get(f"/couples/{cast.other_couple.pk}/").status_code == 200
    # Partner there, researcher at another organisation from now on: staff.
    membership_ensure(organisation=cast.trial, user=cast.partner_c, role=Role.RESEARCHER)
    assert client.get(f"/couples/{cast.other_couple.pk}/")["Location"] == ACTIVATE


def test_it_keeps_the_authenticator_secret_when_the_set_up_page_is_reloaded(
    cast: Cast, settings
) -> None:  # type: ignore[no-untyped-def]
    """A QR code scanned before a reload still works: the secret stays until it is used."""
    settings.DEMO_MODE = False
    user, client = _invited(cast, Role.FACILITATOR, "ash@example.org")
    scanned = _secret(client.get(ACTIVATE).content.decode())
    assert _secret(client.get(ACTIVATE).content.decode()) == scanned
    activated = client.post(ACTIVATE, {"code": totp_now(scanned)})
    assert activated.status_code == 302, activated.content.decode()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # Another person's session starts with its own secret.
    _other, other_client = _invited(cast, Role.FACILITATOR, "bo@example.org")
    assert _secret(other_client.get(ACTIVATE).content.decode()) != scanned
