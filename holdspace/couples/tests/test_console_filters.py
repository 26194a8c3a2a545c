"""The couples list: searched by a partner's e-mail too, filtered by stage, care team, open
safety alerts and overdue questionnaires, combined, and kept in the address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdspace.accounts.services import invitation_create
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_session
from holdspace.couples.models import CareTeamMember, Couple, Stage
from holdspace.measures.models import SafetyAlert
from holdspace.sessions.models import MedicineSession

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _names(html: str) -> set[str]:
    return {name for name in ("A &amp; B", "C &amp; D", "G &amp; H") if f">{name}</a>" in html}


def _alert(cast: Cast, couple: Couple) -> SafetyAlert:
    partner = couple.partners.order_by("slot").first()
    assert partner is not None
    return SafetyAlert.objects.create(
        organisation_id=couple.organisation_id,
        couple=couple,
        partner=partner.user,
        rule_id="phq9_item9",
        message="Item 9 was answered above 0.",
        source="Simon et al. 2013",
    )


def _overdue(cast: Cast) -> None:
    """CAST.couple's follow-up questionnaires are past due: a session ended nine days ago."""
    session = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=10))
    MedicineSession.objects.filter(pk=session.pk).update(
        status="closed", ended_at=timezone.now() - dt.timedelta(days=9)
    )


def test_it_finds_couples_by_a_partners_or_an_invited_persons_e_mail(cast: Cast) -> None:
    lead = cast.client("lead")
    assert _names(lead.get("/console/?q=PARTNER_C@example").content.decode()) == {"C &amp; D"}
    newcomer = Couple.objects.create(organisation=cast.center, name="G & H")
    invitation_create(
        viewer=cast.viewer("lead"),
        organisation=cast.center,
        email="gee@example.net",
        display_name="Gee",
        couple=newcomer,
    )
    assert _names(lead.get("/console/?q=gee@example").content.decode()) == {"G &amp; H"}
    assert _names(lead.get("/console/?q=a %26 b").content.decode()) == {"A &amp; B"}
    # A facilitator finds only their own couples, whatever they type.
    assert _names(cast.client("facilitator").get("/console/?q=partner_c").content.decode()) == set()
    api = cast.api("lead").get("/api/v1/couples?q=partner_d@").json()
    assert [c["name"] for c in api["items"]] == ["C & D"]


def test_it_filters_by_stage_and_care_team_combined_with_the_search(cast: Cast) -> None:
    Couple.objects.filter(pk=cast.other_couple.pk).update(stage=Stage.INTEGRATION)
    CareTeamMember.objects.create(
        organisation=cast.center, couple=cast.other_couple, user=cast.facilitator
    )
    lead = cast.client("lead")
    assert _names(lead.get("/console/?stage=integration").content.decode()) == {"C &amp; D"}
    by_team = lead.get(f"/console/?facilitator={cast.facilitator.pk}").content.decode()
    assert _names(by_team) == {"A &amp; B", "C &amp; D"}
    both = lead.get(f"/console/?facilitator={cast.facilitator.pk}&stage=preparation&q=partner")
    assert _names(both.content.decode()) == {"A &amp; B"}
    none = lead.get("/console/?stage=closed").content.decode()
    assert "No couple matches these filters." in none
    # Unknown values are left out rather than refused.
    assert _names(lead.get("/console/?stage=moon&facilitator=x").content.decode()) == {
        "A &amp; B",
        "C &amp; D",
    }
    api = cast.api("lead").get(
        f"/api/v1/couples?stage=integration&facilitator={cast.facilitator.pk}"
    )
    assert [c["name"] for c in api.json()["items"]] == ["C & D"]
    assert cast.api("lead").get("/api/v1/couples?stage=moon").status_code == 422


def test_it_filters_by_open_alerts_and_overdue_questionnaires(cast: Cast) -> None:
    lead = cast.client("lead")
    alert = _alert(cast, cast.other_couple)
    _overdue(cast)
    assert _names(lead.get("/console/?alerts=1").content.decode()) == {"C &amp; D"}
    assert _names(lead.get("/console/?overdue=1").content.decode()) == {"A &amp; B"}
    assert _names(lead.get("/console/?alerts=1&overdue=1").content.decode()) == set()
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_at"])
    assert _names(lead.get("/console/?alerts=1").content.decode()) == set()
    # A facilitator's alerts are their own couples'.
    _alert(cast, cast.other_couple)
    assert _names(cast.client("facilitator").get("/console/?alerts=1").content.decode()) == set()
    # An org admin has no care filters: the boxes are not offered.
    assert 'name="alerts"' not in cast.client("admin").get("/console/").content.decode()


def test_the_filters_stay_in_the_address_and_the_pager_links(cast: Cast) -> None:
    Couple.objects.bulk_create(
        Couple(organisation=cast.center, name=f"Z couple {i:03d}", stage=Stage.SCREENING)
        for i in range(60)
    )
    lead = cast.client("lead")
    html = lead.get("/console/?stage=screening&q=couple").content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?page=2&amp;q=couple&amp;stage=screening"' in html
    assert '<option value="screening" selected>' in html
    assert 'hx-push-url="true"' in html
    rows = lead.get("/console/?stage=screening&q=couple&page=2", headers=HTMX).content.decode()
    assert rows.startswith('<div id="couple-rows">') and "Z couple 059" in rows
    # Going back to a page htmx changed asks for the whole page.
    restored = lead.get(
        "/console/?stage=screening", headers={**HTMX, "HX-History-Restore-Request": "true"}
    ).content.decode()
    assert "<html" in restored
    event = AuditEvent.objects.filter(action="couple.list").last()
    assert event is not None and event.detail["stage"] == "screening"
