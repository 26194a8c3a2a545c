"""Timepoints hang off medicine sessions: the before-session set comes due with the next
scheduled session, and the follow-ups count from the end of the latest one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdspace.conftest import Cast, make_session
from holdspace.measures.library import get_instrument
from holdspace.measures.scoring import answers_from_list
from holdspace.measures.selectors import couple_measures, due_measures, overdue_by_couple
from holdspace.measures.services import response_submit
from holdspace.policy.couples import get_couple_for
from holdspace.sessions.models import MedicineSession

pytestmark = pytest.mark.django_db


def _due(cast: Cast, who: str = "partner_a") -> set[tuple[str, str]]:
    viewer = cast.viewer(who)
    couple = get_couple_for(viewer, cast.couple.pk)
    return {(d.instrument.code, d.timepoint) for d in due_measures(viewer=viewer, couple=couple)}


def _answer(
    cast: Cast,
    code: str,
    timepoint: str,
    who: str = "partner_a",
    taken_at: dt.datetime | None = None,
) -> None:
    viewer = cast.viewer(who)
    couple = get_couple_for(viewer, cast.couple.pk)
    instrument = get_instrument(code)
    response_submit(
        viewer=viewer,
        couple=couple,
        instrument=code,
        timepoint=timepoint,
        answers=answers_from_list(instrument, [0] * len(instrument.items)),
        taken_at=taken_at,
    )


def test_it_makes_the_before_session_set_due_with_the_next_session(cast: Cast) -> None:
    assert not {t for _c, t in _due(cast)} - {"baseline"}
    make_session(cast, starts_at=timezone.now() + dt.timedelta(days=2))
    assert {("phq9", "before_session"), ("gad7", "before_session")} <= _due(cast)
    _answer(cast, "phq9", "before_session")
    due = _due(cast)
    assert ("phq9", "before_session") not in due
    assert ("gad7", "before_session") in due


def test_it_counts_follow_ups_from_the_end_of_the_latest_session(cast: Cast) -> None:
    session = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=10))
    ended = timezone.now() - dt.timedelta(days=9)
    MedicineSession.objects.filter(pk=session.pk).update(status="closed", ended_at=ended)
    due = _due(cast)
    # The day after and one week are due; one month is not offered yet.
    assert ("phq9", "day_after") in due and ("gad7", "week_1") in due
    assert not any(t == "month_1" for _c, t in due)
    # A response given before the session does not count for after it.
    _answer(cast, "phq9", "week_1")
    assert ("phq9", "week_1") not in _due(cast)
    # Both are overdue on the staff console; partner B's too.
    overdue = overdue_by_couple(
        viewer=cast.viewer("facilitator"), organisation=cast.center, couple_ids=[cast.couple.pk]
    )
    assert overdue[cast.couple.pk] >= 3


def test_it_does_not_count_an_earlier_response_for_a_later_sessions_follow_up(cast: Cast) -> None:
    # From an earlier session, five days ago.
    _answer(cast, "phq9", "day_after", taken_at=timezone.now() - dt.timedelta(days=5))
    session = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=3))
    MedicineSession.objects.filter(pk=session.pk).update(
        status="closed", ended_at=timezone.now() - dt.timedelta(days=2)
    )
    assert ("phq9", "day_after") in _due(cast)


def test_it_marks_the_sessions_that_took_place_on_the_charts(cast: Cast) -> None:
    _answer(cast, "phq9", "baseline", taken_at=timezone.now() - dt.timedelta(days=20))
    held = make_session(cast, starts_at=timezone.now() - dt.timedelta(days=10))
    MedicineSession.objects.filter(pk=held.pk).update(
        status="closed", started_at=held.starts_at, ended_at=held.starts_at
    )
    make_session(cast, starts_at=timezone.now() + dt.timedelta(days=5))  # not yet held
    _answer(cast, "phq9", "week_1")
    viewer = cast.viewer("facilitator")
    (trend,) = couple_measures(viewer=viewer, couple=get_couple_for(viewer, cast.couple.pk))
    assert trend.svg.count("<title>Medicine session") == 1
