"""Trajectory charts: a partner's questionnaire scores over time, drawn as SVG on the server.

What is drawn is the measures' own: the instrument's scale and its severity bands shaded,
the medicine sessions as rules, one line per partner (solid teal circles, dashed amber
squares), and each partner's reliable change in the legend. How it is drawn is
`holdspace/lib/charts.py`, shared with the vital-signs chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from holdspace.lib import charts
from holdspace.lib.charts import Frame, Key, TimeScale, ValueScale, fmt
from holdspace.measures.library import Band, Instrument

FRAME = Frame(width=640, height=260, left=44, right=16, top=16, bottom=40)
# A phone's chart: the whole trajectory in a narrower drawing, so that scaled to a 320 px screen
# its labels stay about 10 px and more; its legend stacks, one partner a line.
NARROW_FRAME = Frame(width=300, height=220, left=36, right=10, top=14, bottom=40)
LEGEND_LINE = 20
LABEL_CHAR = 7.2  # the width of a character of an axis label, in chart units (13px sans)
SESSION = "#6b4c9a"
# Partner A solid teal circles, partner B dashed amber squares: told apart without colour too.
PARTNER_STYLES: tuple[tuple[str, str, charts.Shape], ...] = (
    ("#2f5d62", "", "dot"),
    ("#b5651d", "6 4", "square"),
)
BAND_FILLS = {
    "none": "#e6f0e2",
    "mild": "#f4f1dc",
    "moderate": "#f6e7cf",
    "moderately_severe": "#f3d9c4",
    "severe": "#efcdc4",
}
CHANGE_WORDS = {
    "improved": " (reliably improved)",
    "deteriorated": " (reliably worse)",
    "no_reliable_change": " (no reliable change)",
}


@dataclass(frozen=True)
class Point:
    taken_at: datetime
    value: float
    label: str  # the timepoint's name


@dataclass(frozen=True)
class Series:
    name: str
    points: list[Point]
    change: str = ""  # improved / no_reliable_change / deteriorated, against baseline


def trajectory_svg(
    instrument: Instrument,
    series: list[Series],
    *,
    chart_id: str,
    sessions: list[datetime] | None = None,
    narrow: bool = False,
) -> str:
    """An accessible SVG line chart of SERIES over time on INSTRUMENT's scale; NARROW, the
    phone's drawing of the same (NARROW_FRAME, the legend stacked)."""
    sessions = sessions or []
    times = [p.taken_at for s in series for p in s.points] + sessions
    if not times:
        return ""
    frame = NARROW_FRAME if narrow else FRAME
    low, high = instrument.total_range
    x = TimeScale(frame, min(times), max(times))
    y = ValueScale(frame, low, high)
    parts = _bands(instrument, y)
    parts += charts.value_labels(frame, y, (low, (low + high) / 2, high), gap=6)
    parts.append(charts.time_axis(frame))
    parts += [
        charts.rule_down(frame, x(when), stroke=SESSION, tip=f"Medicine session {when:%d %b %Y}")
        for when in sessions
    ]
    # A phone's narrower axis has room for fewer labels side by side: three lines of them.
    labels = _timepoint_labels(series, x, rows=3 if narrow else 2)
    parts += labels.parts
    parts += _lines(series, x, y)
    # The legend moves down below more lines of timepoints; a narrow one stacks.
    height = frame.height + 15 * (labels.lines - 1)
    if narrow:
        height += LEGEND_LINE * (len(series) - 1)
        for index, one in enumerate(series):
            y_line = height - 3 - LEGEND_LINE * (len(series) - 1 - index)
            parts += _legend([one], y_line, first=index)
    else:
        parts += _legend(series, height - 3)
    return charts.document(
        width=frame.width,
        height=height,
        chart_id=chart_id,
        title=f"{instrument.name}: scores over time",
        desc=_describe(instrument, series),
        css_class="chart",
        body="".join(parts),
    )


def _bands(instrument: Instrument, y: ValueScale) -> list[str]:
    """The instrument's severity bands, shaded; whole-number bands meet halfway."""
    bands: list[Band] = sorted(instrument.bands, key=lambda b: b.min)
    parts = []
    for index, band in enumerate(bands):
        below = (bands[index - 1].max + band.min) / 2 if index else band.min
        above = (band.max + bands[index + 1].min) / 2 if index + 1 < len(bands) else band.max
        parts.append(
            charts.band(
                y.frame,
                y(min(above, y.high)),
                y(max(below, y.low)),
                fill=BAND_FILLS.get(band.severity, "#eeeeee"),
                tip=band.label,
            )
        )
    return parts


def _timepoint_labels(series: list[Series], x: TimeScale, *, rows: int) -> charts.StaggeredLabels:
    """Each timepoint named once under the first score taken at it."""
    first: dict[str, datetime] = {}
    for point in sorted((p for s in series for p in s.points), key=lambda p: p.taken_at):
        first.setdefault(point.label, point.taken_at)
    return charts.staggered_labels(
        x.frame,
        [(x(when), label) for label, when in first.items()],
        y=x.frame.height - 22,
        char_width=LABEL_CHAR,
        rows=rows,
    )


def _lines(series: list[Series], x: TimeScale, y: ValueScale) -> list[str]:
    parts = []
    for index, one in enumerate(series):
        colour, dash, shape = PARTNER_STYLES[index % len(PARTNER_STYLES)]
        parts.append(
            charts.polyline(
                [(x(p.taken_at), y(p.value)) for p in one.points], stroke=colour, dash=dash
            )
        )
        parts += [
            charts.marker(
                shape,
                x(p.taken_at),
                y(p.value),
                colour,
                tip=f"{one.name}, {p.label}: {fmt(p.value)}",
            )
            for p in one.points
        ]
    return parts


def _legend(series: list[Series], baseline: float, *, first: int = 0) -> list[str]:
    """SERIES' keys side by side on BASELINE, styled as the FIRST series' on."""
    keys = []
    for index, one in enumerate(series, start=first):
        colour, dash, _shape = PARTNER_STYLES[index % len(PARTNER_STYLES)]
        keys.append(Key(one.name + CHANGE_WORDS.get(one.change, ""), colour, dash))
    return charts.legend_row(
        keys, x=FRAME.left, y=baseline, swatch=18, size=14, char_width=8, gap=24
    )


def _describe(instrument: Instrument, series: list[Series]) -> str:
    better = "higher is better" if instrument.scoring.higher_is_better else "lower is better"
    low, high = instrument.total_range
    lines = [f"Scale {fmt(low)} to {fmt(high)}, {better}."]
    for one in series:
        values = ", ".join(f"{p.label} {fmt(p.value)}" for p in one.points)
        lines.append(f"{one.name}: {values or 'no scores yet'}.")
    return " ".join(lines)
