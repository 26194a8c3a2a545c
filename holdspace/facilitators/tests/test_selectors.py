"""Issue 7 on the staff pages: a verified credential that expires within the sweep's warning
window is warned on the facilitators list and on the facilitator's page (an amber badge with
the days left and the day), while the facilitator may still serve until the day it expires."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from holdspace.conftest import Cast
from holdspace.facilitators.models import Credential
from holdspace.facilitators.services import WARNED_WITHIN_DAYS

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
BADGE = re.compile(r'<(?:span|a) class="badge ([^"]+)"[^>]*>([^<]+)</')


def _expires_in(cast: Cast, who: str, days: int, kind: str = "licence") -> Credential:
    credential = Credential.objects.get(facilitator=getattr(cast, who), kind="licence")
    if kind != "licence":
        credential = Credential.objects.create(
            organisation=cast.center,
            facilitator=getattr(cast, who),
            kind=kind,
            title="Red Cross Basic Life Support",
            issued_on=TODAY - dt.timedelta(days=300),
            expires_on=TODAY + dt.timedelta(days=days),
            status="verified",
            register="Red Cross certificate lookup",
        )
    else:
        credential.expires_on = TODAY + dt.timedelta(days=days)
        credential.save()
    return credential


def _row(html: str, name: str) -> str:
    start = html.index(f">{name}</a>")
    return html[start : html.index("</tr>", start)]


def _badges(html: str) -> list[tuple[str, str]]:
    return [(cls, text.strip()) for cls, text in BADGE.findall(html)]


def _head(html: str) -> str:
    start = html.index('<div class="page-head">')
    return html[start : html.index("</h2>", start)]


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_it_warns_of_a_licence_expiring_within_the_window_on_the_list(cast: Cast, who: str) -> None:
    _expires_in(cast, "facilitator", 20)
    _expires_in(cast, "other_facilitator", 49, kind="bls")
    with time_machine.travel(NOW, tick=False):
        response = cast.client(who).get("/facilitators/", {"org": cast.center.pk})
    assert response.status_code == 200
    html = response.content.decode()
    warned = _row(html, "Facilitator")
    assert ("expiring-soon", "Licence expires in 20 days — 24 Dec") in _badges(warned)
    assert "Licence: Verified" not in warned
    assert '<strong class="expiry-warned">Licence 24 Dec · 20 days left</strong>' in warned
    # A certificate with 49 days left is listed as expiring, without the warning.
    calm = _row(html, "Other Facilitator")
    assert ("status-verified", "Basic Life Support / first aid: Verified") in _badges(calm)
    assert ("status-verified", "Licence: Verified") in _badges(calm)
    assert "expiring-soon" not in calm
    assert "expiry-warned" not in calm
    assert "Basic Life Support / first aid 22 Jan 2027" in calm[calm.index("Expiring") :]


@pytest.mark.parametrize(
    ("days", "shown"),
    [
        (WARNED_WITHIN_DAYS, f"Licence expires in {WARNED_WITHIN_DAYS} days — 3 Jan 2027"),
        (WARNED_WITHIN_DAYS + 1, None),
        (1, "Licence expires in 1 day — 5 Dec"),
    ],
)
def test_it_warns_from_the_sweeps_warning_day_on(cast: Cast, days: int, shown: str | None) -> None:
    _expires_in(cast, "facilitator", days)
    with time_machine.travel(NOW, tick=False):
        html = cast.client("lead").get("/facilitators/", {"org": cast.center.pk}).content.decode()
    badges = _badges(_row(html, "Facilitator"))
    if shown:
        assert badges == [("expiring-soon", shown)]
    else:
        assert badges == [("status-verified", "Licence: Verified")]


@pytest.mark.parametrize("who", ["lead", "admin", "facilitator"])
def test_it_warns_beside_may_serve_on_the_facilitators_page(cast: Cast, who: str) -> None:
    licence = _expires_in(cast, "facilitator", 20)
    with time_machine.travel(NOW, tick=False):
        response = cast.client(who).get(
            f"/facilitators/{cast.facilitator.pk}/", {"org": cast.center.pk}
        )
    assert response.status_code == 200
    html = response.content.decode()
    head = _head(html)
    assert "May serve at sessions" in head
    assert ("expiring-soon", "Licence expires in 20 days — 24 Dec") in _badges(head)
    assert f'href="#credential-{licence.pk}"' in head
    article = html[html.index(f'id="credential-{licence.pk}"') :]
    article = article[: article.index("</article>")]
    assert ("status-verified", "Verified") in _badges(article)
    assert ("expiring-soon", "Licence expires in 20 days — 24 Dec") in _badges(article)


def test_it_does_not_warn_of_a_licence_far_from_expiry(cast: Cast) -> None:
    with time_machine.travel(NOW, tick=False):
        html = (
            cast.client("lead")
            .get(f"/facilitators/{cast.facilitator.pk}/", {"org": cast.center.pk})
            .content.decode()
        )
    assert "May serve at sessions" in _head(html)
    assert "expiring-soon" not in html
    assert "expires in" not in html


def test_it_reads_a_licence_on_its_expiry_day_as_expired_before_the_sweep_runs(cast: Cast) -> None:
    _expires_in(cast, "facilitator", 0)
    with time_machine.travel(NOW, tick=False):
        page = cast.client("lead").get(
            f"/facilitators/{cast.facilitator.pk}/", {"org": cast.center.pk}
        )
        listing = cast.client("lead").get("/facilitators/", {"org": cast.center.pk})
    head = _head(page.content.decode())
    assert "May not serve at sessions" in head
    assert ("status-expired", "Licence expired on 4 Dec") in _badges(head)
    row = _row(listing.content.decode(), "Facilitator")
    assert ("status-expired", "Licence expired on 4 Dec") in _badges(row)
    assert '<strong class="expiry-warned">Licence 4 Dec · expired</strong>' in row


def test_it_does_not_warn_of_an_unverified_or_suspended_credential_expiring(cast: Cast) -> None:
    licence = _expires_in(cast, "facilitator", 20)
    Credential.objects.filter(pk=licence.pk).update(status="suspended")
    with time_machine.travel(NOW, tick=False):
        html = cast.client("lead").get("/facilitators/", {"org": cast.center.pk}).content.decode()
    assert _badges(_row(html, "Facilitator")) == [("status-suspended", "Licence: Suspended")]


def test_it_shows_the_warning_to_nobody_else(cast: Cast) -> None:
    _expires_in(cast, "facilitator", 20)
    Credential.objects.filter(facilitator=cast.trial_facilitator).update(
        expires_on=TODAY + dt.timedelta(days=20)
    )
    with time_machine.travel(NOW, tick=False):
        # Another organisation's facilitator does not exist for the clinical lead (404).
        unknown = cast.client("lead").get(
            f"/facilitators/{cast.trial_facilitator.pk}/", {"org": cast.center.pk}
        )
        # A colleague, another organisation's facilitator and a partner are refused (403).
        refused = [
            cast.client(who).get(url, {"org": cast.center.pk})
            for who in ("other_facilitator", "trial_facilitator", "partner_a")
            for url in (f"/facilitators/{cast.facilitator.pk}/", "/facilitators/")
        ]
    assert unknown.status_code == 404
    assert [r.status_code for r in refused] == [403] * 6
    for response in (unknown, *refused):
        assert "expires in" not in response.content.decode()
