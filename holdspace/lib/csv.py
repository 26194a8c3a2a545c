"""CSV cells a spreadsheet will not run: a cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return is read as a formula by Excel, LibreOffice and Google Sheets (OWASP "CSV
injection"), so it is prefixed with an apostrophe, which they show as text."""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """VALUE as a CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(values: Iterable[object]) -> list[str]:
    """Each of VALUES as a guarded cell, for `csv.writer.writerow`."""
    return [csv_cell(value) for value in values]
