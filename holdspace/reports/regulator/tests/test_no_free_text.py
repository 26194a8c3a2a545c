"""No free text ever reaches the 303 report: whatever a partner, a facilitator or a lead
writes (the 303 form's "other" answers, notes, adverse-event descriptions, reasons, names),
and whatever is typed where a code belongs, the JSON and the CSV hold none of it."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdspace.conftest import Cast
from holdspace.reports.regulator.render import csv_bytes, json_bytes
from holdspace.reports.regulator.tests import fixtures as fx
from holdspace.reports.regulator.tests.test_oregon303 import build

_keys = itertools.count()
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _seed_free_text(cast: Cast, needle: str) -> list[str]:
    """A couple dosed together in 2025Q4 with NEEDLE in every free-text field; the e-mail
    addresses made, which must not show either."""
    key = f"ft{next(_keys)}"
    p = fx.pair(cast, key, name=needle)
    p.couple.name = needle[:200]
    p.couple.save(update_fields=["name"])
    s = fx.session(cast, p, fx.local(2025, 11, 3, 10), food=needle[:500])
    for partner in (p.a, p.b):
        fx.screening(
            cast,
            p,
            partner,
            fx.local(2025, 10, 3, 9),
            decision="excluded",
            rules=(needle,),
            notes=needle,
        )
        fx.dose(cast, s, partner, fx.local(2025, 11, 3, 10))
        fx.event(cast, s, "note", fx.local(2025, 11, 3, 11), partner, {"text": needle})
        event = fx.adverse(
            cast,
            s,
            partner,
            fx.local(2025, 11, 3, 12),
            "severe",
            emergency=True,
            description=needle,
        )
        fx.correct(cast, event, fx.local(2025, 11, 3, 13), {"severity": needle}, reason=needle)
    fx.override(
        cast,
        fx.screening(cast, p, p.a, fx.local(2025, 10, 4, 9)),
        fx.local(2025, 10, 5, 9),
        "excluded",
        reason=needle,
    )
    other = {"race": needle, "language": needle, "reasons": needle, "gender_identity": needle}
    fx.form(
        cast, p, p.a, {"race": [needle, "chinese"], "income": needle, needle: needle}, other=other
    )
    fx.form(cast, p, p.b, {"county": needle}, other=other, withheld=False)
    late = fx.session(cast, p, fx.local(2025, 11, 20, 10))
    fx.declined(cast, late, p.b, fx.local(2025, 11, 20, 12), notes=needle)
    return [p.a.email, p.b.email]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXT)
def test_no_free_text_reaches_the_report(cast: Cast, text: str) -> None:
    fx.center_in_los_angeles(cast)
    needle = f"Zq{text}Qz"
    emails = _seed_free_text(cast, needle)
    for threshold in (0, 10):
        report = build(cast, "2025Q4", threshold)
        as_json, as_csv = json_bytes(report), csv_bytes(report)
        for body in (as_json.decode(), as_csv.decode()):
            assert "Zq" not in body
            for email in emails:
                assert email not in body
        assert not any("Zq" in s for s in _strings(json.loads(as_json)))
        cells = [c for row in csv.reader(io.StringIO(as_csv.decode())) for c in row]
        assert not any("Zq" in c for c in cells)
    # The couple was counted all the same: in (3), and the partners' coded answers in (2).
    shown = json.loads(json_bytes(build(cast, "2025Q4", 0)))
    served = shown["sections"][1]["groups"][0]["rows"][0]
    assert served["code"] == "clients_served" and served["value"] >= 2
