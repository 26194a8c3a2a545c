"""The measure pages: a partner's questionnaire, the crisis message, and the alerts the
care team acknowledges."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from holdspace.conftest import Cast
from holdspace.couples.models import Couple
from holdspace.measures.models import MeasureResponse, SafetyAlert

pytestmark = pytest.mark.django_db


def _form(cast: Cast, code: str = "phq9", timepoint: str = "baseline") -> str:
    return f"/couples/{cast.couple.pk}/measures/{code}/{timepoint}/"


def _phq9_post(*values: int | None, item_10: int | None = 0) -> dict[str, str]:
    """The form as a browser posts it: an unanswered item is not in it at all."""
    answers = {f"phq9_{n}": str(v) for n, v in enumerate(values, 1) if v is not None}
    if item_10 is not None:
        answers["phq9_10"] = str(item_10)
    return answers


def test_it_lists_the_baseline_questionnaires_a_partner_has_still_to_do(cast: Cast) -> None:
    client = cast.client("partner_a")
    page = client.get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "Coming up for you" in page
    for code in ("phq9", "gad7", "pcl5"):
        assert f"/measures/{code}/baseline/" in page
    client.post(_form(cast), _phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 0))
    page = client.get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "/measures/phq9/baseline/" not in page
    assert "/measures/gad7/baseline/" in page


def test_it_shows_every_question_with_labelled_choices(cast: Cast) -> None:
    html = cast.client("partner_a").get(_form(cast)).content.decode()
    assert "Little interest or pleasure in doing things" in html
    assert html.count('type="radio" name="phq9_1"') == 4
    assert "Nearly every day" in html
    assert "not watched in real time" in html
    assert 'data-draft-key="holdspace:measure:' in html


def test_it_scores_the_answers_and_thanks_the_partner(cast: Cast) -> None:
    client = cast.client("partner_a")
    response = client.post(_form(cast), _phq9_post(2, 2, 1, 1, 1, 1, 1, 1, 0))
    assert response.status_code == 302
    stored = MeasureResponse.objects.get()
    assert response["Location"] == f"/couples/{cast.couple.pk}/measures/responses/{stored.pk}/"
    done = client.get(response["Location"]).content.decode()
    assert "your answers are saved" in done
    assert "Your score: 10" in done and "Moderate" in done
    assert "very hard time" not in done


def test_it_meets_item_9_with_a_calm_message_and_crisis_resources(cast: Cast) -> None:
    client = cast.client("partner_a")
    response = client.post(_form(cast), _phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 1), follow=True)
    html = response.content.decode()
    assert "may be going through a very hard time" in html
    assert "988" in html
    assert "not watched in real time" in html
    assert SafetyAlert.objects.filter(partner=cast.partner_a, rule_id="phq9_item9").exists()


def test_it_marks_a_bad_answer_beside_its_question_and_saves_nothing(cast: Cast) -> None:
    answers = {**_phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 0), "phq9_3": "7", "phq9_4": "often"}
    response = cast.client("partner_a").post(_form(cast), answers)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="question card has-error" id="q-phq9_3"' in html
    assert "the answer must be one of 0, 1, 2, 3" in html
    assert 'class="question card has-error" id="q-phq9_4"' in html
    assert not MeasureResponse.objects.exists()


def test_it_keeps_answers_chosen_before_a_refused_submit(cast: Cast) -> None:
    answers = {**_phq9_post(3, 0, 0, 0, 0, 0, 0, 0, 0), "phq9_2": "9"}
    html = cast.client("partner_a").post(_form(cast), answers).content.decode()
    assert 'name="phq9_1" value="3" checked' in html


@pytest.mark.parametrize(
    ("who", "path_suffix", "status"),
    [
        ("partner_b", "?partner={a}", 403),
        ("other_facilitator", "", 404),
        ("trial_facilitator", "", 404),
        ("researcher", "", 404),
    ],
)
def test_it_keeps_the_questionnaire_from_the_wrong_people(
    cast: Cast, who: str, path_suffix: str, status: int
) -> None:
    url = _form(cast) + path_suffix.format(a=cast.partner_a.pk)
    assert cast.client(who).get(url).status_code == status
    assert cast.client(who).post(url, _phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 0)).status_code == status
    assert not MeasureResponse.objects.exists()


def test_it_lets_a_facilitator_administer_with_the_partner_in_the_room(cast: Cast) -> None:
    url = _form(cast) + f"?partner={cast.partner_b.pk}"
    client = cast.client("facilitator")
    assert "You are entering Partner B" in client.get(url).content.decode()
    client.post(url, _phq9_post(1, 1, 1, 1, 1, 1, 1, 1, 0))
    stored = MeasureResponse.objects.get()
    assert (stored.partner, stored.administered_by) == (cast.partner_b, cast.facilitator)


def test_it_puts_open_alerts_at_the_top_of_the_console_and_couple_page(cast: Cast) -> None:
    cast.client("partner_a").post(_form(cast), _phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 2))
    for who in ("facilitator", "lead"):
        console = cast.client(who).get("/console/").content.decode()
        assert "1 safety alert to acknowledge" in console
        assert console.index("safety alert") < console.index('id="couple-rows"')
        couple = cast.client(who).get(f"/couples/{cast.couple.pk}/").content.decode()
        assert "1 safety alert to acknowledge" in couple
    for who in ("other_facilitator", "admin"):
        # (The couples list's filter "Open safety alerts" is on every care console.)
        assert "to acknowledge" not in cast.client(who).get("/console/").content.decode()
    # The other partner never sees it.
    assert (
        "safety alert"
        not in cast.client("partner_b").get(f"/couples/{cast.couple.pk}/").content.decode()
    )


def test_it_acknowledges_an_alert_over_htmx_with_the_staff_members_name(cast: Cast) -> None:
    cast.client("partner_a").post(_form(cast), _phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 2))
    alert = SafetyAlert.objects.get()
    client = cast.client("facilitator")
    url = f"/alerts/{alert.pk}/acknowledge"
    empty = client.post(url, {"note": ""}, headers={"HX-Request": "true"})
    assert empty.status_code == 422
    assert "Say what you did" in empty.content.decode()
    done = client.post(
        url, {"note": "Phoned; safety plan in place."}, headers={"HX-Request": "true"}
    )
    html = done.content.decode()
    assert html.startswith(f'<article class="alert-card done" id="alert-{alert.pk}"')
    assert "Acknowledged by Facilitator" in html
    assert "to acknowledge" not in client.get("/console/").content.decode()
    assert cast.client("other_facilitator").post(url, {"note": "x"}).status_code == 404


def _age_couple(cast: Cast, days: int) -> None:

    Couple.objects.filter(pk=cast.couple.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_it_shows_each_questionnaire_with_its_due_date_and_when_it_is_overdue(
    cast: Cast,
) -> None:
    page = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert page.count("/baseline/") == 3 and "· overdue" not in page
    _age_couple(cast, 10)
    page = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/").content.decode()
    assert page.count("· overdue") == 3


def test_it_counts_overdue_questionnaires_per_couple_on_the_staff_console(cast: Cast) -> None:
    # (The couples list's filter "Overdue questionnaires" is on every care console.)
    assert 'class="overdue"' not in cast.client("facilitator").get("/console/").content.decode()
    _age_couple(cast, 10)
    # Both partners owe the three baseline questionnaires: six.
    assert (
        "6 questionnaires overdue" in cast.client("facilitator").get("/console/").content.decode()
    )
    cast.client("partner_a").post(_form(cast), _phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert "5 questionnaires overdue" in cast.client("lead").get("/console/").content.decode()
    assert 'class="overdue"' not in cast.client("admin").get("/console/").content.decode()


def test_it_offers_a_licensed_questionnaire_once_the_organisation_supplies_its_wording(
    cast: Cast,
    settings,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    settings.INSTRUMENT_TEXT_DIR = tmp_path
    client = cast.client("partner_a")
    assert (
        "/measures/csi4/baseline/" not in client.get(f"/couples/{cast.couple.pk}/").content.decode()
    )
    assert client.get(_form(cast, "csi4")).status_code == 404
    (tmp_path / "center").mkdir()
    (tmp_path / "center" / "csi4.toml").write_text(
        "".join(f'csi4_{n} = "Centre wording {n}"\n' for n in range(1, 5))
    )
    assert "/measures/csi4/baseline/" in client.get(f"/couples/{cast.couple.pk}/").content.decode()
    html = client.get(_form(cast, "csi4")).content.decode()
    assert "Centre wording 3" in html
    assert "supplied by Center under the questionnaire's licence" in html
    response = client.post(
        _form(cast, "csi4"), {"csi4_1": "5", "csi4_2": "4", "csi4_3": "4", "csi4_4": "4"}
    )
    assert response.status_code == 302
    assert MeasureResponse.objects.get().total == 17


def test_it_gives_the_care_team_a_way_to_administer_a_questionnaire(cast: Cast) -> None:
    client = cast.client("facilitator")
    page = client.get(f"/couples/{cast.couple.pk}/").content.decode()
    assert "Give a questionnaire with a partner in the room" in page
    assert '<option value="pcl5">' in page and '<option value="csi4">' not in page
    response = client.get(
        f"/couples/{cast.couple.pk}/administer",
        {"partner": cast.partner_b.pk, "instrument": "gad7", "timepoint": "week_1"},
    )
    assert response["Location"] == (
        f"/couples/{cast.couple.pk}/measures/gad7/week_1/?partner={cast.partner_b.pk}"
    )
    assert (
        "Give a questionnaire"
        not in cast.client("partner_a").get(f"/couples/{cast.couple.pk}/").content.decode()
    )
    assert (
        "Give a questionnaire"
        not in cast.client("admin").get(f"/couples/{cast.couple.pk}/").content.decode()
    )


def _token(html: str) -> str:
    found = re.search(r'name="submission_key" value="([A-Za-z0-9_-]+)"', html)
    assert found is not None
    return found.group(1)


def test_it_asks_before_sending_with_item_9_unanswered_and_keeps_what_was_typed(
    cast: Cast,
) -> None:
    client = cast.client("partner_a")
    token = _token(client.get(_form(cast)).content.decode())
    answers = {**_phq9_post(2, 1, 1, 1, 1, 1, 1, 1, None), "submission_key": token}
    asked = client.post(_form(cast), answers)
    assert asked.status_code == 422
    html = asked.content.decode()
    assert "Item 9 is not answered." in html and "Send your answers anyway?" in html
    assert 'href="#q-phq9_9"' in html
    assert 'class="question card unanswered" id="q-phq9_9"' in html
    assert 'name="phq9_1" value="2" checked' in html
    assert _token(html) == token  # the same open form
    assert not MeasureResponse.objects.exists()

    sent = client.post(_form(cast), {**answers, "confirm_unanswered": "1"})
    assert sent.status_code == 302
    stored = MeasureResponse.objects.get()
    assert (stored.total, stored.missing) == (None, ["phq9_9"])
    assert list(SafetyAlert.objects.values_list("rule_id", flat=True)) == ["phq9_item9_unanswered"]
    # The same form sent again (a double click, a resend after a dropped connection).
    again = client.post(_form(cast), {**answers, "confirm_unanswered": "1"})
    assert again["Location"] == sent["Location"]
    assert MeasureResponse.objects.count() == 1 and SafetyAlert.objects.count() == 1
    # An old copy of the form with other answers comes back to what was first saved.
    changed = client.post(
        _form(cast), {**answers, "phq9_9": "0", "confirm_unanswered": "1"}, follow=True
    )
    assert "already sent from this form" in changed.content.decode()
    assert MeasureResponse.objects.count() == 1
    # A fresh form is a new response that supersedes the first.
    fresh = _token(client.get(_form(cast)).content.decode())
    assert fresh != token
    client.post(_form(cast), {**_phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 0), "submission_key": fresh})
    assert MeasureResponse.objects.count() == 2


def test_it_names_every_unanswered_item_and_asks_nothing_when_all_are_answered(
    cast: Cast,
) -> None:
    client = cast.client("partner_a")
    html = client.post(_form(cast), _phq9_post(0, 0, None, 0, 0, 0, 0, 0, None, item_10=None))
    assert "Items 3, 9 and 10 are not answered." in html.content.decode()
    complete = client.post(_form(cast), _phq9_post(0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert complete.status_code == 302


def test_it_marks_off_scale_answers_before_asking_about_unanswered_ones(cast: Cast) -> None:
    answers = {**_phq9_post(0, 0, 0, 0, 0, 0, 0, 0, None), "phq9_2": "5"}
    response = cast.client("partner_a").post(_form(cast), answers)
    html = response.content.decode()
    assert response.status_code == 422
    assert "the answer must be one of 0, 1, 2, 3" in html
    assert "not answered." not in html
    confirmed = cast.client("partner_a").post(_form(cast), {**answers, "confirm_unanswered": "1"})
    assert confirmed.status_code == 422
    assert not MeasureResponse.objects.exists()


def test_it_replaces_a_malformed_form_token_with_a_fresh_one(cast: Cast) -> None:
    answers = {**_phq9_post(0, 0, 0, 0, 0, 0, 0, 0, None), "submission_key": "<bad token>"}
    html = cast.client("partner_a").post(_form(cast), answers).content.decode()
    assert len(_token(html)) >= 16 and "bad token" not in html


def test_it_shows_the_care_team_a_response_item_by_item(cast: Cast) -> None:
    client = cast.client("partner_a")
    sent = client.post(
        _form(cast),
        {**_phq9_post(2, 1, 0, 0, 0, 0, 0, 3, None), "confirm_unanswered": "1"},
    )
    page = cast.client("facilitator").get(sent["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Partner A" in html and "Patient Health Questionnaire-9" in html
    assert "No total: 1 scored item was not answered." in html
    assert 'class="card unanswered safety-item" id="item-phq9_9"' in html
    assert "Item 9 was not answered: ask it." in html  # the alert, to acknowledge here
    assert "<strong>More than half the days</strong>" in html  # item 1
    assert "<strong>Nearly every day</strong>" in html  # item 8
    # The partner who answered still gets their thank-you page at the same address.
    assert "your answers are saved" in client.get(sent["Location"]).content.decode()


def test_it_tells_a_partner_who_skipped_item_9_calmly_that_they_will_be_asked(
    cast: Cast,
) -> None:
    client = cast.client("partner_a")
    answers = {**_phq9_post(0, 0, 0, 0, 0, 0, 0, 0, None), "confirm_unanswered": "1"}
    done = client.post(_form(cast), answers, follow=True).content.decode()
    assert "Item 9 is not answered. That is all right: someone from your care team" in done
    assert "very hard time" not in done  # a blank is not an answer that tells us anything
    assert "call or text 988" in done
    assert "So no total was calculated." in done
    assert done.count("Item 9 is not answered.") == 1  # named once, in the notice
