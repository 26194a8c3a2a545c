"""The screening pages: the form opens with the partner's latest answers, the partner is told
kindly when we need to talk first, and the clinical lead's console and queue show every
screening that needs a decision — through real HTTP, with the wrong person meeting a 404."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from holdspace.conftest import Cast
from holdspace.screening.models import TALK_IT_THROUGH, Decision, Screening
from holdspace.screening.tests.test_services import ALL_NO, LITHIUM, answer, decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        yield t


def _form_url(cast: Cast, who: str = "partner_a") -> str:
    return f"/couples/{cast.couple.pk}/partners/{cast.people[who].pk}/screening/"


def _all_no_post(**extra: object) -> dict[str, object]:
    return {
        "substance": "psilocybin",
        "medications": "",
        "substances_used": "",
        "support_notes": "",
        "date_of_birth": "1985-04-23",
        **{f"q_{code}": "no" for code in ALL_NO},
        **{"q_interpreter_needed": "no", "q_support_person_physical": "no"},
        **{"q_support_person_communication": "no", "q_accessible_form_needed": "no"},
        **extra,
    }


def _checked(html: str, name: str, value: str) -> bool:
    for tag in re.findall(r"<input[^>]+>", html):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    raise AssertionError(f"no input {name}={value}")


# The form opens with the latest answers --------------------------------------------------------


def test_it_opens_the_form_with_the_partners_latest_answers_and_medicines(cast: Cast) -> None:
    answer(
        cast,
        "partner_a",
        medications=["Lithium carbonate 300 mg", "Zoloft and Zyxcorp"],
        conditions=["family_psychosis_history"],
        answers={"lithium_last_30_days": True},
    )
    response = cast.client("partner_a").get(_form_url(cast))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lithium carbonate 300 mg\nZoloft and Zyxcorp</textarea>" in html
    assert "are filled in" in html
    assert _checked(html, "q_lithium_last_30_days", "yes")
    assert not _checked(html, "q_lithium_last_30_days", "no")
    assert _checked(html, "q_treated_by_provider", "no")
    assert _checked(html, "conditions", "family_psychosis_history")
    assert not _checked(html, "conditions", "bipolar_i")


def test_it_opens_a_blank_form_for_a_first_screening(cast: Cast) -> None:
    html = cast.client("partner_a").get(_form_url(cast)).content.decode()
    assert "are filled in" not in html
    assert not _checked(html, "q_lithium_last_30_days", "yes")
    assert not _checked(html, "q_lithium_last_30_days", "no")


def test_it_opens_the_form_with_the_partners_answers_for_the_facilitator_too(
    cast: Cast,
) -> None:
    answer(cast, "partner_a", **LITHIUM)
    html = cast.client("facilitator").get(_form_url(cast)).content.decode()
    assert "Lithium carbonate 300 mg</textarea>" in html
    # Partner B's form is their own: nothing of partner A's answers in it.
    other = cast.client("partner_b").get(_form_url(cast, "partner_b")).content.decode()
    assert "Lithium carbonate" not in other


@pytest.mark.parametrize(
    ("who", "status"),
    # The other partner is refused writing her screening (403, as before); no one outside the
    # couple's care team learns the couple exists (404). None of them sees an answer.
    [("partner_b", 403), ("partner_c", 404), ("trial_facilitator", 404), ("researcher", 404)],
)
def test_it_shows_the_form_with_someone_elses_answers_to_no_one_else(
    cast: Cast, who: str, status: int
) -> None:
    answer(cast, "partner_a", **LITHIUM)
    response = cast.client(who).get(_form_url(cast))
    assert response.status_code == status
    assert b"Lithium" not in response.content
    detail = cast.client(who).get(
        f"/couples/{cast.couple.pk}/screenings/{Screening.objects.get().pk}/"
    )
    assert detail.status_code == 404


# What the partner is told ----------------------------------------------------------------------


def test_it_tells_a_partner_not_eligible_kindly_with_no_rule_or_reason(cast: Cast) -> None:
    response = cast.client("partner_a").post(
        _form_url(cast),
        _all_no_post(medications="Lithium carbonate 300 mg", q_lithium_last_30_days="yes"),
    )
    assert response.status_code == 200
    assert Screening.objects.get().decision == Decision.EXCLUDED
    html = response.content.decode()
    assert "Thank you for answering" in html
    assert str(TALK_IT_THROUGH) in html
    for hidden in ("lithium", "Not eligible", "seizure", "Nayak", "Needs clinical review"):
        assert hidden.lower() not in html.lower()
    assert "988" not in html  # crisis resources are for answers about harm

    page = cast.client("partner_a").get(f"/couples/{cast.couple.pk}/readiness/")
    text = page.content.decode()
    assert str(TALK_IT_THROUGH) in text
    assert "Not eligible for" not in text
    staff = cast.client("facilitator").get(f"/couples/{cast.couple.pk}/readiness/")
    assert "Not eligible for psilocybin." in staff.content.decode()


def test_it_tells_a_partner_who_answered_again_the_same_and_keeps_them_not_eligible(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    answer(cast, "partner_a", **LITHIUM)
    clock.shift(dt.timedelta(hours=1))
    response = cast.client("partner_a").post(_form_url(cast), _all_no_post())
    assert str(TALK_IT_THROUGH) in response.content.decode()
    assert "lowers-decision-in-force" not in response.content.decode()
    assert Screening.objects.order_by("-id").first().decision == Decision.REVIEW  # type: ignore[union-attr]


def test_it_thanks_an_eligible_partner_as_before(cast: Cast) -> None:
    response = cast.client("partner_a").post(_form_url(cast), _all_no_post())
    html = response.content.decode()
    assert "your answers are with your care team" in html
    assert str(TALK_IT_THROUGH) not in html


# The clinical lead's queue and console --------------------------------------------------------


def _lowered(cast: Cast, clock: time_machine.Coordinates) -> tuple[Screening, Screening]:
    first = answer(cast, "partner_a", **LITHIUM)
    clock.shift(dt.timedelta(hours=1))
    return first, answer(cast, "partner_a")


def test_it_lists_a_lowering_reanswer_in_the_leads_queue_until_the_lead_decides(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first, again = _lowered(cast, clock)
    review = answer(cast, "partner_c", medications=["Sertraline 50 mg"])
    answer(cast, "partner_d")  # eligible: nothing to decide

    html = cast.client("lead").get("/console/screenings/").content.decode()
    listed = re.findall(r'data-screening="(\d+)"', html)
    assert listed == [str(again.pk), str(review.pk)]  # oldest first; the excluded one is not
    assert (
        f'Answered again, less restrictively than <a href="/couples/{cast.couple.pk}/screenings/'
        f'{first.pk}/">screening #{first.pk}</a> of 1 Dec 2026 (Not eligible): the earlier '
        "decision stands until a clinical lead decides."
    ) in html
    assert "would lower" not in html
    assert f"/couples/{cast.couple.pk}/screenings/{again.pk}/" in html

    console = cast.client("lead").get("/console/").content.decode()
    assert "2 screenings awaiting a clinical lead's decision" in console
    assert f'data-screening="{again.pk}"' in console
    assert "less restrictively than" in console

    clock.shift(dt.timedelta(hours=1))
    decide(cast, again, Decision.ELIGIBLE)
    html = cast.client("lead").get("/console/screenings/").content.decode()
    assert re.findall(r'data-screening="(\d+)"', html) == [str(review.pk)]


def test_it_shows_the_lead_the_earlier_screening_on_the_reanswer(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first, again = _lowered(cast, clock)
    html = (
        cast.client("lead")
        .get(f"/couples/{cast.couple.pk}/screenings/{again.pk}/")
        .content.decode()
    )
    assert "lowers-decision-in-force" in html
    assert f"Screening #{first.pk} of 1 Dec 2026, 09:00: Not eligible" in html
    assert f'href="/couples/{cast.couple.pk}/screenings/{first.pk}/"' in html


def test_it_shows_a_facilitator_only_their_own_couples_screenings_awaiting(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    _, again = _lowered(cast, clock)
    mine = cast.client("facilitator").get("/console/screenings/").content.decode()
    assert re.findall(r'data-screening="(\d+)"', mine) == [str(again.pk)]
    theirs = cast.client("other_facilitator").get("/console/screenings/").content.decode()
    assert re.findall(r'data-screening="(\d+)"', theirs) == []
    assert "None: every screening in force has a decision." in theirs


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("partner_a", ""),
        ("partner_b", ""),
        ("admin", ""),
        ("researcher", ""),
        ("trial_facilitator", "?org={center}"),
        ("lead", "?org={trial}"),
        ("lead", "?org=nine"),
    ],
)
def test_it_hides_the_queue_from_the_wrong_person(
    cast: Cast, clock: time_machine.Coordinates, who: str, query: str
) -> None:
    _lowered(cast, clock)
    url = "/console/screenings/" + query.format(center=cast.center.pk, trial=cast.trial.pk)
    response = cast.client(who).get(url)
    assert response.status_code == 404
    assert b"Answered again" not in response.content


def test_it_builds_the_queue_in_the_same_number_of_queries_however_many_await(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    def count() -> int:
        client = cast.client("lead")
        client.get("/console/screenings/")  # the session and sign-in, once
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/console/screenings/").status_code == 200
        return len(queries)

    _lowered(cast, clock)
    one = count()
    for who in ("partner_b", "partner_c", "partner_d"):
        answer(cast, who, **LITHIUM)
        clock.shift(dt.timedelta(minutes=5))
        answer(cast, who)
    decide(cast, Screening.objects.filter(partner=cast.partner_c).first(), Decision.EXCLUDED)  # type: ignore[arg-type]
    assert count() == one


def _awaiting_items(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-screening="(\d+)">(.*?)</li>\n', html, flags=re.S))


def test_it_says_in_words_what_each_awaiting_screening_is_to_decide(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first, again = _lowered(cast, clock)
    review = answer(cast, "partner_c", medications=["Sertraline 50 mg"])
    for url in ("/console/screenings/", "/console/"):
        items = _awaiting_items(cast.client("lead").get(url).content.decode())
        assert set(items) == {str(again.pk), str(review.pk)}
        sertraline = items[str(review.pk)]
        assert "Serotonin reuptake inhibitor: may reduce the effect of psilocybin." in sertraline
        assert "Any taper only under the prescriber" not in sertraline  # the first sentence
        # The rule's id only beside its words, muted, never standing for them.
        assert re.findall(r"<code[^>]*>([^<]*)</code>", sertraline) == [
            "reuptake-inhibitor-psilocybin"
        ]
        assert '<code class="muted">reuptake-inhibitor-psilocybin</code>' in sertraline
        assert "lowers-decision-in-force" not in items[str(again.pk)]  # said in words instead
        assert "less restrictively than" in items[str(again.pk)]


def test_it_tells_the_lead_on_an_earlier_screening_that_it_was_answered_again(
    cast: Cast, clock: time_machine.Coordinates
) -> None:
    first, again = _lowered(cast, clock)
    url = f"/couples/{cast.couple.pk}/screenings/"
    html = cast.client("lead").get(f"{url}{first.pk}/").content.decode()
    assert (
        f'Answered again in <a href="{url}{again.pk}/">screening #{again.pk}</a> of '
        f"1 Dec 2026, 10:00, less restrictively: this decision stands until a clinical lead "
        f"decides on #{again.pk}."
    ) in html
    newer = cast.client("lead").get(f"{url}{again.pk}/").content.decode()
    assert "Answered again in" not in newer  # the newest says nothing newer exists
    assert f'less restrictively than <a href="{url}{first.pk}/">screening #{first.pk}</a>' in newer

    clock.shift(dt.timedelta(hours=1))
    decide(cast, again, Decision.ELIGIBLE)
    html = cast.client("facilitator").get(f"{url}{first.pk}/").content.decode()
    assert (
        f'Answered again in <a href="{url}{again.pk}/">screening #{again.pk}</a> of '
        "1 Dec 2026, 10:00 (Eligible): the newer screening is the one that counts."
    ) in html
    assert cast.client("partner_a").get(f"{url}{first.pk}/").status_code == 404
    assert cast.client("other_facilitator").get(f"{url}{first.pk}/").status_code == 404


def test_it_says_nothing_newer_on_a_screening_answered_once(cast: Cast) -> None:
    once = answer(cast, "partner_a", medications=["Sertraline 50 mg"])
    answer(cast, "partner_b", **LITHIUM)  # the other partner's do not count as answering again
    html = (
        cast.client("lead").get(f"/couples/{cast.couple.pk}/screenings/{once.pk}/").content.decode()
    )
    assert "Answered again" not in html
    assert "less restrictively" not in html
