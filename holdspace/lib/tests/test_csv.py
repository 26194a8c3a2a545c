"""CSV cells a spreadsheet shows as text rather than running as a formula."""

from __future__ import annotations

import pytest

from holdspace.lib.csv import csv_cell, csv_row


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Riley", "Riley"),
        ("a=b", "a=b"),  # a formula starts the cell; inside it is text
        (None, ""),
        (12.5, "12.5"),
        ("", ""),
    ],
)
def test_it_guards_only_cells_a_spreadsheet_would_run(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_it_guards_each_cell_of_a_row() -> None:
    assert csv_row(["=1+1", 3, None, "ok"]) == ["'=1+1", "3", "", "ok"]
