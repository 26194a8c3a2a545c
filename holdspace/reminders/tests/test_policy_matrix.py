"""The reminders part of the privacy matrix (policy/reminders.py): every person of the cast
against each couple's calendar page, making and revoking a calendar address, and the address
itself; once the couple withdraws, its calendar page tells whoever sees the couple so."""

from __future__ import annotations

import pytest
from django.test import Client

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.services import couple_withdraw
from holdspace.policy.couples import get_couple_for
from holdspace.reminders.models import CalendarFeed

pytestmark = pytest.mark.django_db

COUPLES = ("couple", "other_couple", "trial_couple")
PARTNERS = {
    "couple": {"partner_a", "partner_b"},
    "other_couple": {"partner_c", "partner_d"},
    "trial_couple": {"trial_partner_a", "trial_partner_b"},
}
# Who sees each couple but is not its partner: refused (403) rather than told it is missing.
OTHERS_WHO_SEE = {
    "couple": {"facilitator", "lead", "admin"},
    "other_couple": {"other_facilitator", "lead", "admin"},
    "trial_couple": {"trial_facilitator"},
}
PEOPLE = sorted(set().union(*PARTNERS.values(), *OTHERS_WHO_SEE.values(), {"researcher"}))


def _expected(who: str, couple_key: str) -> int:
    if who in PARTNERS[couple_key]:
        return 200
    return 403 if who in OTHERS_WHO_SEE[couple_key] else 404


@pytest.mark.parametrize("who", PEOPLE)
def test_it_lets_only_a_couples_partners_make_see_and_revoke_their_calendar(
    cast: Cast, who: str
) -> None:
    web = cast.client(who)
    for couple_key in COUPLES:
        couple = getattr(cast, couple_key)
        want = _expected(who, couple_key)
        url = f"/couples/{couple.pk}/calendar/"
        assert web.get(url).status_code == want, couple_key
        made = web.post(url + "new")
        assert made.status_code == (302 if want == 200 else want), couple_key
        revoked = web.post(url + "revoke")
        assert revoked.status_code == (302 if want == 200 else want), couple_key
    feeds = CalendarFeed.objects.filter(partner=cast.people[who])
    mine = [key for key in COUPLES if who in PARTNERS[key]]
    assert feeds.count() == len(mine)
    assert not feeds.filter(revoked_at__isnull=True).exists()
    assert not AuditEvent.objects.filter(action="access.denied", organisation_id=None).exists()


@pytest.mark.parametrize("who", PEOPLE)
def test_it_shows_a_withdrawn_couples_calendar_page_to_whoever_sees_the_couple(
    cast: Cast, who: str
) -> None:
    lead = cast.viewer("lead")
    couple_withdraw(viewer=lead, couple=get_couple_for(lead, cast.couple.pk), reason="Moved")
    want = _expected(who, "couple")
    assert cast.client(who).get(f"/couples/{cast.couple.pk}/calendar/").status_code == (
        200 if want == 403 else want
    )


def test_it_answers_only_a_live_address_with_a_calendar(cast: Cast) -> None:
    browser = cast.client("partner_a")
    browser.post(f"/couples/{cast.couple.pk}/calendar/new")
    address = browser.get(f"/couples/{cast.couple.pk}/calendar/").context["address"]
    path = str(address).removeprefix("http://127.0.0.1:8000")
    assert Client().get(path).status_code == 200
    assert Client().get(path.replace("/calendar/", "/calendar/x")).status_code == 404
    browser.post(f"/couples/{cast.couple.pk}/calendar/revoke")
    assert Client().get(path).status_code == 404
