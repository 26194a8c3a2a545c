"""A regulator report as bytes: JSON and CSV, the same bytes for the same report on every run
(fixed order, no generation time: that goes into the audit trail)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
from typing import Any

from holdspace.lib.csv import csv_cell

CSV_COLUMNS = ["report", "period", "due_on", "section", "group", "row", "label", "value"]


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def as_dict(report: Any) -> dict[str, Any]:
    """REPORT (a dataclass of sections, groups and rows) as plain JSON values, fields in their
    declared order."""
    plain: dict[str, Any] = _plain(report)
    return plain


def json_bytes(report: Any) -> bytes:
    return (json.dumps(as_dict(report), ensure_ascii=False, indent=2) + "\n").encode()


def csv_bytes(report: Any) -> bytes:
    """One line per cell: the report, its period and due day, then where the cell sits and its
    value (a count, `suppressed`, an average, or empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    head = [report.report, report.period, report.due_on.isoformat() if report.due_on else ""]
    for section in report.sections:
        for group in section.groups:
            rows = [*group.rows, *([group.total] if group.total is not None else [])]
            for row in rows:
                value = "" if row.value is None else str(row.value)
                writer.writerow(
                    csv_cell(cell)
                    for cell in (*head, section.code, group.code, row.code, row.label, value)
                )
    return out.getvalue().encode()


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
