"""Help and errors reach assistive technology on the forms partners and staff fill in: every
ARIA reference names an element of the page, a refused form says so in the title and at the
top with a link to each field, and a grouped field's error is tied to its group."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from holdspace.conftest import Cast
from holdspace.lib.html_refs import dangling_references, duplicate_ids

pytestmark = pytest.mark.django_db


def _journal(cast: Cast) -> str:
    return f"/couples/{cast.couple.pk}/journal/"


def _client_data(cast: Cast) -> str:
    return f"/couples/{cast.couple.pk}/partners/{cast.partner_a.pk}/forms/demographic_form/"


def _lot(**changes: str) -> dict[str, str]:
    form = {
        "id": str(uuid.uuid4()),
        "lot_number": "PSI-A11Y-1",
        "product_name": "Penis Envy, dried",
        "product_type": "whole_fungi",
        "source_licence": "PSI-MFG-00099",
        "source_name": "Willamette Mycology",
        "units": "20",
        "mg_per_unit": "4.5",
        "received_on": timezone.localdate().isoformat(),
        "status": "quarantined",
        "lab_result": "pending",
    }
    return {**form, **changes}


# (who, method, path or a path built from the cast, data): the pages named in the issue, each
# as first shown and as refused.
PAGES: list[tuple[str, str, str, dict[str, object]]] = [
    ("partner_a", "get", "/accounts/password/change/", {}),
    (
        "partner_a",
        "post",
        "/accounts/password/change/",
        {"oldpassword": "not it", "password1": "short", "password2": "short"},
    ),
    ("partner_a", "get", "journal", {}),
    ("partner_a", "post", "entries", {"visibility": "private", "body": "   "}),
    ("partner_a", "get", "commitments", {}),
    ("partner_a", "post", "commitments/add", {"description": "  ", "cadence": "weekly"}),
    ("partner_a", "get", "client_data", {}),
    ("partner_a", "post", "client_data", {"income": "50k_75k", "race__other": "Basque"}),
    ("lead", "get", "/inventory/lots/new/", {}),
    ("lead", "post", "/inventory/lots/new/", {"units": "0"}),
    ("facilitator", "get", "journal", {}),
]


def _fetch(cast: Cast, who: str, method: str, where: str, data: dict[str, object]) -> str:
    couple = f"/couples/{cast.couple.pk}"
    path = {
        "journal": _journal(cast),
        "entries": f"{couple}/entries/",
        "commitments": f"{couple}/commitments/",
        "commitments/add": f"{couple}/commitments/add",
        "client_data": _client_data(cast),
    }.get(where, where)
    client: Client = cast.client(who)
    if method == "get":
        response = client.get(path)
        assert response.status_code == 200, path
    else:
        if path.startswith("/inventory/"):
            data = _lot(**{k: str(v) for k, v in data.items()})
        response = client.post(path, data)
        assert response.status_code in (200, 422), (path, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize(("who", "method", "where", "data"), PAGES)
def test_it_names_only_elements_that_exist_in_every_aria_reference(
    cast: Cast, who: str, method: str, where: str, data: dict[str, object]
) -> None:
    html = _fetch(cast, who, method, where, data)
    assert dangling_references(html) == []
    assert duplicate_ids(html) == []


@pytest.mark.parametrize(("who", "method", "where", "data"), [p for p in PAGES if p[1] == "post"])
def test_it_says_a_refused_form_in_the_title_and_links_each_field_in_error(
    cast: Cast, who: str, method: str, where: str, data: dict[str, object]
) -> None:
    html = _fetch(cast, who, method, where, data)
    assert re.search(r"<title>Error: ", html)
    summary = html[
        html.index("data-error-summary") : html.index("</div>", html.index("data-error-summary"))
    ]
    assert "There is a problem" in summary
    links = re.findall(r'href="#([^"]+)"', summary)
    assert links
    for target in links:
        assert f'id="{target}"' in html


class _Described(HTMLParser):
    """The text each id holds, and what each control is described by."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: dict[str, str] = {}
        self.described: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if values.get("id") and tag in ("p", "div", "span"):
            self._open.append(values["id"])
            self.text[values["id"]] = ""
        if values.get("aria-describedby"):
            key = values.get("id") or values.get("name") or tag
            self.described[key] = values["aria-describedby"].split()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "div", "span") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for open_id in self._open:
            self.text[open_id] += data

    def description(self, key: str) -> str:
        return " ".join(self.text.get(ref, "") for ref in self.described.get(key, []))


def _described(html: str) -> _Described:
    parser = _Described()
    parser.feed(html)
    return parser


def test_it_reads_out_the_password_rules_the_voice_note_formats_and_the_commitment_hint(
    cast: Cast,
) -> None:
    client = cast.client("partner_a")
    password = _described(client.get("/accounts/password/change/").content.decode())
    assert password.described.get("id_password1"), "the new password has no description"
    refused = _described(
        client.post(
            "/accounts/password/change/",
            {"oldpassword": "not it", "password1": "short", "password2": "short"},
        ).content.decode()
    )
    assert "short" in refused.description("id_password1").lower()
    journal = _described(client.get(_journal(cast)).content.decode())
    assert "WebM" in journal.description("id_audio")
    assert "MB" in journal.description("id_audio")
    commitments = _described(client.get(f"/couples/{cast.couple.pk}/commitments/").content.decode())
    assert "20-minute check-in" in commitments.description("id_description")


def test_it_ties_an_error_on_a_radio_group_to_the_group(cast: Cast) -> None:
    html = (
        cast.client("partner_a")
        .post(f"/couples/{cast.couple.pk}/entries/", {"kind": "nonsense", "body": "Hello"})
        .content.decode()
    )
    fieldset = re.search(r'<fieldset[^>]*aria-describedby="kind-hint id_kind_error"', html)
    assert fieldset, "the kind group does not name its error"
    assert re.search(r'<p class="error" id="id_kind_error">', html)
    assert re.search(r'name="kind" value="[a-z_]+" id="id_kind_0"[^>]*aria-invalid="true"', html)
    assert 'href="#id_kind_0"' in html


def test_it_says_who_will_see_an_entry_where_its_kind_is_chosen(cast: Cast) -> None:
    html = cast.client("partner_a").get(_journal(cast)).content.decode()
    hint = re.search(
        r'<p class="help kind-hint" id="kind-hint" aria-live="polite"[^>]*>([^<]+)</p>', html
    )
    assert hint and "shared reflection" in hint.group(1) and "you both" in hint.group(1)
    assert 'aria-describedby="kind-hint"' in html
    assert 'data-couple="' in html and 'data-private="' in html


def test_it_leaves_a_page_without_a_refused_form_titled_as_it_is(cast: Cast) -> None:
    html = cast.client("partner_a").get(_journal(cast)).content.decode()
    assert "<title>Error: " not in html
    assert "data-error-summary" not in html
