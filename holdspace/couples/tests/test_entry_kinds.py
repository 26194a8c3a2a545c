"""Every kind and every visibility of an entry gets the same answer on the web and through
the API, for the couple's page and for the journal: both take their choices from the model's
enums and write through the one entry_create, as ENTRY_KINDS allows."""

from __future__ import annotations

import json

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.couples.models import ENTRY_KINDS, JOURNAL_KINDS, Entry, EntryKind, Visibility

pytestmark = pytest.mark.django_db

KINDS = [*EntryKind.values, "poem", ""]
VISIBILITIES = [*Visibility.values, "everyone", ""]


def _accepted(status: int) -> bool:
    assert status in {201, 302, 422}, status
    return status in {201, 302}


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("kind", KINDS)
def test_it_answers_each_kind_and_visibility_of_an_entry_alike_on_the_web_and_the_api(
    cast: Cast, kind: str, visibility: str
) -> None:
    body = {"kind": kind, "visibility": visibility, "body": f"{kind} {visibility}"}
    web = cast.client("partner_a").post(f"/couples/{cast.couple.pk}/entries/", body)
    api = cast.api("partner_a").post(
        f"/api/v1/couples/{cast.couple.pk}/entries",
        json.dumps(body),
        content_type="application/json",
    )
    valid = kind in EntryKind.values and visibility in Visibility.values
    assert (_accepted(web.status_code), _accepted(api.status_code)) == (valid, valid)
    written = Entry.objects.filter(kind=kind, visibility=visibility)
    assert written.count() == (2 if valid else 0)
    assert AuditEvent.objects.filter(action="entry.create").count() == written.count()


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("kind", KINDS)
def test_it_answers_each_kind_and_visibility_alike_in_the_journal_on_the_web_and_the_api(
    cast: Cast, kind: str, visibility: str
) -> None:
    body = {"kind": kind, "visibility": visibility, "body": "Words", "prompt": ""}
    web = cast.client("partner_a").post(f"/couples/{cast.couple.pk}/journal/", body)
    api = cast.api("partner_a").post(
        f"/api/v1/couples/{cast.couple.pk}/journal",
        json.dumps(body),
        content_type="application/json",
    )
    valid = kind in JOURNAL_KINDS and visibility in Visibility.values
    assert (_accepted(web.status_code), _accepted(api.status_code)) == (valid, valid)
    assert Entry.objects.count() == (2 if valid else 0)


@pytest.mark.parametrize("kind", EntryKind.values)
def test_it_lets_only_the_partners_write_each_kind(cast: Cast, kind: str) -> None:
    body = {"kind": kind, "visibility": "team", "body": "Staff words"}
    for who in ("facilitator", "lead", "admin"):
        response = cast.api(who).post(
            f"/api/v1/couples/{cast.couple.pk}/entries",
            json.dumps(body),
            content_type="application/json",
        )
        assert response.status_code == 403, (who, kind)
        assert cast.client(who).post(f"/couples/{cast.couple.pk}/entries/", body).status_code == 403
    assert ENTRY_KINDS[kind].writers == "partners"
    assert not Entry.objects.exists()
