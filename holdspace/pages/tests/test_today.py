"""The Today view and the queue: who sees which kind of item, that each leaves the queue once
done, that the page and the API agree, and what "today" is on the organisation's clock."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from holdspace.accounts.models import Role
from holdspace.audit.models import AuditEvent
from holdspace.bookings.models import Booking, BookingFacilitator
from holdspace.conftest import Cast, make_session
from holdspace.couples.models import Entry
from holdspace.measures.services import alert_acknowledge
from holdspace.pages.tests.waiting import expiring_licence, invitation, waiting_for
from holdspace.preparation.models import PreparationSession
from holdspace.screening.services import screening_override
from holdspace.sessions.models import Discharge

pytestmark = pytest.mark.django_db

EVERYONE = [
    "partner_a",
    "partner_b",
    "partner_c",
    "partner_d",
    "facilitator",
    "other_facilitator",
    "lead",
    "admin",
    "researcher",
    "trial_facilitator",
    "trial_partner_a",
    "trial_partner_b",
]

CARE = {"safety_alert", "discharge", "overdue_measure", "overdue_checkin", "invitation_pending"}
# The kinds of item about couple A & B each person finds in their queue (None: no Today).
ABOUT_THE_COUPLE: dict[str, set[str] | None] = {
    "partner_a": None,
    "partner_b": None,
    "partner_c": None,
    "partner_d": None,
    "researcher": None,
    "trial_partner_a": None,
    "trial_partner_b": None,
    "facilitator": CARE | {"unread_entry"},
    "lead": CARE | {"screening_review"},
    "other_facilitator": set(),
    "admin": set(),
    "trial_facilitator": set(),
}


def _queue(cast: Cast, who: str, query: str = "") -> list[dict[str, Any]]:
    response = cast.api(who).get(f"/api/v1/me/queue?limit=200{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return list(body["items"])


def _kinds_about(items: list[dict[str, Any]], couple_id: int) -> set[str]:
    return {i["kind"] for i in items if i["couple_id"] == couple_id}


@pytest.mark.parametrize("who", EVERYONE)
def test_it_gives_each_person_exactly_the_items_the_policy_allows(cast: Cast, who: str) -> None:
    waiting_for(cast, cast.couple, cast.facilitator)
    web, api = cast.client(who), cast.api(who)
    expected = ABOUT_THE_COUPLE[who]
    page = web.get("/today/")
    answer = api.get("/api/v1/me/queue")
    today = api.get("/api/v1/me/today")
    if expected is None:
        assert (page.status_code, answer.status_code, today.status_code) == (404, 404, 404)
        return
    assert (page.status_code, answer.status_code, today.status_code) == (200, 200, 200)
    assert _kinds_about(_queue(cast, who), cast.couple.pk) == expected
    if expected:
        assert escape(cast.couple.name) in page.content.decode()
    else:
        assert "Nothing waits for you" in page.content.decode()


def test_it_shows_the_other_couples_facilitator_only_their_own_couple(cast: Cast) -> None:
    waiting_for(cast, cast.couple, cast.facilitator)
    waiting_for(cast, cast.other_couple, cast.other_facilitator)
    mine = _queue(cast, "other_facilitator")
    assert {i["couple_id"] for i in mine} == {cast.other_couple.pk}
    theirs = _queue(cast, "facilitator")
    assert {i["couple_id"] for i in theirs} == {cast.couple.pk}
    lead = _queue(cast, "lead")
    assert {i["couple_id"] for i in lead} == {cast.couple.pk, cast.other_couple.pk}


def test_it_shows_credentials_to_their_holder_and_the_organisations_managers(cast: Cast) -> None:
    credential = expiring_licence(cast.facilitator, cast.center, days=10)
    holders = {
        who: [i for i in _queue(cast, who) if i["kind"] == "credential_expiring"]
        for who in ("facilitator", "other_facilitator", "lead", "admin", "trial_facilitator")
    }
    assert [i["record_id"] for i in holders["facilitator"]] == [credential.pk]
    assert holders["facilitator"][0]["title"] == "Licence expires in 10 days"
    assert holders["other_facilitator"] == [] and holders["trial_facilitator"] == []
    for manager in ("lead", "admin"):
        assert [i["record_id"] for i in holders[manager]] == [credential.pk]
        assert holders[manager][0]["title"].startswith("Facilitator: Licence expires")
    # Past thirty days it is not yet waiting; once expired (verified still) it is.
    credential.expires_on = timezone.localdate() + dt.timedelta(days=31)
    credential.save(update_fields=["expires_on"])
    assert not [i for i in _queue(cast, "facilitator") if i["kind"] == "credential_expiring"]
    credential.expires_on = timezone.localdate() - dt.timedelta(days=1)
    credential.save(update_fields=["expires_on"])
    (item,) = [i for i in _queue(cast, "facilitator") if i["kind"] == "credential_expiring"]
    assert item["title"] == "Licence has expired"


def test_it_chases_invitations_after_72_hours_for_who_manages_them(cast: Cast) -> None:
    staff = invitation(cast.center, cast.admin, role=Role.FACILITATOR, sent_days_ago=3.1)
    partner = invitation(cast.center, cast.facilitator, couple=cast.couple, sent_days_ago=3.1)
    invitation(cast.center, cast.admin, role=Role.CLINICAL_LEAD, sent_days_ago=2.9)  # not yet
    invitation(cast.center, cast.facilitator, couple=cast.other_couple, sent_days_ago=5)
    accepted = invitation(cast.center, cast.admin, role=Role.RESEARCHER, sent_days_ago=5)
    accepted.accepted_at = timezone.now()
    accepted.save(update_fields=["accepted_at"])
    revoked = invitation(cast.center, cast.admin, role=Role.RESEARCHER, sent_days_ago=5)
    revoked.revoked_at = timezone.now()
    revoked.save(update_fields=["revoked_at"])

    def pending(who: str) -> set[int]:
        return {i["record_id"] for i in _queue(cast, who) if i["kind"] == "invitation_pending"}

    assert pending("admin") == {staff.pk}
    assert partner.pk in pending("facilitator") and staff.pk not in pending("facilitator")
    assert len(pending("facilitator")) == 1  # not the other couple's
    assert partner.pk in pending("lead") and staff.pk not in pending("lead")
    assert pending("other_facilitator") - {partner.pk} == pending("other_facilitator")
    # A resend starts the 72 hours again.
    staff.sent_at = timezone.now()
    staff.save(update_fields=["sent_at"])
    assert pending("admin") == set()


def test_it_drops_each_item_once_it_is_done(cast: Cast) -> None:
    made = waiting_for(cast, cast.couple, cast.facilitator)
    lead, facilitator = cast.viewer("lead"), cast.viewer("facilitator")
    before = {i["kind"] for i in _queue(cast, "lead")} | {
        i["kind"] for i in _queue(cast, "facilitator")
    }
    assert {"safety_alert", "screening_review", "discharge", "unread_entry"} <= before

    alert_acknowledge(viewer=facilitator, alert=made["alert"], note="Called her; she is safe.")
    screening_override(
        viewer=lead,
        screening=made["screening"],
        decision="eligible",
        reason="Reviewed with the prescriber; cleared.",
    )
    Entry.objects.filter(pk=made["entry"].pk).update(
        team_read_at=timezone.now(), team_read_by=cast.facilitator
    )
    first, second = made["partners"]
    Discharge.objects.create(
        organisation=cast.center,
        session=made["session"],
        partner=first,
        effects_resolved=True,
        oriented=True,
        transport_confirmed=True,
        left_at=timezone.now(),
        signed_off_by=cast.facilitator,
    )
    discharges = [i for i in _queue(cast, "facilitator") if i["kind"] == "discharge"]
    assert [i["partner_id"] for i in discharges] == [second.pk]  # one left, one to go
    assert discharges[0]["url"] == f"/sessions/{made['session'].pk}/discharge/{second.pk}/"
    made["session"].status = "closed"
    made["session"].save(update_fields=["status"])
    after = {i["kind"] for i in _queue(cast, "lead")} | {
        i["kind"] for i in _queue(cast, "facilitator")
    }
    assert not after & {"safety_alert", "screening_review", "discharge", "unread_entry"}


def test_it_names_the_partner_and_links_each_item_to_where_it_is_done(cast: Cast) -> None:
    made = waiting_for(cast, cast.couple, cast.facilitator)
    items = {i["kind"]: i for i in _queue(cast, "facilitator")}
    couple = cast.couple.pk
    alert = items["safety_alert"]
    assert alert["url"] == f"/couples/{couple}/#alert-{made['alert'].pk}"
    assert (alert["partner_id"], alert["record_type"]) == (cast.partner_a.pk, "safety_alert")
    entry = items["unread_entry"]
    assert entry["url"] == f"/couples/{couple}/entries/{made['entry'].pk}/"
    assert entry["partner_id"] == cast.partner_b.pk
    overdue = [i for i in _queue(cast, "facilitator") if i["kind"] == "overdue_measure"]
    assert {i["partner_id"] for i in overdue} == {cast.partner_a.pk, cast.partner_b.pk}
    assert all(i["url"] == f"/couples/{couple}/#schedule" for i in overdue)
    assert all("questionnaire" in i["title"] and i["due_on"] for i in overdue)
    checkin = items["overdue_checkin"]
    assert checkin["partner_id"] == cast.partner_b.pk  # the commitment is partner B's
    assert "A walk together" in checkin["title"]
    # Every link opens for the person it is for.
    expiring_licence(cast.facilitator, cast.center)
    invitation(cast.center, cast.admin, role=Role.FACILITATOR)
    for who in ("facilitator", "lead", "admin"):
        web = cast.client(who)
        items = _queue(cast, who)
        assert items, who
        for item in items:
            assert web.get(item["url"]).status_code == 200, (who, item)


def test_it_shows_the_same_items_on_the_page_and_through_the_api(cast: Cast) -> None:
    waiting_for(cast, cast.couple, cast.facilitator)
    waiting_for(cast, cast.other_couple, cast.other_facilitator)
    expiring_licence(cast.facilitator, cast.center)
    for who in ("facilitator", "lead", "admin"):
        items = _queue(cast, who)
        html = cast.client(who).get("/today/").content.decode()
        assert items, who
        for item in items:
            assert f'href="{item["url"]}"' in html.replace("&amp;", "&"), (who, item)
        shown = html.count("<li>\n        <a href=")
        assert shown == len(items), (who, shown, len(items))


def test_it_pages_the_queue_with_limit_and_offset(cast: Cast) -> None:
    waiting_for(cast, cast.couple, cast.facilitator)
    everything = _queue(cast, "facilitator")
    api = cast.api("facilitator")
    first = api.get("/api/v1/me/queue?limit=2").json()
    assert first["count"] == len(everything) and first["next"] == 2
    assert first["items"] == everything[:2]
    last = api.get(f"/api/v1/me/queue?limit=2&offset={len(everything) - 1}").json()
    assert last["next"] is None and last["items"] == everything[-1:]
    assert api.get("/api/v1/me/queue?limit=0").status_code == 422
    assert api.get("/api/v1/me/queue?org=abc").status_code == 422


def test_it_shows_one_organisation_at_a_time_and_refuses_another(cast: Cast) -> None:
    waiting_for(cast, cast.couple, cast.facilitator)
    waiting_for(cast, cast.trial_couple, cast.trial_facilitator)
    # The facilitator also works at the trial site, on its couple's care team.
    from holdspace.accounts.services import membership_ensure  # noqa: PLC0415 (test setup)

    membership_ensure(organisation=cast.trial, user=cast.facilitator, role=Role.FACILITATOR)
    cast.trial_couple.care_team.create(organisation=cast.trial, user=cast.facilitator)
    center = _queue(cast, "facilitator")
    trial = _queue(cast, "facilitator", f"&org={cast.trial.pk}")
    assert {i["couple_id"] for i in center} == {cast.couple.pk}
    assert {i["couple_id"] for i in trial} == {cast.trial_couple.pk}
    page = cast.client("facilitator").get(f"/today/?org={cast.trial.pk}").content.decode()
    assert escape(cast.trial_couple.name) in page and 'name="org"' in page
    # Another organisation's Today: refused, audited in the viewer's own chain.
    assert cast.client("lead").get(f"/today/?org={cast.trial.pk}").status_code == 403
    assert cast.api("lead").get(f"/api/v1/me/queue?org={cast.trial.pk}").status_code == 403
    assert AuditEvent.objects.filter(
        action="access.denied", object_type="today", organisation=cast.center
    ).exists()


def test_it_audits_one_read_a_request(cast: Cast) -> None:
    made = waiting_for(cast, cast.couple, cast.facilitator)
    web = cast.client("facilitator")
    before = AuditEvent.objects.count()
    assert web.get("/today/").status_code == 200
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["queue.read"]
    detail = events[0].detail
    assert detail["part"] == "page"
    assert detail["items"]["safety_alert"] == [made["alert"].pk]
    assert detail["items"]["unread_entry"] == [made["entry"].pk]
    api = cast.api("facilitator")
    before = AuditEvent.objects.count()
    api.get("/api/v1/me/queue")
    api.get("/api/v1/me/today")
    parts = [
        e.detail["part"]
        for e in AuditEvent.objects.order_by("id")[before:]
        if e.action == "queue.read"
    ]
    assert parts == ["queue", "today"]


def test_it_sends_staff_home_to_today_and_keeps_the_console(cast: Cast) -> None:
    for who in ("facilitator", "lead", "admin"):
        assert cast.client(who).get("/")["Location"] == "/today/"
        assert cast.client(who).get("/console/").status_code == 200
    assert 'href="/console/?org=' in cast.client("lead").get("/today/").content.decode()


# Today's sessions ------------------------------------------------------------------------------

ZONE = "America/Los_Angeles"
# 20:00 in Los Angeles on 9 March 2026 (UTC−7): 03:00 UTC on the 10th.
EVENING = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)


def _local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    from zoneinfo import ZoneInfo  # noqa: PLC0415 (only here)

    return dt.datetime(2026, 3, day, hour, minute, tzinfo=ZoneInfo(ZONE))


def _booking(cast: Cast, starts_at: dt.datetime, *, who: Any, status: str = "confirmed") -> Booking:
    booking = Booking.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        kind="preparation",
        status=status,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=30),
        created_by=cast.lead,
    )
    if who is not None:
        BookingFacilitator.objects.create(organisation=cast.center, booking=booking, user=who)
    return booking


def test_it_counts_today_on_the_organisations_clock(cast: Cast) -> None:
    cast.center.time_zone = ZONE
    cast.center.save(update_fields=["time_zone"])
    with time_machine.travel(EVENING, tick=False):
        late = _booking(cast, _local(9, 23, 30), who=cast.other_facilitator)  # 06:30 UTC, 10th
        early = _booking(cast, _local(9, 0, 0), who=cast.other_facilitator)
        _booking(cast, _local(10, 0, 0), who=cast.other_facilitator)  # tomorrow there
        _booking(cast, _local(8, 23, 59), who=cast.other_facilitator)  # yesterday there
        _booking(cast, _local(9, 12), who=cast.other_facilitator, status="cancelled")
        body = cast.api("lead").get("/api/v1/me/today").json()
        assert [i["booking_id"] for i in body["items"]] == [early.pk, late.pk]
        page = cast.client("lead").get("/today/").content.decode()
        assert "Monday 9 March" in page and ">23:30<" in page


def test_it_shows_a_facilitator_the_sessions_they_are_booked_for_or_care_for(cast: Cast) -> None:
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(now, tick=False):
        theirs = _booking(cast, now + dt.timedelta(hours=1), who=cast.other_facilitator)
        tentative = _booking(cast, now + dt.timedelta(hours=2), who=None, status="tentative")
        medicine = make_session(cast, starts_at=now + dt.timedelta(hours=3))  # with its booking
        held = PreparationSession.objects.create(
            organisation=cast.center,
            couple=cast.other_couple,
            kind="joint",
            held_at=now + dt.timedelta(hours=4),
            status="scheduled",
            facilitator=cast.facilitator,
            recorded_by=cast.facilitator,
        )

        def seen_items(who: str) -> list[dict[str, Any]]:
            return list(cast.api(who).get("/api/v1/me/today").json()["items"])

        def seen(who: str) -> list[tuple[str, int | None, int | None, bool]]:
            items = seen_items(who)
            return [(i["kind"], i["booking_id"], i["session_id"], i["tentative"]) for i in items]

        everything = [
            ("preparation", theirs.pk, None, False),
            ("preparation", tentative.pk, None, True),
            ("medicine", medicine.booking_id, None, False),
            ("preparation", None, held.pk, False),
        ]
        assert seen("lead") == everything and seen("admin") == everything
        # Couple A & B's facilitator: their couple's bookings, their session, and the other
        # couple's preparation session they lead.
        assert seen("facilitator") == everything
        # The other facilitator: the booking they hold and their own couple's session, not
        # A & B's other sessions.
        assert seen("other_facilitator") == [
            ("preparation", theirs.pk, None, False),
            ("preparation", None, held.pk, False),
        ]
        assert seen("trial_facilitator") == []
        page = cast.client("facilitator").get("/today/").content.decode()
        assert "Tentative" in page and f"/sessions/{medicine.pk}/plan/" in page
        # Every session's link opens for whoever sees it (an org admin's: the couple's page);
        # standing in for another couple's facilitator, there is no link to that couple.
        for who in ("lead", "admin", "facilitator", "other_facilitator"):
            web, api = cast.client(who), cast.api(who)
            for item in api.get("/api/v1/me/today").json()["items"]:
                if item["url"] == "":
                    couple = api.get(f"/api/v1/couples/{item['couple_id']}")
                    assert couple.status_code == 404, (who, item)
                else:
                    assert web.get(item["url"]).status_code == 200, (who, item)
        standing_in = [i for i in seen_items("facilitator") if i["url"] == ""]
        assert [i["session_id"] for i in standing_in] == [held.pk]
