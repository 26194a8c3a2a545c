"""The organisation page: its org admin edits the details and the rooms; a new jurisdiction
profile is confirmed after seeing what it changes; /api/v1/organisation/rooms lists and adds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from holdspace.accounts.models import Organisation, Room
from holdspace.accounts.selectors import profile_differences
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.screening.profiles import get_profile

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_it_saves_the_details_and_audits_what_changed(cast: Cast) -> None:
    web = cast.client("admin")
    answer = web.post(
        "/organisation/details",
        {
            "name": "  Center  of Care ",
            "address": "1 River St\nPortland, OR",
            "phone": "+1 503 555 0100",
        },
    )
    assert answer.status_code == 302
    center = Organisation.objects.get(pk=cast.center.pk)
    assert (center.name, center.address, center.phone) == (
        "Center of Care",
        "1 River St\nPortland, OR",
        "+1 503 555 0100",
    )
    event = AuditEvent.objects.get(action="organisation.update")
    assert event.detail["changed"] == ["name", "address", "phone"]
    # Saving the same again changes nothing and writes nothing.
    web.post(
        "/organisation/details",
        {
            "name": "Center of Care",
            "address": "1 River St\nPortland, OR",
            "phone": "+1 503 555 0100",
        },
    )
    assert AuditEvent.objects.filter(action="organisation.update").count() == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "phone": "555"}, "Give the organisation a name."),
        ({"name": "trial", "phone": "555"}, "An organisation named Trial already exists."),
        ({"name": "Center", "phone": "call me"}, "Enter a phone number with digits"),
        ({"name": "Center", "phone": "5" * 41}, "Keep the phone number to 40 characters."),
        ({"name": "C" * 201, "phone": ""}, "Keep the name to 200 characters."),
    ],
)
def test_it_refuses_bad_details_keeping_what_was_typed(
    cast: Cast, form: dict[str, str], message: str
) -> None:
    answer = cast.client("admin").post(
        "/organisation/details", {**form, "address": "Typed address"}
    )
    assert answer.status_code == 422
    page = answer.content.decode()
    assert message in page
    assert "Typed address" in page
    center = Organisation.objects.get(pk=cast.center.pk)
    assert (center.name, center.address, center.phone) == ("Center", "", "")


def test_it_lets_only_the_org_admin_edit_the_details_and_rooms(cast: Cast) -> None:
    lead = cast.client("lead")
    page = lead.get("/organisation/").content.decode()
    assert "Your org admin edits these." in page and "Add the room" not in page
    assert lead.post("/organisation/details", {"name": "Mine"}).status_code == 403
    assert lead.post("/organisation/rooms", {"name": "Cedar"}).status_code == 403
    assert Organisation.objects.get(pk=cast.center.pk).name == "Center"
    assert not Room.objects.exists()


def test_it_adds_renames_archives_and_restores_rooms(cast: Cast) -> None:
    web = cast.client("admin")
    assert (
        web.post("/organisation/rooms", {"name": " Cedar  room ", "notes": "two mats"}).status_code
        == 302
    )
    room = Room.objects.get()
    assert (room.name, room.notes, room.organisation_id) == (
        "Cedar room",
        "two mats",
        cast.center.pk,
    )
    web.post("/organisation/rooms", {"name": "Willow room"})
    taken = web.post("/organisation/rooms", {"name": "CEDAR ROOM", "notes": "typed notes"})
    assert taken.status_code == 422
    assert "already has a room named CEDAR ROOM" in taken.content.decode()
    assert "typed notes" in taken.content.decode()
    blank = web.post("/organisation/rooms", {"name": "   "})
    assert blank.status_code == 422 and "Give the room a name." in blank.content.decode()
    assert Room.objects.count() == 2

    renamed = web.post(f"/organisation/rooms/{room.pk}/rename", {"name": "willow ROOM"})
    assert renamed.status_code == 422
    assert 'value="willow ROOM"' in renamed.content.decode()
    assert (
        web.post(f"/organisation/rooms/{room.pk}/rename", {"name": "Oak room"}).status_code == 302
    )
    assert web.post(f"/organisation/rooms/{room.pk}/archive").status_code == 302
    room.refresh_from_db()
    assert (room.name, room.archived_at is not None) == ("Oak room", True)
    # An archived room's name is still the organisation's.
    assert web.post("/organisation/rooms", {"name": "oak room"}).status_code == 422
    assert web.post(f"/organisation/rooms/{room.pk}/restore").status_code == 302
    room.refresh_from_db()
    assert room.archived_at is None
    actions = list(
        AuditEvent.objects.filter(action__startswith="room.").values_list("action", flat=True)
    )
    assert actions == ["room.create", "room.create", "room.update", "room.archive", "room.restore"]


def test_it_keeps_another_organisations_rooms_out_of_reach(cast: Cast) -> None:
    theirs = Room.objects.create(organisation=cast.trial, name="Trial room")
    web = cast.client("admin")
    assert web.post(f"/organisation/rooms/{theirs.pk}/archive").status_code == 404
    assert web.post(f"/organisation/rooms/{theirs.pk}/rename", {"name": "Mine"}).status_code == 404
    assert (
        web.post(f"/organisation/rooms/{theirs.pk}/archive?org={cast.trial.pk}").status_code == 403
    )
    theirs.refresh_from_db()
    assert (theirs.name, theirs.archived_at) == ("Trial room", None)


def test_it_lists_and_adds_rooms_through_the_api(cast: Cast) -> None:
    api = cast.api("admin")
    made = _post(api, "/api/v1/organisation/rooms", {"name": "Cedar room", "notes": "quiet"})
    assert made.status_code == 201
    assert made.json()["name"] == "Cedar room" and made.json()["archived"] is False
    again = _post(api, "/api/v1/organisation/rooms", {"name": "cedar room"})
    assert again.status_code == 409
    assert "already has a room named" in again.json()["detail"]
    blank = _post(api, "/api/v1/organisation/rooms", {"name": " "})
    assert blank.status_code == 422
    assert [p["loc"][-1] for p in blank.json()["detail"]] == ["name"]
    long = _post(api, "/api/v1/organisation/rooms", {"name": "x" * 121, "notes": "y" * 301})
    assert long.status_code == 422
    assert sorted(p["loc"][-1] for p in long.json()["detail"]) == ["name", "notes"]
    listed = cast.api("researcher").get("/api/v1/organisation/rooms").json()
    assert [r["name"] for r in listed["items"]] == ["Cedar room"]
    assert (
        _post(cast.api("lead"), "/api/v1/organisation/rooms", {"name": "Lead's"}).status_code == 403
    )
    assert Room.objects.count() == 1


# The jurisdiction profile ----------------------------------------------------------------


def test_it_says_what_a_new_profile_changes_before_changing_it(cast: Cast) -> None:
    web = cast.client("admin")
    asked = web.post("/organisation/", {"profile": "colorado-natural-medicine"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "From Oregon psilocybin services to Colorado natural medicine" in page
    assert "2 couples you have now" in page
    # Oregon's client bill of rights is not Colorado's; Colorado sets no preparation window.
    assert "Client bill of rights will no longer be required" in page
    assert "was at least 24 hours and at most 90 days before the medicine session" in page
    assert 'name="confirm"' in page
    assert Organisation.objects.get(pk=cast.center.pk).profile == "oregon-psilocybin"
    assert not AuditEvent.objects.filter(action="organisation.profile").exists()
    done = web.post("/organisation/", {"profile": "colorado-natural-medicine", "confirm": "1"})
    assert done.status_code == 302
    assert Organisation.objects.get(pk=cast.center.pk).profile == "colorado-natural-medicine"


def test_it_computes_each_difference_from_the_two_profiles() -> None:
    oregon, trial = get_profile("oregon-psilocybin"), get_profile("mdma-clinical-trial")
    lines = profile_differences(oregon, trial)
    assert any(line.startswith("Psilocybin can no longer be planned") for line in lines)
    assert "MDMA can be planned." in lines
    assert any("Records are kept for" in line for line in lines) == (
        oregon.retention.years != trial.retention.years
    )
    assert profile_differences(oregon, oregon) == []
    general = get_profile("general-therapy")
    to_oregon = profile_differences(general, oregon)
    assert "The minimum age of a partner at intake is 21 (was none)." in to_oregon
    assert "Follow-up contacts after a session: none (were on days 1, 7)." in to_oregon
