"""Vital signs over a medicine session as SVG, drawn on the server.

The same approach as the measure trajectories (holdspace/measures/charts.py): one small kind
of chart, presentation attributes only so the strict Content-Security-Policy holds, a <title>
and <desc> for screen readers (the page adds the readings as a table), and series told apart
by line and marker shape as well as colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from django.utils import timezone

# Drawn about as wide as it is shown in a partner's column, so the text stays legible.
WIDTH, HEIGHT = 440, 262
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 24, 66
INK, MUTED, GRID, LIMIT, DOSE = "#23302f", "#5d6b69", "#ece6dd", "#a33a2b", "#6b4c9a"
# (field, label, unit, colour, dash, marker): blood pressure teal, heart rate amber; the two
# pressures differ by dash and by a filled or hollow marker.
SERIES = (
    ("systolic", "Systolic", "mmHg", "#2f5d62", "", "circle"),
    ("diastolic", "Diastolic", "mmHg", "#2f5d62", "6 4", "ring"),
    ("heart_rate", "Heart rate", "bpm", "#b5651d", "2 3", "square"),
)
# Steps for the time axis, in minutes: the smallest that gives at most six labels.
_TIME_STEPS = (5, 10, 15, 30, 60, 120, 180, 240)


@dataclass(frozen=True)
class Reading:
    taken_at: datetime
    systolic: float | None = None
    diastolic: float | None = None
    heart_rate: float | None = None
    corrected: bool = False

    def value(self, name: str) -> float | None:
        found: float | None = getattr(self, name)
        return found


@dataclass(frozen=True)
class VitalLimits:
    """The profile's alert thresholds, drawn as reference lines."""

    systolic_max: float | None = None
    diastolic_max: float | None = None
    heart_rate_max: float | None = None
    heart_rate_min: float | None = None
    temperature_max_c: float | None = None  # not drawn (another scale), but flagged

    def lines(self) -> dict[float, list[str]]:
        """Each threshold value with what it limits (equal values share one line)."""
        found: dict[float, list[str]] = {}
        for value, what in (
            (self.systolic_max, "systolic max"),
            (self.diastolic_max, "diastolic max"),
            (self.heart_rate_max, "heart rate max"),
            (self.heart_rate_min, "heart rate min"),
        ):
            if value is not None:
                found.setdefault(float(value), []).append(what)
        return found

    def breached(self, name: str, value: float) -> str:
        """What VALUE of NAME is past, in words, or ''."""
        high = {
            "systolic": self.systolic_max,
            "diastolic": self.diastolic_max,
            "heart_rate": self.heart_rate_max,
            "temperature_c": self.temperature_max_c,
        }.get(name)
        if high is not None and value > high:
            return f"above the limit of {_fmt(high)}"
        if name == "heart_rate" and self.heart_rate_min is not None and value < self.heart_rate_min:
            return f"below the limit of {_fmt(self.heart_rate_min)}"
        return ""


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _clock(when: datetime) -> str:
    return timezone.localtime(when).strftime("%H:%M")


def _time_ticks(start: datetime, end: datetime) -> list[datetime]:
    span = (end - start).total_seconds() / 60
    step = next((s for s in _TIME_STEPS if span / s <= 5), _TIME_STEPS[-1])
    local = timezone.localtime(start)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = math.ceil((local - midnight).total_seconds() / 60 / step) * step
    tick = midnight + timedelta(minutes=minutes)
    ticks = []
    while tick <= end:
        ticks.append(tick)
        tick += timedelta(minutes=step)
    return ticks


def vitals_svg(
    readings: list[Reading],
    *,
    chart_id: str,
    name: str,
    limits: VitalLimits | None = None,
    doses: list[tuple[datetime, str]] | None = None,
) -> str:
    """An accessible SVG line chart of NAME's blood pressure and heart rate over the session,
    with the profile's LIMITS as reference lines and the DOSES given as markers; '' when no
    reading has blood pressure or heart rate."""
    readings = sorted(readings, key=lambda r: r.taken_at)
    plotted = [r for r in readings if any(r.value(s[0]) is not None for s in SERIES)]
    if not plotted:
        return ""
    limits = limits or VitalLimits()
    doses = sorted(doses or [])
    values = [v for r in plotted for s in SERIES if (v := r.value(s[0])) is not None]
    references = list(limits.lines())
    low = math.floor((min(values + references) - 5) / 20) * 20
    high = math.ceil((max(values + references) + 5) / 20) * 20
    times = [r.taken_at for r in plotted] + [when for when, _label in doses]
    first, last = min(times), max(times)
    pad = (last - first) * 0.04  # so the first and last readings sit clear of the axes
    start, end = first - pad, last + pad
    span = (end - start).total_seconds()
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(when: datetime) -> float:
        if not span:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (when - start).total_seconds() / span

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="vitals-svg">',
        f'<title id="{chart_id}-title">{escape(f"Vital signs of {name}")}</title>',
        f'<desc id="{chart_id}-desc">{escape(_describe(plotted, limits, doses))}</desc>',
        f'<text x="4" y="{TOP - 10}" font-size="13" fill="{MUTED}">mmHg · bpm</text>',
    ]
    step = 20 if high - low <= 160 else 40
    for tick in range(int(low), int(high) + 1, step):
        parts.append(
            f'<line x1="{LEFT}" y1="{_fmt(y(tick))}" x2="{WIDTH - RIGHT}" y2="{_fmt(y(tick))}" '
            f'stroke="{GRID}"/>'
            f'<text x="{LEFT - 5}" y="{_fmt(y(tick) + 4)}" text-anchor="end" font-size="13" '
            f'fill="{MUTED}">{tick}</text>'
        )
    for tick_at in _time_ticks(start, end) if span else [first]:
        at = x(tick_at)
        anchor = "start" if at < LEFT + 20 else "end" if at > WIDTH - RIGHT - 20 else "middle"
        parts.append(
            f'<text x="{_fmt(at)}" y="{TOP + plot_h + 18}" text-anchor="{anchor}" '
            f'font-size="13" fill="{MUTED}">{_clock(tick_at)}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="#b9b0a3"/>'
    )
    for value, what in sorted(limits.lines().items()):
        parts.append(
            f'<line x1="{LEFT}" y1="{_fmt(y(value))}" x2="{WIDTH - RIGHT}" y2="{_fmt(y(value))}" '
            f'stroke="{LIMIT}" stroke-width="1" stroke-dasharray="4 3">'
            f"<title>Limit {_fmt(value)}: {escape(', '.join(what))}</title></line>"
        )
    for when, label in doses:
        parts.append(
            f'<line x1="{_fmt(x(when))}" y1="{TOP}" x2="{_fmt(x(when))}" y2="{TOP + plot_h}" '
            f'stroke="{DOSE}" stroke-width="2" stroke-dasharray="2 3">'
            f"<title>{escape(label)} at {_clock(when)}</title></line>"
        )
    for field, label, unit, colour, dash, marker in SERIES:
        points = [(r, v) for r in plotted if (v := r.value(field)) is not None]
        if not points:
            continue
        coords = " ".join(f"{_fmt(x(r.taken_at))},{_fmt(y(v))}" for r, v in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"'
            f"{dashed}/>"
        )
        for reading, value in points:
            cx, cy = x(reading.taken_at), y(value)
            past = limits.breached(field, value)
            tip = (
                f"<title>{escape(label)} {_fmt(value)} {unit} at {_clock(reading.taken_at)}"
                f"{', ' + past if past else ''}{' (corrected)' if reading.corrected else ''}"
                f"</title>"
            )
            parts.append(_marker(marker, cx, cy, colour, tip))
            if past:
                parts.append(
                    f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="8" fill="none" '
                    f'stroke="{LIMIT}" stroke-width="2"/>'
                )
    parts.extend(_legend(bool(doses), bool(references)))
    parts.append("</svg>")
    return "".join(parts)


def _marker(shape: str, cx: float, cy: float, colour: str, tip: str) -> str:
    if shape == "square":
        return (
            f'<rect x="{_fmt(cx - 4.5)}" y="{_fmt(cy - 4.5)}" width="9" height="9" '
            f'fill="{colour}">{tip}</rect>'
        )
    fill = colour if shape == "circle" else "#ffffff"
    return (
        f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="4.5" fill="{fill}" stroke="{colour}" '
        f'stroke-width="2">{tip}</circle>'
    )


def _legend(doses: bool, limits: bool) -> list[str]:
    """The series on one row; the dose and limit lines, when drawn, on a second."""
    rows: list[list[tuple[str, str, str, str]]] = [
        [(label, colour, dash, marker) for _f, label, _u, colour, dash, marker in SERIES],
        [("Dose", DOSE, "2 3", "")] * doses + [("Limit", LIMIT, "4 3", "")] * limits,
    ]
    parts = []
    for index, entries in enumerate(rows):
        left, row = 4, HEIGHT - 30 + 22 * index
        for label, colour, dash, marker in entries:
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{left}" y1="{row - 4}" x2="{left + 22}" y2="{row - 4}" '
                f'stroke="{colour}" stroke-width="2.5"{dashed}/>'
            )
            if marker:
                parts.append(_marker(marker, left + 11, row - 4, colour, ""))
            parts.append(
                f'<text x="{left + 28}" y="{row}" font-size="13" fill="{INK}">'
                f"{escape(label)}</text>"
            )
            left += 28 + round(7.8 * len(label)) + 18
    return parts


def _describe(
    readings: list[Reading], limits: VitalLimits, doses: list[tuple[datetime, str]]
) -> str:
    count = len(readings)
    lines = [
        f"{count} reading{'s' if count != 1 else ''} from {_clock(readings[0].taken_at)} "
        f"to {_clock(readings[-1].taken_at)}."
    ]
    past = 0
    for field, label, unit, *_rest in SERIES:
        found = [v for r in readings if (v := r.value(field)) is not None]
        if found:
            lines.append(f"{label} {_fmt(min(found))}–{_fmt(max(found))} {unit}.")
            past += sum(1 for v in found if limits.breached(field, v))
    if past:
        lines.append(f"{past} value{'s' if past != 1 else ''} past a limit.")
    if doses:
        lines.append("Doses at " + ", ".join(_clock(when) for when, _label in doses) + ".")
    return " ".join(lines)
