from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from holdspace import settings as production
from holdspace.audit.models import AuditEvent
from holdspace.conftest import PASSWORD, Cast, totp_now

pytestmark = pytest.mark.django_db


def _login(client: Client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR="203.0.113.9"
    )


def test_it_signs_a_partner_in_with_a_password_and_audits_it(cast: Cast) -> None:
    client = Client()
    response = _login(client, cast.partner_a.email, PASSWORD)
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == f"/couples/{cast.couple.pk}/"
    event = AuditEvent.objects.filter(action="auth.login").last()
    assert event is not None
    assert (event.actor_id, event.ip) == (cast.partner_a.pk, "203.0.113.9")


def test_it_audits_a_failed_sign_in(cast: Cast) -> None:
    response = _login(Client(), cast.partner_a.email, "wrong password")
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    event = AuditEvent.objects.filter(action="auth.login_failed").last()
    assert event is not None
    assert (event.actor_label, event.ip) == (cast.partner_a.email, "203.0.113.9")


def test_it_throttles_repeated_failures_even_with_the_right_password_after(
    cast: Cast, settings
) -> None:  # type: ignore[no-untyped-def]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), cast.partner_a.email, "wrong password")
    client = Client()
    response = _login(client, cast.partner_a.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()
    # Another account from the same address is not locked out by someone else's guesses.
    assert _login(Client(), cast.partner_b.email, PASSWORD).status_code == 302


def _new_staff_without_mfa(cast: Cast):  # type: ignore[no-untyped-def]

    Authenticator.objects.filter(user=cast.facilitator).delete()
    return cast.facilitator


def test_it_makes_staff_set_up_totp_before_anything_else(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = False
    user = _new_staff_without_mfa(cast)
    client = Client()
    assert _login(client, user.email, PASSWORD).status_code == 302
    for path in ("/console/", f"/couples/{cast.couple.pk}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/totp/activate")
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_it_lets_partners_in_without_totp(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = False
    client = Client()
    _login(client, cast.partner_a.email, PASSWORD)
    assert client.get(f"/couples/{cast.couple.pk}/").status_code == 200


def test_it_lets_demo_staff_in_with_a_password_alone(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    user = _new_staff_without_mfa(cast)
    client = Client()
    _login(client, user.email, PASSWORD)
    response = client.get("/console/")
    assert response.status_code == 200
    assert "Demo — this is a demonstration practice" in response.content.decode()


def test_it_asks_staff_with_totp_for_a_code_and_accepts_the_right_one(cast: Cast) -> None:
    client = Client()
    response = _login(client, cast.lead.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert client.get("/console/").status_code == 302

    secret = Authenticator.objects.get(user=cast.lead, type="totp").wrap().instance.data["secret"]

    code = totp_now(decrypt(secret))
    wrong = client.post(
        "/accounts/2fa/authenticate/", {"code": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    right = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert right.status_code == 302
    assert client.get("/console/").status_code == 200


def test_it_ends_a_session_after_the_absolute_lifetime(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    client = cast.client("partner_a")
    assert client.get(f"/couples/{cast.couple.pk}/").status_code == 200
    session = client.session
    session["holdspace_session_started"] = int(time.time()) - settings.SESSION_MAX_HOURS * 3600 - 1
    session.save()
    response = client.get(f"/couples/{cast.couple.pk}/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_expires_idle_sessions(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]

    client = cast.client("partner_a")
    assert client.get(f"/couples/{cast.couple.pk}/").status_code == 200
    key = client.session.session_key
    # Every request pushes the expiry SESSION_IDLE_MINUTES ahead...
    stored = Session.objects.get(session_key=key)
    remaining = stored.expire_date - timezone.now()
    assert timedelta(minutes=settings.SESSION_IDLE_MINUTES - 1) < remaining
    assert remaining <= timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    # ...and once that passes without a request, the session is gone.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(f"/couples/{cast.couple.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_hashes_passwords_with_argon2_in_production() -> None:
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_it_records_the_client_address_behind_a_tls_proxy(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.BEHIND_TLS_PROXY = True
    Client().post(
        "/accounts/login/",
        {"login": cast.partner_a.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.4, 192.0.2.77",
    )
    event = AuditEvent.objects.filter(action="auth.login").last()
    assert event is not None
    assert event.ip == "192.0.2.77"


def test_it_locks_out_the_client_address_behind_a_tls_proxy_not_the_proxy(
    cast: Cast, settings
) -> None:  # type: ignore[no-untyped-def]

    settings.BEHIND_TLS_PROXY = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            "/accounts/login/",
            {"login": cast.partner_a.email, "password": "wrong password"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.4, 192.0.2.77",
        )
    attempt = AccessAttempt.objects.get()
    assert (attempt.ip_address, attempt.failures_since_start) == (
        "192.0.2.77",
        settings.AXES_FAILURE_LIMIT,
    )
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) <= {"192.0.2.77"}
    audited = AuditEvent.objects.filter(action="auth.locked_out").last()
    assert audited is not None
    assert audited.ip == attempt.ip_address
    # Someone else behind the same proxy is not locked out by these guesses.
    other = Client().post(
        "/accounts/login/",
        {"login": cast.partner_a.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.5",
    )
    assert other.status_code == 302


def test_it_pushes_the_idle_expiry_forward_at_most_once_a_minute(cast: Cast) -> None:

    client = cast.client("partner_a")
    page = f"/couples/{cast.couple.pk}/"
    start = time.time()
    with mock.patch("holdspace.accounts.middleware.time.time", return_value=start):
        client.get(page)
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    with mock.patch("holdspace.accounts.middleware.time.time", return_value=start + 30):
        client.get(page)
    assert Session.objects.get(session_key=key).expire_date == first  # no write
    with mock.patch("holdspace.accounts.middleware.time.time", return_value=start + 61):
        client.get(page)
    assert Session.objects.get(session_key=key).expire_date > first
