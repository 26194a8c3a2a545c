"""The coded 303 client data form: what it refuses and what it stores, the same through the web
and the API; opting out keeps the answers, withheld; old versions and free-text rows stay
readable; the readiness gate; who may see a partner's answers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.models import PartnerForm
from holdspace.preparation.readiness import readiness
from holdspace.preparation.services import partner_form_submit
from holdspace.screening.profiles import (
    ClientData,
    ClientDataVersion,
    all_profiles,
    get_profile,
)

pytestmark = pytest.mark.django_db

OREGON = "oregon-psilocybin"
VERSION = "2024-11-22"
CONFIRMED: dict[str, Any] = {"opt_out_offered": True}


def _url(cast: Cast, who: str = "partner_a") -> str:
    return f"/couples/{cast.couple.pk}/partners/{cast.people[who].pk}/forms/demographic_form/"


def _api_url(cast: Cast, who: str = "partner_a") -> str:
    return f"/api/v1/couples/{cast.couple.pk}/partners/{cast.people[who].pk}/forms/demographic_form"


def submit(cast: Cast, body: dict[str, Any], who: str = "partner_a", by: str = "") -> PartnerForm:
    viewer = cast.viewer(by or who)
    return partner_form_submit(
        viewer=viewer,
        couple=get_couple_for(viewer, cast.couple.pk),
        partner_id=cast.people[who].pk,
        kind="demographic_form",
        data=body,
    )


def _errors(cast: Cast, body: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        submit(cast, body)
    return caught.value.message_dict


def _label(question: str) -> str:
    version = get_profile(OREGON).client_data.current_version  # type: ignore[union-attr]
    found = version.question(question)
    assert found is not None
    return found.label


# The form's rules, one row each -------------------------------------------------------------

# (body, the field refused, words its message holds)
REFUSED: list[tuple[dict[str, Any], str, list[str]]] = [
    (
        {"answers": {"race": ["chinese", "prefer_not"]}, **CONFIRMED},
        "answers.race",
        ["Prefer not to say", "goes alone", "{label}"],
    ),
    ({"answers": {"income": "a_lot"}, **CONFIRMED}, "answers.income", ["“a_lot”", "{label}"]),
    (
        {"answers": {"race": ["chinese", "martian"]}, **CONFIRMED},
        "answers.race",
        ["“martian”", "{label}"],
    ),
    ({"answers": {"county": "king"}, **CONFIRMED}, "answers.county", ["“king”", "{label}"]),
    ({"answers": {"horoscope": "leo"}, **CONFIRMED}, "answers.horoscope", ["horoscope"]),
    ({"answers": {"age": "25_34"}, **CONFIRMED}, "answers.age", ["date of birth"]),
    ({"answers": {"income": ["50k_75k"]}, **CONFIRMED}, "answers.income", ["one answer"]),
    ({"answers": {"race": "chinese"}, **CONFIRMED}, "answers.race", ["list"]),
    ({"answers": {"income": "50k_75k"}}, "opt_out_offered", ["offered"]),
    ({"answers": {}, "opt_out_offered": False}, "opt_out_offered", ["offered"]),
    ({"other": {"income": "about 60k"}, **CONFIRMED}, "other.income", ["no “Other” answer"]),
    ({"other": {"veteran": "reserve"}, **CONFIRMED}, "other.veteran", ["no “Other” answer"]),
    ({"other": {"race": "x" * 201}, **CONFIRMED}, "other.race", ["200 characters"]),
    (
        {"answers": {"reasons": ["prefer_not"]}, "other": {"reasons": "to heal"}, **CONFIRMED},
        "other.reasons",
        ["Prefer not to say", "{label}"],
    ),
    ({"version": "2023-01-01", **CONFIRMED}, "version", [VERSION]),
    ({"withheld": "yes", **CONFIRMED}, "withheld", ["true or false"]),
]


@pytest.mark.parametrize(("body", "field", "words"), REFUSED)
def test_it_refuses_a_bad_answer_naming_the_field_and_saves_nothing(
    cast: Cast, body: dict[str, Any], field: str, words: list[str]
) -> None:
    errors = _errors(cast, body)
    assert list(errors) == [field]
    message = " ".join(errors[field])
    for word in words:
        if word == "{label}":  # the question's own words
            word = _label(field.partition(".")[2])
        assert word in message, (word, message)
    assert not PartnerForm.objects.exists()


def test_it_stores_exactly_the_shape_the_report_reads(cast: Cast) -> None:
    record = submit(
        cast,
        {
            "answers": {
                # Out of order and twice: stored once each, in the form's order.
                "race": ["other_white", "chinese", "chinese"],
                "income": "50k_75k",
                "county": "lane",
                "veteran": "not_veteran",
                "reasons": ["relationship"],
                "ethnicity": [],  # nothing ticked: unanswered
                "language": None,
            },
            "other": {"race": "  Basque  ", "reasons": "", "language": "Tagalog"},
            "withheld": False,
            "opt_out_offered": True,
        },
    )
    assert record.data == {
        "version": VERSION,
        "answers": {
            "race": ["chinese", "other_white"],
            "income": "50k_75k",
            "county": "lane",
            "veteran": "not_veteran",
            "reasons": ["relationship"],
        },
        "other": {"race": "Basque", "language": "Tagalog"},
        "withheld": False,
        "opt_out_offered": True,
    }


def test_it_keeps_every_answer_of_a_partner_who_opts_out_marked_withheld(cast: Cast) -> None:
    record = submit(
        cast,
        {"answers": {"income": "under_25k", "race": ["prefer_not"]}, "withheld": True, **CONFIRMED},
    )
    assert record.data["withheld"] is True
    assert record.data["answers"] == {"race": ["prefer_not"], "income": "under_25k"}


def test_it_offers_prefer_not_to_say_on_every_question_alone(cast: Cast) -> None:
    version = get_profile(OREGON).client_data.current_version  # type: ignore[union-attr]
    answers: dict[str, Any] = {
        q.code: ["prefer_not"] if q.kind == "multiple" else "prefer_not"
        for q in version.questions
        if q.kind != "age"
    }
    record = submit(cast, {"answers": answers, **CONFIRMED})
    assert record.data["answers"] == answers


def test_it_audits_the_write_without_a_single_answer(cast: Cast) -> None:
    record = submit(cast, {"answers": {"county": "lane"}, "other": {"race": "Basque"}, **CONFIRMED})
    event = AuditEvent.objects.get(action="preparation.form", object_id=str(record.pk))
    assert event.detail["version"] == VERSION
    assert event.detail["withheld"] is False
    assert "lane" not in json.dumps(event.detail) and "Basque" not in json.dumps(event.detail)


# The web form ----------------------------------------------------------------------------


def _web_post(body: dict[str, Any]) -> dict[str, Any]:
    """BODY as the web form posts it."""
    post: dict[str, Any] = {}
    for code, value in (body.get("answers") or {}).items():
        post[code] = value
    for code, text in (body.get("other") or {}).items():
        post[f"{code}__other"] = text
    if body.get("withheld"):
        post["withheld"] = "on"
    if body.get("opt_out_offered"):
        post["opt_out_offered"] = "on"
    return post


def _web_field(name: str) -> str:
    if name.endswith("__other"):
        return f"other.{name.removesuffix('__other')}"
    if name in {"withheld", "opt_out_offered", "__all__"}:
        return name
    return f"answers.{name}"


def test_it_shows_the_form_calmly_with_every_question_but_age(cast: Cast) -> None:
    page = cast.client("partner_a").get(_url(cast))
    assert page.status_code == 200
    html = page.content.decode()
    version = get_profile(OREGON).client_data.current_version  # type: ignore[union-attr]
    for question in version.questions:
        shown = f'data-question="{question.code}"' in html
        assert shown is (question.kind != "age"), question.code
    assert html.count("<fieldset") == len(version.questions) - 1 + 1  # and the opt-out's
    assert html.count('value="prefer_not"') == len(version.questions) - 1
    assert '<select name="county"' in html and html.count("<option") == 1 + 37 + 1
    assert 'type="radio" name="income"' in html
    assert 'type="checkbox" name="race"' in html
    assert 'name="race__other"' in html and 'name="income__other"' not in html
    client_data = get_profile(OREGON).client_data
    assert client_data is not None
    assert client_data.confirmation_label in html and client_data.opt_out_label in html
    assert "OAR 333-333-5000(4)" in html
    assert "worked out from the date of birth" in html


def test_it_refuses_the_web_form_without_the_confirmation_and_keeps_what_was_ticked(
    cast: Cast,
) -> None:
    response = cast.client("partner_a").post(
        _url(cast), {"income": "50k_75k", "race": ["chinese"], "race__other": "Basque"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "offered the chance to have your data withheld" in html
    assert re.search(r'value="50k_75k"[^>]*checked', html)
    assert re.search(r'value="chinese"[^>]*checked', html)
    assert 'value="Basque"' in html
    assert not PartnerForm.objects.exists()


def test_it_saves_the_web_form_and_shows_the_answers_as_their_labels(cast: Cast) -> None:
    web = cast.client("partner_a")
    response = web.post(
        _url(cast),
        {
            "income": "50k_75k",
            "county": "hood_river",
            "race": ["chinese", "other_white"],
            "race__other": "Basque",
            "withheld": "on",
            "opt_out_offered": "on",
        },
    )
    assert response.status_code == 302
    stored = PartnerForm.objects.get()
    assert stored.data["answers"]["county"] == "hood_river"
    assert stored.data["withheld"] is True
    html = web.get(_url(cast)).content.decode()
    assert "$50,000 to $74,999" in html and "Hood River" in html
    assert "Chinese, Other White" in html and "“Basque”" in html
    assert "Withheld from the state report" in html
    # The form opens with the answers on record.
    assert 'value="hood_river" selected' in html
    assert AuditEvent.objects.filter(action="client_data.read").exists()


# The same answer through the web and the API ----------------------------------------------

AGREEMENT: list[dict[str, Any]] = [
    {"answers": {"income": "50k_75k", "race": ["chinese"]}, **CONFIRMED},
    {"answers": {"race": ["chinese", "prefer_not"]}, **CONFIRMED},
    {"answers": {"income": "a_lot"}, **CONFIRMED},
    {"answers": {"race": ["martian"]}, **CONFIRMED},
    {"answers": {"county": "outside_oregon"}},
    {"answers": {"race": ["chinese", "prefer_not"], "income": "a_lot"}},
    {"answers": {"county": "king"}, **CONFIRMED},
    {"answers": {"veteran": "veteran"}, "withheld": True, **CONFIRMED},
    {"other": {"race": "x" * 250}, **CONFIRMED},
    {"answers": {"reasons": ["prefer_not"]}, "other": {"reasons": "to heal"}, **CONFIRMED},
    {"answers": {"reasons": ["relationship"]}, "other": {"reasons": "to heal"}, **CONFIRMED},
    {**CONFIRMED},
]


@pytest.mark.parametrize("body", AGREEMENT)
def test_it_gives_the_same_answer_through_the_web_and_the_api(
    cast: Cast, body: dict[str, Any]
) -> None:
    web = cast.client("partner_a").post(_url(cast), _web_post(body))
    web_stored = list(PartnerForm.objects.values_list("data", flat=True))
    PartnerForm.objects.all().delete()
    api = cast.api("partner_a").post(
        _api_url(cast), json.dumps(body), content_type="application/json"
    )
    api_stored = list(PartnerForm.objects.values_list("data", flat=True))
    assert (web.status_code, api.status_code) in {(302, 201), (422, 422)}
    assert web_stored == api_stored
    if api.status_code == 422:
        form = web.context["form"]
        web_errors = {_web_field(k): v for k, v in form.errors.items()}
        api_errors: dict[str, list[str]] = {}
        for problem in api.json()["detail"]:
            api_errors.setdefault(problem["loc"][-1], []).append(problem["msg"])
        assert web_errors == api_errors
    else:
        assert api.json()["answers"] == web_stored[0]["answers"]


def test_it_answers_a_body_of_the_wrong_type_with_422_naming_the_field(cast: Cast) -> None:
    response = cast.api("partner_a").post(
        _api_url(cast),
        json.dumps({"answers": {"income": 3}, "opt_out_offered": True}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert any("income" in problem["loc"] for problem in response.json()["detail"])


# Reading: older versions and rows from before the form was coded -------------------------


def _with_second_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Oregon profile with a newer version of the form: new income bands (other codes),
    a reworded county question; the 2024 version kept."""
    profile = get_profile(OREGON)
    client_data = profile.client_data
    assert client_data is not None
    old = client_data.current_version
    questions = []
    for question in old.questions:
        if question.code == "income":
            question = question.model_copy(
                update={
                    "options": [
                        o.model_copy(update={"code": f"v2_{o.code}", "label": f"Band {o.label}"})
                        for o in question.options
                    ]
                }
            )
        if question.code == "county":
            question = question.model_copy(update={"label": "Where do you live?"})
        questions.append(question)
    newer = ClientDataVersion.model_validate(
        {
            **old.model_dump(),
            "version": "2026-07-01",
            "questions": [q.model_dump() for q in questions],
        }
    )
    updated = ClientData.model_validate(
        {
            **client_data.model_dump(),
            "current": "2026-07-01",
            "versions": [old.model_dump(), newer.model_dump()],
        }
    )
    monkeypatch.setitem(all_profiles(), OREGON, profile.model_copy(update={"client_data": updated}))


def test_it_keeps_answers_of_an_older_version_readable_after_a_new_one(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(cast, {"answers": {"income": "50k_75k", "county": "lane"}, **CONFIRMED})
    _with_second_version(monkeypatch)
    html = cast.client("facilitator").get(_url(cast)).content.decode()
    assert "Form version 2024-11-22" in html
    assert "$50,000 to $74,999" in html and "County of residence" in html
    # The form itself now asks the new version.
    assert 'value="v2_50k_75k"' in html and "Where do you live?" in html
    read = cast.api("facilitator").get(_api_url(cast)).json()
    assert read["version"] == VERSION
    assert {a["code"]: a["answers"] for a in read["labelled"]}["income"] == ["$50,000 to $74,999"]
    # An answer under the old version is refused now; under the new one it is stored.
    assert list(_errors(cast, {"version": VERSION, **CONFIRMED})) == ["version"]
    assert submit(cast, {"answers": {"income": "v2_under_25k"}, **CONFIRMED}).data["version"] == (
        "2026-07-01"
    )
    # Both still count for the gate: coded and confirmed.
    partner = readiness(get_couple_for(cast.viewer("facilitator"), cast.couple.pk)).partners[0]
    assert next(i for i in partner.items if i.code == "form:demographic_form").done


def _legacy(cast: Cast, data: dict[str, Any]) -> PartnerForm:
    return PartnerForm.objects.create(
        organisation=cast.center,
        couple=cast.couple,
        partner=cast.partner_a,
        kind="demographic_form",
        data=data,
        recorded_by=cast.partner_a,
    )


LEGACY = {
    "opt_out": False,
    "opt_out_offered": True,
    "age": 41,
    "race": "Mixed, Irish and Filipino",
    "income": "around 80k",
    "county": "Lane",
    "veteran": "",
}


def test_it_shows_a_row_from_before_the_form_was_coded_as_it_was(cast: Cast) -> None:
    _legacy(cast, LEGACY)
    html = cast.client("partner_a").get(_url(cast)).content.decode()
    assert "Answered before the form was coded" in html
    assert "Mixed, Irish and Filipino" in html and "around 80k" in html
    assert "Please fill in the form below once more" in html
    read = cast.api("partner_a").get(_api_url(cast)).json()
    assert read["coded"] is False and read["version"] is None and read["answers"] == {}
    assert read["legacy"]["Race"] == "Mixed, Irish and Filipino"


def test_it_marks_an_old_opt_out_that_kept_nothing(cast: Cast) -> None:
    _legacy(cast, {"opt_out": True, "opt_out_offered": True})
    html = cast.client("facilitator").get(_url(cast)).content.decode()
    assert "Withheld from the state report" in html and "kept no answers" in html


# The readiness gate -----------------------------------------------------------------------


def _item(cast: Cast, who: str = "partner_a") -> Any:
    result = readiness(get_couple_for(cast.viewer("facilitator"), cast.couple.pk))
    partner = next(p for p in result.partners if p.partner.user_id == cast.people[who].pk)
    return next(i for i in partner.items if i.code == "form:demographic_form")


def test_it_counts_the_form_only_once_coded_and_confirmed(cast: Cast) -> None:
    assert not _item(cast).done
    _legacy(cast, LEGACY)
    item = _item(cast)
    assert not item.done and "before the form was coded" in item.detail
    submit(cast, {"answers": {"county": "lane"}, **CONFIRMED})
    assert _item(cast).done
    assert not _item(cast, "partner_b").done


def test_it_counts_a_partner_who_opted_out_as_complete(cast: Cast) -> None:
    submit(cast, {"answers": {"county": "lane"}, "withheld": True, **CONFIRMED})
    item = _item(cast)
    assert item.done and "withheld from the state report" in item.detail


def test_it_tells_the_partner_to_fill_in_the_coded_form_again(cast: Cast) -> None:
    _legacy(cast, LEGACY)
    url = f"/couples/{cast.couple.pk}/readiness/"
    html = cast.client("partner_a").get(url).content.decode()
    assert "before it used set answers: please fill it in once more" in html
    html = cast.client("facilitator").get(url).content.decode()
    assert "before the form was coded: the coded form is needed again" in html


def test_it_leaves_the_form_out_of_the_gate_where_the_profile_does_not_list_it(
    cast: Cast,
) -> None:
    viewer = cast.viewer("trial_facilitator")
    result = readiness(get_couple_for(viewer, cast.trial_couple.pk))
    codes = {i.code for p in result.partners for i in p.items}
    assert "form:demographic_form" not in codes
    assert "client_data" not in get_profile("mdma-clinical-trial").model_fields_set


# Who may see a partner's answers -----------------------------------------------------------

# who: (partner A's form page, the API read, the API answer)
MATRIX: dict[str, tuple[int, int, int]] = {
    "partner_a": (200, 200, 201),
    "partner_b": (403, 403, 403),
    "facilitator": (200, 200, 201),
    "lead": (200, 200, 201),
    "admin": (403, 403, 403),
    "researcher": (404, 404, 404),
    "partner_c": (404, 404, 404),
    "other_facilitator": (404, 404, 404),
    "trial_facilitator": (404, 404, 404),
    "trial_partner_a": (404, 404, 404),
}


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_it_shows_a_partners_answers_to_them_and_their_care_team_only(cast: Cast, who: str) -> None:
    submit(cast, {"answers": {"county": "wallowa"}, "other": {"race": "Basque"}, **CONFIRMED})
    web, api = cast.client(who), cast.api(who)
    page = web.get(_url(cast))
    read = api.get(_api_url(cast))
    answer = api.post(
        _api_url(cast),
        json.dumps({"answers": {"county": "lane"}, **CONFIRMED}),
        content_type="application/json",
    )
    assert (page.status_code, read.status_code, answer.status_code) == MATRIX[who]
    for response in (page, read, answer):
        if response.status_code != 200 or response is answer:
            body = response.content.decode()
            assert "Wallowa" not in body and "wallowa" not in body and "Basque" not in body
    denied = AuditEvent.objects.filter(action="access.denied", actor_id=cast.people[who].pk)
    refused = sum(1 for s in MATRIX[who] if s in {403, 404})
    assert denied.count() == refused
    assert PartnerForm.objects.count() == (2 if MATRIX[who][2] == 201 else 1)


def test_it_never_shows_the_other_partners_answers_on_their_own_pages(cast: Cast) -> None:
    submit(cast, {"answers": {"county": "wallowa"}, "other": {"race": "Basque"}, **CONFIRMED})
    web = cast.client("partner_b")
    for url in (
        f"/couples/{cast.couple.pk}/readiness/",
        _url(cast, "partner_b"),
        f"/couples/{cast.couple.pk}/",
    ):
        body = web.get(url).content.decode()
        # Wallowa is one of the county's options on B's own form, never chosen there.
        assert 'value="wallowa" selected' not in body and "Basque" not in body
        assert "client-data-record" not in body


def test_it_answers_404_through_the_api_before_any_form_is_stored(cast: Cast) -> None:
    assert cast.api("partner_a").get(_api_url(cast)).status_code == 404


def test_it_reads_the_form_page_in_the_same_number_of_queries_as_rows_grow(cast: Cast) -> None:
    web: Client = cast.client("facilitator")
    submit(cast, {"answers": {"county": "lane"}, **CONFIRMED})
    web.get(_url(cast))
    with CaptureQueriesContext(connection) as few:
        web.get(_url(cast))
    for _ in range(15):
        submit(cast, {"answers": {"county": "lane", "race": ["chinese"]}, **CONFIRMED})
        _legacy(cast, LEGACY)
    with CaptureQueriesContext(connection) as many:
        web.get(_url(cast))
    assert len(many) == len(few)
