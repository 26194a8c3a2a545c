"""The org admin or clinical lead chooses the jurisdiction profile; the change is audited and
takes effect at once; nobody else may change it."""

from __future__ import annotations

import pytest

from holdspace.accounts.models import Organisation
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["admin", "lead"])
def test_it_lets_an_admin_or_lead_change_the_profile(cast: Cast, who: str) -> None:
    client = cast.client(who)
    assert "Oregon psilocybin services" in client.get("/organisation/").content.decode()
    # First the page says what the new profile changes, and changes nothing yet.
    asked = client.post("/organisation/", {"profile": "general-therapy"})
    assert asked.status_code == 200
    assert "MDMA can be planned." in asked.content.decode()
    assert Organisation.objects.get(pk=cast.center.pk).profile == "oregon-psilocybin"
    response = client.post("/organisation/", {"profile": "general-therapy", "confirm": "1"})
    assert response.status_code == 302
    assert Organisation.objects.get(pk=cast.center.pk).profile == "general-therapy"
    event = AuditEvent.objects.filter(action="organisation.profile").get()
    assert event.detail["from"] == "oregon-psilocybin"
    # The screening form now offers both substances of the general profile.
    page = client.get(f"/couples/{cast.couple.pk}/partners/{cast.partner_a.pk}/screening/")
    if who == "lead":
        assert 'value="mdma"' in page.content.decode()


def test_it_refuses_an_unknown_profile_by_name(cast: Cast) -> None:
    response = cast.client("admin").post("/organisation/", {"profile": "atlantis"})
    assert response.status_code == 422
    assert "No jurisdiction profile named &#x27;atlantis&#x27;" in response.content.decode()
    assert Organisation.objects.get(pk=cast.center.pk).profile == "oregon-psilocybin"


@pytest.mark.parametrize("who", ["facilitator", "researcher", "partner_a", "trial_facilitator"])
def test_it_lets_nobody_else_change_the_profile(cast: Cast, who: str) -> None:
    client = cast.client(who)
    assert client.post("/organisation/", {"profile": "general-therapy"}).status_code == 403
    assert (
        client.post(
            f"/organisation/?org={cast.center.pk}", {"profile": "general-therapy"}
        ).status_code
        == 403
    )
    assert Organisation.objects.get(pk=cast.center.pk).profile == "oregon-psilocybin"
