"""The e-mail outbox, on the page and at GET /api/v1/outbox, and the notification settings
page: who sees what."""

from __future__ import annotations

import pytest

from holdspace.accounts.services import membership_ensure
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.measures.models import SafetyAlert
from holdspace.notifications.models import NotificationPreference


@pytest.mark.parametrize(
    ("who", "couples"),
    [("lead", {"A & B", "C & D"}), ("admin", {"A & B", "C & D"}), ("facilitator", {"A & B"})],
)
def test_it_lists_the_alert_notifications_on_the_outbox_page(
    cast: Cast, mail_of_both_couples: list[SafetyAlert], who: str, couples: set[str]
) -> None:
    page = cast.client(who).get("/console/outbox/")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert {r.couple_name for r in rows if r.kind == "safety_alert"} == couples
    assert {r.couple_name for r in rows if r.kind == "reminder"} == couples
    assert {r.status for r in rows if r.kind == "safety_alert"} == {"sent"}
    html = page.content.decode()
    assert "Safety alert" in html and "Reminder" in html
    assert "Item 9" not in html  # the outbox shows what was sent: nothing clinical
    alert_row = next(r for r in rows if r.kind == "safety_alert" and r.couple_name == "A & B")
    assert f'id="outbox-safety_alert-{alert_row.id}"' in html


@pytest.mark.parametrize("who", ["partner_a", "researcher", "trial_partner_a"])
def test_it_shows_the_outbox_page_to_no_partner_or_researcher(cast: Cast, who: str) -> None:
    assert cast.client(who).get("/console/outbox/").status_code == 404


def test_it_hides_another_organisations_outbox_page_from_its_staff(
    cast: Cast, mail_of_both_couples: list[SafetyAlert]
) -> None:
    page = cast.client("trial_facilitator").get(f"/console/outbox/?org={cast.center.pk}")
    assert page.status_code == 404
    own = cast.client("trial_facilitator").get("/console/outbox/")
    assert {r.couple_name for r in own.context["rows"]} == {"E & F"}


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_it_lists_the_organisations_outbox_through_the_api_for_admins_and_leads(
    cast: Cast, mail_of_both_couples: list[SafetyAlert], who: str
) -> None:
    answer = cast.api(who).get("/api/v1/outbox?kind=safety_alert")
    assert answer.status_code == 200
    body = answer.json()
    # Issue 12 item 7: the list envelope alone (organisation_id stood beside it before).
    assert set(body) == {"items", "count", "next"} and body["next"] is None
    center_alerts = {a.pk for a in mail_of_both_couples[:2]}
    assert {item["alert_id"] for item in body["items"]} == center_alerts
    assert body["count"] == 4  # each alert to its couple's facilitator and the clinical lead
    item = next(i for i in body["items"] if i["recipient_email"] == "lead@example.org")
    assert {k: item[k] for k in ("kind", "status", "attempts", "channel")} == {
        "kind": "safety_alert",
        "status": "sent",
        "attempts": 1,
        "channel": "email",
    }
    assert AuditEvent.objects.filter(action="outbox.read", actor_id=cast.people[who].pk).exists()


def test_it_pages_the_api_outbox_with_limit_and_offset(
    cast: Cast, mail_of_both_couples: list[SafetyAlert]
) -> None:
    api = cast.api("lead")
    everything = api.get("/api/v1/outbox?limit=200").json()
    kinds = {item["kind"] for item in everything["items"]}
    assert kinds == {"reminder", "safety_alert"}
    assert everything["next"] is None
    total = everything["count"]
    assert total == len(everything["items"]) > 4
    first = api.get("/api/v1/outbox?limit=3").json()
    second = api.get("/api/v1/outbox?limit=3&offset=3").json()
    assert (first["count"], first["next"], second["count"]) == (total, 3, total)
    seen = [(i["kind"], i["id"]) for i in first["items"] + second["items"]]
    assert seen == [(i["kind"], i["id"]) for i in everything["items"][:6]]
    assert api.get("/api/v1/outbox?limit=0").status_code == 422
    assert api.get("/api/v1/outbox?limit=201").status_code == 422
    assert api.get("/api/v1/outbox?kind=fax").status_code == 422


def test_it_refuses_the_api_outbox_to_a_facilitator_who_sees_their_couples_on_the_page(
    cast: Cast, mail_of_both_couples: list[SafetyAlert]
) -> None:
    assert cast.api("facilitator").get("/api/v1/outbox").status_code == 403
    assert cast.api("facilitator").get(f"/api/v1/outbox?org={cast.center.pk}").status_code == 403


@pytest.mark.parametrize("who", ["partner_a", "researcher", "trial_facilitator"])
def test_it_hides_the_api_outbox_from_anyone_else(
    cast: Cast, mail_of_both_couples: list[SafetyAlert], who: str
) -> None:
    answer = cast.api(who).get(f"/api/v1/outbox?org={cast.center.pk}")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not found"}
    assert cast.api(who).get("/api/v1/outbox").status_code in {403, 404}


def test_it_shows_a_trial_lead_only_the_trials_mail_through_the_api(
    cast: Cast, mail_of_both_couples: list[SafetyAlert]
) -> None:
    membership_ensure(organisation=cast.trial, user=cast.admin, role="clinical_lead")
    body = cast.api("admin").get(f"/api/v1/outbox?org={cast.trial.pk}").json()
    assert {item["couple_id"] for item in body["items"]} == {cast.trial_couple.pk}


# The notification settings page -------------------------------------------------------------


def test_it_lets_a_clinical_lead_choose_a_channel_but_not_turn_safety_alerts_off(
    cast: Cast,
) -> None:
    lead = cast.client("lead")
    page = lead.get("/account/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cannot be turned off" in html
    assert 'value="sms" disabled' in html and 'value="push" disabled' in html
    off = lead.post("/account/notifications/", {"org": cast.center.pk, "channel": ""})
    assert off.status_code == 422
    assert "Safety alerts cannot be turned off for a clinical lead." in off.content.decode()
    sms = lead.post("/account/notifications/", {"org": cast.center.pk, "channel": "sms"})
    assert sms.status_code == 422
    assert "Text message (SMS) is not available on this Holdspace yet." in sms.content.decode()
    assert not NotificationPreference.objects.exists()  # nothing half-saved
    saved = lead.post("/account/notifications/", {"org": cast.center.pk, "channel": "email"})
    assert saved.status_code == 302
    again = lead.post(
        "/account/notifications/", {"org": cast.center.pk, "channel": "email"}, follow=True
    )
    assert "Saved: you are told by e-mail." in again.content.decode()
    (preference,) = NotificationPreference.objects.all()
    assert (preference.user, preference.channel) == (cast.lead, "email")
    assert AuditEvent.objects.filter(action="notification.preference").count() == 2


def test_it_keeps_a_facilitators_safety_alerts_on_too(cast: Cast) -> None:
    off = cast.client("facilitator").post("/account/notifications/", {"channel": "off"})
    assert off.status_code == 422
    assert "Safety alerts for your couples cannot be turned off." in off.content.decode()


@pytest.mark.parametrize("who", ["partner_a", "researcher"])
def test_it_hides_the_notification_settings_from_partners_and_researchers(
    cast: Cast, who: str
) -> None:
    assert cast.client(who).get("/account/notifications/").status_code == 404
    assert cast.client(who).post("/account/notifications/", {"channel": "email"}).status_code == 404


def test_it_hides_another_organisations_notification_settings_from_its_staff(cast: Cast) -> None:
    client = cast.client("trial_facilitator")
    assert client.get(f"/account/notifications/?org={cast.center.pk}").status_code == 404
    assert client.get("/account/notifications/?org=nonsense").status_code == 404
    assert client.get("/account/notifications/").status_code == 200


def test_it_links_the_notification_settings_in_the_staff_menu(cast: Cast) -> None:
    assert b'href="/account/notifications/"' in cast.client("lead").get("/console/").content
    portal = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/")
    assert portal.status_code == 200
    assert b'href="/account/notifications/"' not in portal.content


def test_it_gives_a_partner_who_is_staff_elsewhere_no_outbox_of_their_couples_organisation(
    cast: Cast, mail_of_both_couples: list[SafetyAlert]
) -> None:
    # Trial staff who is also a partner at the Center (a couple's own therapist elsewhere).
    membership_ensure(organisation=cast.center, user=cast.trial_facilitator, role="partner")
    client = cast.client("trial_facilitator")
    assert client.get(f"/console/outbox/?org={cast.center.pk}").status_code == 404
    assert client.get(f"/console/outbox/?org={cast.trial.pk}").status_code == 200
