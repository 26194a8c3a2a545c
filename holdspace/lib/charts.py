"""Small SVG line charts drawn on the server: scales, axes, ticks, lines, markers, legends.

Our own rather than a plotting library: Holdspace draws two kinds of chart (questionnaire
scores over weeks, vital signs over a session), both must hold under a strict
Content-Security-Policy (presentation attributes only: no <style>, no `style=`, no script),
render inside WeasyPrint's PDFs, and cost well under a millisecond each. Every chart is an
accessible image: `role="img"` with a <title> and <desc>, and series told apart by dash and
marker shape as well as by colour.

The domain modules (`measures/charts.py`, `sessions/charts.py`) decide what is drawn — which
scores, which vitals, which thresholds — and build it from these pieces. Each function returns
SVG text; every text it is given is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from html import escape
from typing import Literal

INK = "#23302f"
MUTED = "#5d6b69"
AXIS = "#b9b0a3"
GRID = "#ece6dd"

Anchor = Literal["start", "middle", "end"]
# circle: filled; ring: hollow; square: filled; dot: a filled circle with no outline.
Shape = Literal["circle", "ring", "square", "dot", ""]
MARKER_RADIUS = 4.5


def fmt(number: float) -> str:
    """NUMBER with at most one decimal and no trailing zero: 13.5, 14, -2."""
    return f"{number:.1f}".rstrip("0").rstrip(".")


# Geometry ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """The drawing (WIDTH × HEIGHT) and the margins around its plot area."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.top + self.plot_height

    def anchor(self, x: float, margin: float) -> Anchor:
        """How to anchor a label at X so that it stays inside the drawing near either edge."""
        if x < self.left + margin:
            return "start"
        if x > self.plot_right - margin:
            return "end"
        return "middle"


@dataclass(frozen=True)
class ValueScale:
    """Values LOW..HIGH onto the plot's height, higher values higher up."""

    frame: Frame
    low: float
    high: float

    def __call__(self, value: float) -> float:
        span = (self.high - self.low) or 1
        return self.frame.top + self.frame.plot_height * (1 - (value - self.low) / span)


@dataclass(frozen=True)
class TimeScale:
    """Moments START..END onto the plot's width; a single moment sits in the middle."""

    frame: Frame
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def __call__(self, when: datetime) -> float:
        if not self.seconds:
            return self.frame.left + self.frame.plot_width / 2
        return self.frame.left + self.frame.plot_width * (
            (when - self.start).total_seconds() / self.seconds
        )


def rounded_range(values: Iterable[float], *, step: float, margin: float) -> tuple[float, float]:
    """The smallest range of whole STEPs holding every value with MARGIN to spare each side."""
    found = list(values)
    low = math.floor((min(found) - margin) / step) * step
    high = math.ceil((max(found) + margin) / step) * step
    return low, high


def time_ticks(
    start: datetime, end: datetime, *, steps: Sequence[int], zone: tzinfo, most: int = 5
) -> list[datetime]:
    """Clock times on round minutes between START and END, in ZONE: the smallest of STEPS (in
    minutes) that gives at most MOST intervals, counted from midnight."""
    minutes_spanned = (end - start).total_seconds() / 60
    step = next((s for s in steps if minutes_spanned / s <= most), steps[-1])
    local = start.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = math.ceil((local - midnight).total_seconds() / 60 / step) * step
    tick = midnight + timedelta(minutes=minutes)
    ticks = []
    while tick <= end:
        ticks.append(tick)
        tick += timedelta(minutes=step)
    return ticks


# Pieces --------------------------------------------------------------------------------------


def document(
    *, width: int, height: float, chart_id: str, title: str, desc: str, css_class: str, body: str
) -> str:
    """The <svg> element around BODY, labelled for screen readers by TITLE and DESC."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {fmt(height)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="{css_class}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def tooltip(text: str) -> str:
    """A <title> child: what a pointer over the element shows, and a screen reader reads."""
    return f"<title>{escape(text)}</title>" if text else ""


def text(
    x: float,
    y: float,
    content: str,
    *,
    size: int = 13,
    fill: str = MUTED,
    anchor: Anchor | None = None,
) -> str:
    anchored = f' text-anchor="{anchor}"' if anchor else ""
    return (
        f'<text x="{fmt(x)}" y="{fmt(y)}"{anchored} font-size="{size}" fill="{fill}">'
        f"{escape(content)}</text>"
    )


def line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    stroke: str,
    width: float | None = None,
    dash: str = "",
    tip: str = "",
) -> str:
    widened = f' stroke-width="{fmt(width)}"' if width is not None else ""
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    attributes = (
        f'x1="{fmt(x1)}" y1="{fmt(y1)}" x2="{fmt(x2)}" y2="{fmt(y2)}" stroke="{stroke}"'
        f"{widened}{dashed}"
    )
    if tip:
        return f"<line {attributes}>{tooltip(tip)}</line>"
    return f"<line {attributes}/>"


def band(frame: Frame, top: float, bottom: float, *, fill: str, tip: str = "") -> str:
    """A shaded stripe across the plot from TOP to BOTTOM (in drawing units)."""
    return (
        f'<rect x="{frame.left}" y="{fmt(top)}" width="{frame.plot_width}" '
        f'height="{fmt(bottom - top)}" fill="{fill}">{tooltip(tip)}</rect>'
    )


def rule_across(
    frame: Frame,
    y: float,
    *,
    stroke: str,
    width: float | None = None,
    dash: str = "",
    tip: str = "",
) -> str:
    """A horizontal line across the plot at Y: a grid line, a threshold."""
    return line(frame.left, y, frame.plot_right, y, stroke=stroke, width=width, dash=dash, tip=tip)


def rule_down(frame: Frame, x: float, *, stroke: str, dash: str = "2 3", tip: str = "") -> str:
    """A vertical line down the plot at X: an event in time (a session, a dose)."""
    return line(x, frame.top, x, frame.plot_bottom, stroke=stroke, width=2, dash=dash, tip=tip)


def time_axis(frame: Frame) -> str:
    """The line under the plot."""
    return line(frame.left, frame.plot_bottom, frame.plot_right, frame.plot_bottom, stroke=AXIS)


def value_labels(
    frame: Frame, scale: ValueScale, ticks: Iterable[float], *, gap: int, grid: bool = False
) -> list[str]:
    """Each tick's value left of the plot, GAP units from it; with GRID a line across too."""
    parts = []
    for tick in ticks:
        if grid:
            parts.append(rule_across(frame, scale(tick), stroke=GRID))
        parts.append(text(frame.left - gap, scale(tick) + 4, fmt(tick), anchor="end"))
    return parts


def polyline(points: Iterable[tuple[float, float]], *, stroke: str, dash: str = "") -> str:
    coords = " ".join(f"{fmt(x)},{fmt(y)}" for x, y in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="2.5"{dashed}/>'


def marker(shape: Shape, cx: float, cy: float, colour: str, *, tip: str = "") -> str:
    """A point of a series in SHAPE, so that series differ without colour too."""
    r = MARKER_RADIUS
    if shape == "square":
        return (
            f'<rect x="{fmt(cx - r)}" y="{fmt(cy - r)}" width="{fmt(2 * r)}" '
            f'height="{fmt(2 * r)}" fill="{colour}">{tooltip(tip)}</rect>'
        )
    if shape == "dot":
        return (
            f'<circle cx="{fmt(cx)}" cy="{fmt(cy)}" r="{r}" fill="{colour}">{tooltip(tip)}</circle>'
        )
    if shape in {"circle", "ring"}:
        fill = colour if shape == "circle" else "#ffffff"
        return (
            f'<circle cx="{fmt(cx)}" cy="{fmt(cy)}" r="{r}" fill="{fill}" stroke="{colour}" '
            f'stroke-width="2">{tooltip(tip)}</circle>'
        )
    return ""


def halo(cx: float, cy: float, colour: str) -> str:
    """A ring around a marker that deserves attention (a value past a limit)."""
    return (
        f'<circle cx="{fmt(cx)}" cy="{fmt(cy)}" r="8" fill="none" stroke="{colour}" '
        f'stroke-width="2"/>'
    )


# Labels that must not collide ----------------------------------------------------------------


@dataclass(frozen=True)
class StaggeredLabels:
    parts: list[str]
    lines: int  # 1, or more when a label had to go on another line


def staggered_labels(
    frame: Frame,
    labels: Iterable[tuple[float, str]],
    *,
    y: float,
    char_width: float,
    margin: float = 50,
    rows: int = 2,
) -> StaggeredLabels:
    """Labels (x, text) along the time axis, left to right; one that would touch the label
    before it goes on the next of ROWS lines, each 15 units lower (timepoints close in time)."""
    right_edge = [-1e9] * rows
    parts: list[str] = []
    lines = 1
    for x, label in sorted(labels, key=lambda item: item[0]):
        anchor = frame.anchor(x, margin)
        width = char_width * len(label)
        left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
        row = next((n for n in range(rows) if left > right_edge[n] + 6), 0)
        right_edge[row] = left + width
        lines = max(lines, row + 1)
        parts.append(text(x, y + 15 * row, label, anchor=anchor))
    return StaggeredLabels(parts, lines)


# Legends -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One entry of a legend: a short line in the series' colour and dash, and its marker."""

    label: str
    colour: str
    dash: str = ""
    shape: Shape = ""


def legend_row(
    keys: Iterable[Key],
    *,
    x: float,
    y: float,
    swatch: int = 22,
    size: int = 13,
    char_width: float = 7.8,
    gap: int = 18,
) -> list[str]:
    """KEYS side by side from X, their text's baseline at Y."""
    parts = []
    for key in keys:
        parts.append(line(x, y - 4, x + swatch, y - 4, stroke=key.colour, width=2.5, dash=key.dash))
        if key.shape:
            parts.append(marker(key.shape, x + swatch / 2, y - 4, key.colour))
        parts.append(text(x + swatch + 6, y, key.label, size=size, fill=INK))
        x += swatch + 6 + round(char_width * len(key.label)) + gap
    return parts
