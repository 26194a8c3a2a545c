from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from holdspace.accounts.models import ApiToken
from holdspace.api import api
from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast, make_entry
from holdspace.couples.models import Entry

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[3] / "docs"


def _post(client: Client, url: str, body: object):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body), content_type="application/json")


def test_it_tells_the_caller_who_they_are(cast: Cast) -> None:
    response = cast.api("lead").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": cast.lead.pk,
        "email": "lead@example.org",
        "display_name": "Lead",
        "memberships": [
            {
                "organisation_id": cast.center.pk,
                "organisation": "Center",
                "profile": "oregon-psilocybin",
                "role": "clinical_lead",
            }
        ],
    }


@pytest.mark.parametrize("header", [None, "Bearer nope", "Token abc", "Bearer "])
def test_it_refuses_requests_without_a_valid_token(cast: Cast, header: str | None) -> None:
    client = Client(headers={"Authorization": header} if header else {})
    assert client.get("/api/v1/me").status_code == 401
    assert client.get(f"/api/v1/couples/{cast.couple.pk}").status_code == 401


def test_it_stops_accepting_a_revoked_token(cast: Cast) -> None:

    client = cast.api("partner_a")
    assert client.get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(user=cast.partner_a).update(revoked_at=timezone.now())
    assert client.get("/api/v1/me").status_code == 401


def test_it_lists_couples_with_stage_and_partners(cast: Cast) -> None:
    response = cast.api("facilitator").get("/api/v1/couples")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    couple = body["items"][0]
    assert couple["name"] == "A & B"
    assert couple["stage"] == "preparation"
    assert [p["display_name"] for p in couple["partners"]] == ["Partner A", "Partner B"]


def test_it_creates_an_entry_and_returns_it_with_its_id(cast: Cast) -> None:
    client = cast.api("partner_a")
    response = _post(
        client,
        f"/api/v1/couples/{cast.couple.pk}/entries",
        {"kind": "intention", "visibility": "couple", "body": "  Be kind.  "},
    )
    assert response.status_code == 201
    created = response.json()
    entry = Entry.objects.get(pk=created["id"])
    assert (entry.author, entry.visibility, entry.body) == (cast.partner_a, "couple", "Be kind.")
    assert entry.organisation == cast.center
    event = AuditEvent.objects.filter(action="entry.create").get()
    assert (event.object_id, event.couple_id) == (str(entry.pk), cast.couple.pk)
    again = client.get(f"/api/v1/couples/{cast.couple.pk}/entries/{entry.pk}")
    assert again.json()["body"] == "Be kind."


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"visibility": "team", "body": "x"}, "kind", "Field required"),
        ({"kind": "poem", "visibility": "team", "body": "x"}, "kind", "Input should be"),
        (
            {"kind": "journal", "visibility": "everyone", "body": "x"},
            "visibility",
            "Input should be 'private', 'team' or 'couple'",
        ),
        ({"kind": "journal", "visibility": "team", "body": ""}, "body", "at least 1 character"),
        (
            {"kind": "journal", "visibility": "team", "body": "   "},
            "body",
            "Write something before saving.",
        ),
        (
            {"kind": "journal", "visibility": "team", "body": "x" * 20_001},
            "body",
            "at most 20000 characters",
        ),
        ({"kind": "journal", "visibility": "team", "body": 5}, "body", "valid string"),
        # PostgreSQL cannot store NUL in text: refused up front rather than a server error.
        ({"kind": "journal", "visibility": "team", "body": "a\x00b"}, "body", "NUL character"),
    ],
)
def test_it_answers_bad_input_with_422_naming_the_field_and_reason(
    cast: Cast, body: dict[str, object], field: str, reason: str
) -> None:
    response = _post(cast.api("partner_a"), f"/api/v1/couples/{cast.couple.pk}/entries", body)
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert any(p["loc"][-1] == field and reason in p["msg"] for p in problems), problems
    assert not Entry.objects.exists()


def test_it_answers_malformed_json_with_a_clear_error(cast: Cast) -> None:
    response = cast.api("partner_a").post(
        f"/api/v1/couples/{cast.couple.pk}/entries", "{not json", content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_it_changes_visibility_both_ways_for_the_author(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "private")
    client = cast.api("partner_a")
    url = f"/api/v1/couples/{cast.couple.pk}/entries/{entry.pk}"
    b = cast.api("partner_b")
    assert b.get(url).status_code == 404
    assert (
        client.patch(
            url, json.dumps({"visibility": "couple"}), content_type="application/json"
        ).json()["visibility"]
        == "couple"
    )
    assert b.get(url).status_code == 200
    client.patch(url, json.dumps({"visibility": "private"}), content_type="application/json")
    assert b.get(url).status_code == 404
    changes = [e.detail for e in AuditEvent.objects.filter(action="entry.update").order_by("id")]
    assert changes == [{"visibility": ["private", "couple"]}, {"visibility": ["couple", "private"]}]


def test_it_audits_reads_of_entries(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "team")
    cast.api("facilitator").get(f"/api/v1/couples/{cast.couple.pk}/entries/{entry.pk}")
    event = AuditEvent.objects.filter(action="entry.read").get()
    assert (event.actor_id, event.object_id) == (cast.facilitator.pk, str(entry.pk))
    cast.api("facilitator").get(f"/api/v1/couples/{cast.couple.pk}/entries")
    listing = AuditEvent.objects.filter(action="entry.list").get()
    assert listing.detail == {"ids": [entry.pk]}


def test_it_audits_a_denied_read(cast: Cast) -> None:
    entry = make_entry(cast.couple, cast.partner_a, "private")
    response = cast.api("partner_b").get(f"/api/v1/couples/{cast.couple.pk}/entries/{entry.pk}")
    assert response.status_code == 404
    denied = AuditEvent.objects.filter(action="access.denied").get()
    assert (denied.actor_id, denied.object_id) == (cast.partner_b.pk, str(entry.pk))
    assert denied.organisation_id == cast.center.pk


def test_it_pages_couples_by_limit_and_offset(cast: Cast) -> None:
    # Issue 12 item 7: the couples list takes limit/offset and answers {items, count, next}
    # like every list (it took page/per_page and answered page/pages before).
    client = cast.api("lead")
    first = client.get("/api/v1/couples?limit=1").json()
    assert (first["count"], first["next"], [c["name"] for c in first["items"]]) == (2, 1, ["A & B"])
    last = client.get("/api/v1/couples?limit=1&offset=1").json()
    assert (last["count"], last["next"], [c["name"] for c in last["items"]]) == (2, None, ["C & D"])
    found = client.get("/api/v1/couples?q=c+%26").json()
    assert [c["name"] for c in found["items"]] == ["C & D"]


def test_it_serves_the_openapi_document_matching_the_committed_copy() -> None:
    served = Client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    committed = json.loads((DOCS / "openapi.json").read_text())
    assert served.json() == committed == json.loads(json.dumps(api.get_openapi_schema())), (
        "The API changed: run `make openapi` and commit docs/openapi.json"
    )
    assert set(committed["paths"]) >= {
        "/api/v1/me",
        "/api/v1/couples",
        "/api/v1/couples/{couple_id}",
        "/api/v1/couples/{couple_id}/entries",
        "/api/v1/couples/{couple_id}/entries/{entry_id}",
    }


def test_it_reports_health_with_the_database_status(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
