"""The sign-in, password and two-factor pages are Holdspace's: its layout, its form markup
with errors beside the field, and the demo accounts on the sign-in page in demo mode only."""

from __future__ import annotations

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.core import mail
from django.test import Client

from holdspace.conftest import PASSWORD, Cast
from holdspace.demo.accounts import demo_accounts

pytestmark = pytest.mark.django_db

LAYOUT = '<main id="main" class="account">'


def _page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.content.decode()
    assert LAYOUT in html, path
    assert 'href="/static/css/holdspace.css"' in html or "holdspace" in html
    return html


def test_it_lists_every_demo_account_with_its_role_on_the_sign_in_page_in_demo_mode(
    settings,
) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    html = _page(Client(), "/accounts/login/")
    accounts = [a for organisation in demo_accounts() for a in organisation.accounts]
    assert len(accounts) >= 14
    for account in accounts:
        assert f'data-email="{account.email}"' in html
    assert 'lead@demo.holdspace.org</button>\n      <span class="muted">· Clinical lead' in html
    assert "Partner, Alex &amp; Sam" in html
    assert "<code>holdspace-demo</code>" in html
    assert "js/demo-accounts.js" in html


def test_it_never_lists_the_demo_accounts_outside_demo_mode(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = False
    html = _page(Client(), "/accounts/login/")
    assert "demo.holdspace.org" not in html
    assert "holdspace-demo" not in html
    assert "demo-accounts.js" not in html


def test_it_shows_sign_in_errors_in_the_form(cast: Cast) -> None:
    response = Client().post("/accounts/login/", {"login": cast.partner_a.email, "password": ""})
    html = response.content.decode()
    assert 'class="field has-error"' in html
    assert LAYOUT in html


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/logout/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/reauthenticate/",
    ],
)
def test_it_shows_each_account_page_of_a_signed_in_person_in_the_holdspace_layout(
    cast: Cast, path: str
) -> None:
    html = _page(cast.client("facilitator"), path)
    assert 'href="/accounts/password/change/"' in html  # the account menu links it
    assert "<p>{{" not in html


def test_it_shows_the_authenticator_set_up_in_the_holdspace_layout(cast: Cast) -> None:
    html = _page(cast.client("partner_a"), "/accounts/2fa/totp/activate/")
    assert 'id="authenticator_secret"' in html
    assert 'class="qr"' in html
    assert "Set up two-factor authentication" in html


def test_it_changes_a_password_with_errors_beside_the_field(cast: Cast) -> None:
    client = cast.client("partner_a")
    refused = client.post(
        "/accounts/password/change/",
        {"oldpassword": "not it", "password1": "short", "password2": "short"},
    )
    html = refused.content.decode()
    assert refused.status_code == 200
    assert html.count('class="field has-error"') >= 2
    changed = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a new calm morning",
            "password2": "a new calm morning",
        },
    )
    assert changed.status_code == 302
    cast.partner_a.refresh_from_db()
    assert cast.partner_a.check_password("a new calm morning")


def test_it_resets_a_forgotten_password_through_holdspace_pages(cast: Cast) -> None:
    client = Client()
    _page(client, "/accounts/password/reset/")
    sent = client.post("/accounts/password/reset/", {"email": cast.partner_a.email})
    assert sent["Location"] == "/accounts/password/reset/done/"
    assert "Check your e-mail" in _page(client, sent["Location"])
    assert len(mail.outbox) == 1
    user = cast.partner_a
    token = default_token_generator.make_token(user)
    key = f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{token}/"
    landing = client.get(key)
    assert landing.status_code == 302  # allauth moves the key out of the address
    form = _page(client, landing["Location"])
    assert "Choose a new password" in form
    saved = client.post(
        landing["Location"], {"password1": "a new calm morning", "password2": "a new calm morning"}
    )
    assert saved.status_code == 302
    assert "Your password is changed" in _page(client, saved["Location"])
    assert "This link no longer works" in _page(Client(), key.replace("/key/", "/key/x"))
