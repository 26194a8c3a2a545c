"""One-tap sign-in links: they open exactly the item, once, within 24 hours, and only for
partners without a second sign-in step."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.reminders.models import SignInLink
from holdspace.reminders.services import signin_link_create, signin_link_use


def _path(link: str) -> str:
    return link.removeprefix("http://127.0.0.1:8000")


def _link(cast: Cast, who: str = "partner_a", path: str | None = None) -> str:
    return _path(
        signin_link_create(
            user=cast.people[who],
            organisation_id=cast.center.pk,
            path=path or f"/couples/{cast.couple.pk}/commitments/#commitment-1",
        )
    )


def test_it_continues_from_the_link_page_by_itself_and_spends_nothing_on_a_mere_fetch(
    cast: Cast,
) -> None:
    link = _link(cast)
    page = Client().get(link)
    assert page.status_code == 200
    assert b'id="signin-link-form"' in page.content and b"signin-link.js" in page.content
    assert page["Cache-Control"].startswith("max-age=0")
    # A mail scanner that fetches the link twice has not used it.
    Client().get(link)
    assert SignInLink.objects.get().used_at is None


def test_it_signs_the_partner_in_onto_the_item_once(cast: Cast) -> None:
    link = _link(cast)
    browser = Client()
    opened = browser.post(link)
    assert opened.status_code == 302
    assert opened["Location"] == f"/couples/{cast.couple.pk}/commitments/#commitment-1"
    assert browser.get(f"/couples/{cast.couple.pk}/commitments/").status_code == 200
    assert AuditEvent.objects.filter(action="signin_link.use", actor_id=cast.partner_a.pk).exists()

    again = Client().post(link)
    assert again.status_code == 410
    assert b"This link no longer works" in again.content
    # The way back in: the usual sign-in, then the same page.
    assert b"next=%2Fcouples%2F" in again.content
    assert Client().get(f"/couples/{cast.couple.pk}/").status_code == 302  # not signed in


def test_it_expires_after_24_hours(cast: Cast) -> None:
    link = _link(cast)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23, minutes=59)):
        alive = SignInLink.objects.get().expires_at > timezone.now()
    assert alive
    with time_machine.travel(timezone.now() + dt.timedelta(hours=24, seconds=1)):
        late = Client().post(link)
    assert late.status_code == 410
    assert SignInLink.objects.get().used_at is None


def test_it_caps_a_link_lifetime_longer_than_a_day(cast: Cast) -> None:
    signin_link_create(
        user=cast.partner_a,
        organisation_id=cast.center.pk,
        path="/portal/",
        lifetime=dt.timedelta(days=30),
    )
    row = SignInLink.objects.get()
    assert row.expires_at - row.created_at == dt.timedelta(hours=24)


@pytest.mark.parametrize("path", ["https://evil.example/", "//evil.example/", "portal/"])
def test_it_opens_only_a_page_of_this_site_from_a_link(cast: Cast, path: str) -> None:
    with pytest.raises(ValueError, match="path on this site"):
        signin_link_create(user=cast.partner_a, organisation_id=cast.center.pk, path=path)


def test_it_refuses_an_unknown_token_calmly(db: None) -> None:
    response = Client().post("/r/not-a-real-token")
    assert response.status_code == 410
    assert b"next=%2Fportal%2F" in response.content


def test_it_signs_out_someone_else_signed_in_on_the_device_first(cast: Cast) -> None:
    shared = cast.client("partner_b")
    shared.post(_link(cast, "partner_a"))
    page = shared.get(f"/couples/{cast.couple.pk}/")
    assert page.context["user"].pk == cast.partner_a.pk


def test_it_sends_staff_and_accounts_with_a_second_step_to_sign_in_the_usual_way(
    cast: Cast,
) -> None:
    for who in ("facilitator", "lead"):  # staff have TOTP in the cast
        response = Client().post(_link(cast, who, "/console/"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=%2Fconsole%2F")
    cast.partner_a.is_active = False
    cast.partner_a.save(update_fields=["is_active"])
    browser = Client()
    response = browser.post(_link(cast, "partner_a", "/portal/"))
    assert response["Location"].startswith("/accounts/login/")
    assert browser.get("/portal/").status_code == 302


def test_it_signs_in_only_once_on_two_taps_at_once(cast: Cast) -> None:
    token = _link(cast).rsplit("/", 1)[1]
    assert signin_link_use(token) is not None
    assert signin_link_use(token) is None
