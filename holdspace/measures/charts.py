"""Trajectory charts as SVG, drawn on the server.

Our own small renderer rather than a plotting library: the charts are one kind (scores over
time for two partners, with the instrument's bands shaded and reliable change marked), they
must hold under a strict Content-Security-Policy (presentation attributes only, no <style> or
script), render in PDF reports later, and cost well under a millisecond each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from holdspace.measures.library import Instrument

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 40
LABEL_CHAR = 7.2  # the width of a character of an axis label, in chart units (13px sans)
# Partner A solid teal circles, partner B dashed amber squares: told apart without colour too.
PARTNER_STYLES = (
    {"stroke": "#2f5d62", "dash": "", "marker": "circle"},
    {"stroke": "#b5651d", "dash": "6 4", "marker": "square"},
)
BAND_FILLS = {
    "none": "#e6f0e2",
    "mild": "#f4f1dc",
    "moderate": "#f6e7cf",
    "moderately_severe": "#f3d9c4",
    "severe": "#efcdc4",
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


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def trajectory_svg(
    instrument: Instrument,
    series: list[Series],
    *,
    chart_id: str,
    sessions: list[datetime] | None = None,
) -> str:
    """An accessible SVG line chart of SERIES over time on INSTRUMENT's scale."""
    low, high = instrument.total_range
    times = [p.taken_at for s in series for p in s.points] + list(sessions or [])
    if not times:
        return ""
    start, end = min(times), max(times)
    span = (end - start).total_seconds() or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(when: datetime) -> float:
        if end == start:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (when - start).total_seconds() / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / ((high - low) or 1))

    title = f"{instrument.name}: scores over time"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_describe(instrument, series))}</desc>',
    ]
    bands = sorted(instrument.bands, key=lambda b: b.min)
    for index, band in enumerate(bands):  # shaded bands; whole-number bands meet halfway
        below = (bands[index - 1].max + band.min) / 2 if index else band.min
        above = (band.max + bands[index + 1].min) / 2 if index + 1 < len(bands) else band.max
        top, bottom = y(min(above, high)), y(max(below, low))
        parts.append(
            f'<rect x="{LEFT}" y="{_fmt(top)}" width="{plot_w}" height="{_fmt(bottom - top)}" '
            f'fill="{BAND_FILLS.get(band.severity, "#eeeeee")}"><title>{escape(band.label)}'
            f"</title></rect>"
        )
    for tick in (low, (low + high) / 2, high):
        parts.append(
            f'<text x="{LEFT - 6}" y="{_fmt(y(tick) + 4)}" text-anchor="end" font-size="13" '
            f'fill="#5d6b69">{_fmt(tick)}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="#b9b0a3"/>'
    )
    for when in sessions or []:
        parts.append(
            f'<line x1="{_fmt(x(when))}" y1="{TOP}" x2="{_fmt(x(when))}" y2="{TOP + plot_h}" '
            f'stroke="#6b4c9a" stroke-width="2" stroke-dasharray="2 3"><title>Medicine session '
            f"{when:%d %b %Y}</title></line>"
        )
    labelled: set[str] = set()
    # Timepoints close in time (the day after, one week after) would print over each other:
    # a label that would touch the one before it goes on a second line.
    right_edge = [-1e9, -1e9]
    second_line = False
    for point in sorted((p for s in series for p in s.points), key=lambda p: p.taken_at):
        if point.label in labelled:
            continue
        labelled.add(point.label)
        at = x(point.taken_at)
        anchor = "start" if at < LEFT + 50 else "end" if at > WIDTH - RIGHT - 50 else "middle"
        width = LABEL_CHAR * len(point.label)
        left = at if anchor == "start" else at - width if anchor == "end" else at - width / 2
        line = next((n for n in (0, 1) if left > right_edge[n] + 6), 0)
        right_edge[line] = left + width
        second_line = second_line or line == 1
        parts.append(
            f'<text x="{_fmt(at)}" y="{HEIGHT - 22 + 15 * line}" text-anchor="{anchor}" '
            f'font-size="13" fill="#5d6b69">{escape(point.label)}</text>'
        )
    for index, one in enumerate(series):
        style = PARTNER_STYLES[index % len(PARTNER_STYLES)]
        coords = " ".join(f"{_fmt(x(p.taken_at))},{_fmt(y(p.value))}" for p in one.points)
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{style["stroke"]}" '
            f'stroke-width="2.5"{dash}/>'
        )
        for p in one.points:
            cx, cy = _fmt(x(p.taken_at)), _fmt(y(p.value))
            tip = f"<title>{escape(one.name)}, {escape(p.label)}: {_fmt(p.value)}</title>"
            if style["marker"] == "circle":
                parts.append(
                    f'<circle cx="{cx}" cy="{cy}" r="4.5" fill="{style["stroke"]}">{tip}</circle>'
                )
            else:
                parts.append(
                    f'<rect x="{float(cx) - 4.5:.1f}" y="{float(cy) - 4.5:.1f}" '
                    f'width="9" height="9" fill="{style["stroke"]}">{tip}</rect>'
                )
    tall = HEIGHT + (15 if second_line else 0)  # the legend moves down below a second line
    if second_line:
        parts[0] = parts[0].replace(f"0 0 {WIDTH} {HEIGHT}", f"0 0 {WIDTH} {tall}")
    legend_x = LEFT
    for index, one in enumerate(series):
        style = PARTNER_STYLES[index % len(PARTNER_STYLES)]
        change = {
            "improved": " (reliably improved)",
            "deteriorated": " (reliably worse)",
            "no_reliable_change": " (no reliable change)",
        }.get(one.change, "")
        text = escape(one.name + change)
        parts.append(
            f'<line x1="{legend_x}" y1="{tall - 7}" x2="{legend_x + 18}" '
            f'y2="{tall - 7}" stroke="{style["stroke"]}" stroke-width="2.5"'
            + (f' stroke-dasharray="{style["dash"]}"' if style["dash"] else "")
            + "/>"
        )
        parts.append(
            f'<text x="{legend_x + 24}" y="{tall - 3}" font-size="14" fill="#23302f">{text}</text>'
        )
        legend_x += 24 + 8 * len(one.name + change) + 24
    parts.append("</svg>")
    return "".join(parts)


def _describe(instrument: Instrument, series: list[Series]) -> str:
    better = "higher is better" if instrument.scoring.higher_is_better else "lower is better"
    lines = [
        f"Scale {_fmt(instrument.total_range[0])} to {_fmt(instrument.total_range[1])}, {better}."
    ]
    for one in series:
        values = ", ".join(f"{p.label} {_fmt(p.value)}" for p in one.points)
        lines.append(f"{one.name}: {values or 'no scores yet'}.")
    return " ".join(lines)
