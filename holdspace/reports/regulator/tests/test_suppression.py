"""Small-cell suppression, table-driven: primary (1 to the threshold), and secondary where a
total and the visible parts would give a hidden part away."""

from __future__ import annotations

import pytest

from holdspace.reports.regulator.suppression import (
    SUPPRESSED,
    suppress_count,
    suppress_group,
)

S = SUPPRESSED

CASES = [
    # parts, total, threshold, shown parts, shown total
    ([0, 0, 0], 0, 10, [0, 0, 0], 0),
    ([20, 15], 35, 10, [20, 15], 35),
    # One hidden part: the next smallest visible non-zero part goes too.
    ([3, 20, 15], 38, 10, [S, 20, S], 38),
    # Zeros are shown and never chosen: they hide nobody.
    ([3, 0, 20, 15], 38, 10, [S, 0, 20, S], 38),
    # Two hidden parts adding up to more than two: neither can be worked out.
    ([3, 4, 30], 37, 10, [S, S, 30], 37),
    # Two hidden parts adding up to two: both must be 1, so a third goes.
    ([1, 1, 30, 40], 72, 10, [S, S, S, 40], 72),
    # A tie for the next smallest: the first in the group's order.
    ([2, 12, 12], 26, 10, [S, S, 12], 26),
    # The total itself small: every non-zero part is small too.
    ([3, 4, 0], 7, 10, [S, S, 0], S),
    # The threshold from the profile: 0 suppresses nothing.
    ([1, 2], 3, 0, [1, 2], 3),
    ([1, 9], 10, 1, [S, S], 10),
]


@pytest.mark.parametrize(("parts", "total", "threshold", "shown", "shown_total"), CASES)
def test_it_suppresses_a_group(
    parts: list[int], total: int, threshold: int, shown: list[object], shown_total: object
) -> None:
    assert suppress_group(parts, threshold, total=total) == (shown, shown_total)


def test_it_suppresses_only_small_cells_where_nothing_adds_up() -> None:
    # A question answered with several choices: no total links the parts.
    assert suppress_group([3, 20, 15], 10) == ([S, 20, 15], None)


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, S), (10, S), (11, 11)])
def test_it_suppresses_one_count(count: int, shown: object) -> None:
    assert suppress_count(count, 10) == shown


def test_it_refuses_parts_that_do_not_add_up_to_the_total() -> None:
    with pytest.raises(ValueError, match="add up to 3, not to the total 4"):
        suppress_group([1, 2], 10, total=4)
