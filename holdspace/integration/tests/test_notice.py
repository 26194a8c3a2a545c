"""The one-time "not monitored in real time" notice: recorded, and audited, the first time
each partner is shown it, wherever that is; never for the care team."""

from __future__ import annotations

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.models import Partner
from holdspace.integration.journal.services import notice_seen

pytestmark = pytest.mark.django_db


def _seen(cast: Cast, who: str) -> object:
    return Partner.objects.get(couple=cast.couple, user=cast.people[who]).notice_seen_at


@pytest.mark.parametrize(
    "first_page", ["journal/", "commitments/", ""], ids=["journal", "commitments", "portal"]
)
def test_it_audits_the_first_showing_once_in_the_organisations_chain(
    cast: Cast, first_page: str
) -> None:
    browser = cast.client("partner_a")
    for _ in range(3):
        assert browser.get(f"/couples/{cast.couple.pk}/{first_page}").status_code == 200
    browser.get(f"/couples/{cast.couple.pk}/journal/")
    event = AuditEvent.objects.get(action="notice.seen")
    assert (event.actor_id, event.organisation_id, event.couple_id) == (
        cast.partner_a.pk,
        cast.center.pk,
        cast.couple.pk,
    )
    assert event.object_type == "partner"
    assert _seen(cast, "partner_a") is not None
    assert _seen(cast, "partner_b") is None  # the other partner has not been shown it yet


def test_it_shows_each_partner_the_notice_in_full_once(cast: Cast) -> None:
    for who in ("partner_a", "partner_b"):
        first = cast.client(who).get(f"/couples/{cast.couple.pk}/journal/").content.decode()
        again = cast.client(who).get(f"/couples/{cast.couple.pk}/journal/").content.decode()
        assert "nearest emergency department" in first
        assert "nearest emergency department" not in again
    assert AuditEvent.objects.filter(action="notice.seen").count() == 2


@pytest.mark.parametrize("who", ["facilitator", "lead"])
def test_it_records_nothing_for_the_care_team(cast: Cast, who: str) -> None:
    for page in ("journal/", "commitments/"):
        html = cast.client(who).get(f"/couples/{cast.couple.pk}/{page}").content.decode()
        assert html
    assert not AuditEvent.objects.filter(action="notice.seen").exists()
    assert not Partner.objects.filter(notice_seen_at__isnull=False).exists()


def test_it_answers_whether_the_viewer_is_a_partner_and_since_when(cast: Cast) -> None:
    assert notice_seen(cast.viewer("facilitator"), cast.couple) == (False, None)
    assert notice_seen(cast.viewer("partner_c"), cast.couple) == (False, None)
    assert notice_seen(cast.viewer("partner_a"), cast.couple) == (True, None)
    partner, seen_at = notice_seen(cast.viewer("partner_a"), cast.couple)
    assert partner and seen_at == _seen(cast, "partner_a")
    assert AuditEvent.objects.filter(action="notice.seen").count() == 1
