"""The shared SVG chart pieces: what a chart shows holds under a strict CSP and for a screen
reader, whatever text it is given."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from holdspace.lib import charts
from holdspace.lib.charts import Frame, Key, TimeScale, ValueScale

FRAME = Frame(width=400, height=200, left=40, right=10, top=10, bottom=40)
START = datetime(2026, 5, 1, 9, 50, tzinfo=UTC)


def test_it_labels_the_chart_for_screen_readers_and_escapes_every_text() -> None:
    svg = charts.document(
        width=400,
        height=200,
        chart_id="c9",
        title='Scores of <Sam> & "Alex"',
        desc="Baseline <b>18</b>",
        css_class="chart",
        body=charts.text(1, 2, "<script>alert(1)</script>")
        + charts.marker("dot", 5, 5, "#000", tip="</title><script>"),
    )
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 200"')
    assert 'role="img" aria-labelledby="c9-title c9-desc"' in svg
    assert "Scores of &lt;Sam&gt; &amp; &quot;Alex&quot;" in svg
    assert "<script" not in svg and "<b>" not in svg
    assert "style" not in svg


def test_it_puts_higher_values_higher_and_later_times_further_right() -> None:
    y = ValueScale(FRAME, 0, 27)
    assert y(0) == FRAME.plot_bottom and y(27) == FRAME.top
    assert y(20) < y(10)
    x = TimeScale(FRAME, START, START + timedelta(days=10))
    assert x(START) == FRAME.left and x(START + timedelta(days=10)) == FRAME.plot_right
    assert x(START) < x(START + timedelta(days=3)) < x(START + timedelta(days=7))


def test_it_centres_a_single_moment_and_survives_a_flat_scale() -> None:
    x = TimeScale(FRAME, START, START)
    assert x(START) == FRAME.left + FRAME.plot_width / 2
    flat = ValueScale(FRAME, 5, 5)
    assert flat(5) == FRAME.plot_bottom  # no division by zero


@pytest.mark.parametrize(
    ("values", "expected"),
    [([118, 152, 74], (60, 160)), ([70], (60, 80)), ([40, 200], (20, 220))],
)
def test_it_rounds_the_value_range_out_to_whole_steps(
    values: list[float], expected: tuple[float, float]
) -> None:
    assert charts.rounded_range(values, step=20, margin=5) == expected


def test_it_puts_clock_ticks_on_round_minutes_in_the_local_zone() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    ticks = charts.time_ticks(
        START, START + timedelta(hours=4), steps=(5, 15, 30, 60, 120), zone=zone
    )
    local = [t.astimezone(zone).strftime("%H:%M") for t in ticks]
    assert local == ["03:00", "04:00", "05:00", "06:00"]  # 09:50 UTC is 02:50 there
    short = charts.time_ticks(START, START + timedelta(minutes=20), steps=(5, 15), zone=UTC)
    assert [t.strftime("%H:%M") for t in short] == ["09:50", "09:55", "10:00", "10:05", "10:10"]


def test_it_moves_a_label_that_would_collide_to_a_second_line() -> None:
    apart = charts.staggered_labels(FRAME, [(60, "Baseline"), (300, "Month")], y=180, char_width=7)
    assert apart.lines == 1
    close = charts.staggered_labels(
        FRAME, [(150, "Day after"), (160, "One week after")], y=180, char_width=7
    )
    assert close.lines == 2
    rows = [re.findall(r'y="([\d.]+)"', part) for part in close.parts]
    assert rows == [["180"], ["195"]]


def test_it_anchors_labels_inside_the_drawing_at_either_edge() -> None:
    assert FRAME.anchor(FRAME.left, 20) == "start"
    assert FRAME.anchor(FRAME.plot_right, 20) == "end"
    assert FRAME.anchor(200, 20) == "middle"


def test_it_tells_series_apart_without_colour() -> None:
    row = charts.legend_row(
        [Key("Systolic", "#111", "", "circle"), Key("Diastolic", "#111", "6 4", "ring")],
        x=4,
        y=100,
    )
    svg = "".join(row)
    assert svg.count("<line") == 2 and 'stroke-dasharray="6 4"' in svg
    assert 'fill="#111"' in svg and 'fill="#ffffff"' in svg  # filled and hollow markers
    square = charts.marker("square", 10, 10, "#222", tip="Heart rate 80")
    assert square.startswith('<rect x="5.5" y="5.5" width="9" height="9"')
    assert "<title>Heart rate 80</title>" in square


def test_it_draws_thresholds_and_events_as_titled_rules() -> None:
    limit = charts.rule_across(FRAME, 50, stroke="#a00", width=1, dash="4 3", tip="Limit 160")
    assert limit == (
        '<line x1="40" y1="50" x2="390" y2="50" stroke="#a00" stroke-width="1" '
        'stroke-dasharray="4 3"><title>Limit 160</title></line>'
    )
    dose = charts.rule_down(FRAME, 100, stroke="#60a", tip="Dose at 10:00")
    assert 'y1="10"' in dose and f'y2="{FRAME.plot_bottom}"' in dose
    assert charts.polyline([(1, 2), (3.25, 4)], stroke="#000") == (
        '<polyline points="1,2 3.2,4" fill="none" stroke="#000" stroke-width="2.5"/>'
    )
