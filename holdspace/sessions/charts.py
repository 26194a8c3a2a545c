"""Vital signs over a medicine session: a partner's blood pressure and heart rate, drawn as
SVG on the server.

What is drawn is the session's own: which vitals (systolic, diastolic, heart rate), the
profile's alert thresholds as reference lines with the values past them ringed, and the doses
given as rules. How it is drawn is `holdspace/lib/charts.py`, shared with the measure
trajectories; the page adds the readings as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from holdspace.lib import charts
from holdspace.lib.charts import Frame, Key, TimeScale, ValueScale, fmt

# Drawn about as wide as it is shown in a partner's column, so the text stays legible.
FRAME = Frame(width=440, height=262, left=36, right=12, top=24, bottom=66)
LIMIT, DOSE = "#a33a2b", "#6b4c9a"
# (field, label, unit, colour, dash, marker): blood pressure teal, heart rate amber; the two
# pressures differ by dash and by a filled or hollow marker.
SERIES: tuple[tuple[str, str, str, str, str, charts.Shape], ...] = (
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
            return f"above the limit of {fmt(high)}"
        if name == "heart_rate" and self.heart_rate_min is not None and value < self.heart_rate_min:
            return f"below the limit of {fmt(self.heart_rate_min)}"
        return ""


def _clock(when: datetime) -> str:
    return timezone.localtime(when).strftime("%H:%M")


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
    x = _time_scale(plotted, doses)
    y = _value_scale(plotted, limits)
    parts = [charts.text(4, FRAME.top - 10, "mmHg · bpm")]
    step = 20 if y.high - y.low <= 160 else 40
    parts += charts.value_labels(
        FRAME, y, range(int(y.low), int(y.high) + 1, step), gap=5, grid=True
    )
    parts += _clock_labels(x, plotted[0].taken_at)
    parts.append(charts.time_axis(FRAME))
    parts += [
        charts.rule_across(
            FRAME,
            y(value),
            stroke=LIMIT,
            width=1,
            dash="4 3",
            tip=f"Limit {fmt(value)}: {', '.join(what)}",
        )
        for value, what in sorted(limits.lines().items())
    ]
    parts += [
        charts.rule_down(FRAME, x(when), stroke=DOSE, tip=f"{label} at {_clock(when)}")
        for when, label in doses
    ]
    parts += _lines(plotted, limits, x, y)
    parts += _legend(bool(doses), bool(limits.lines()))
    return charts.document(
        width=FRAME.width,
        height=FRAME.height,
        chart_id=chart_id,
        title=f"Vital signs of {name}",
        desc=_describe(plotted, limits, doses),
        css_class="vitals-svg",
        body="".join(parts),
    )


def _time_scale(plotted: list[Reading], doses: list[tuple[datetime, str]]) -> TimeScale:
    """The readings and doses, padded so the first and last sit clear of the axes."""
    times = [r.taken_at for r in plotted] + [when for when, _label in doses]
    first, last = min(times), max(times)
    pad = (last - first) * 0.04
    return TimeScale(FRAME, first - pad, last + pad)


def _value_scale(plotted: list[Reading], limits: VitalLimits) -> ValueScale:
    """Every value and every limit drawn, on whole twenties."""
    values = [v for r in plotted for s in SERIES if (v := r.value(s[0])) is not None]
    low, high = charts.rounded_range([*values, *limits.lines()], step=20, margin=5)
    return ValueScale(FRAME, low, high)


def _clock_labels(x: TimeScale, first: datetime) -> list[str]:
    ticks = (
        charts.time_ticks(x.start, x.end, steps=_TIME_STEPS, zone=timezone.get_current_timezone())
        if x.seconds
        else [first]
    )
    return [
        charts.text(x(tick), FRAME.plot_bottom + 18, _clock(tick), anchor=FRAME.anchor(x(tick), 20))
        for tick in ticks
    ]


def _lines(plotted: list[Reading], limits: VitalLimits, x: TimeScale, y: ValueScale) -> list[str]:
    """One line per vital, each reading a marker with its value, and a ring past a limit."""
    parts = []
    for field, label, unit, colour, dash, shape in SERIES:
        points = [(r, v) for r in plotted if (v := r.value(field)) is not None]
        if not points:
            continue
        parts.append(
            charts.polyline([(x(r.taken_at), y(v)) for r, v in points], stroke=colour, dash=dash)
        )
        for reading, value in points:
            past = limits.breached(field, value)
            tip = (
                f"{label} {fmt(value)} {unit} at {_clock(reading.taken_at)}"
                f"{', ' + past if past else ''}{' (corrected)' if reading.corrected else ''}"
            )
            parts.append(charts.marker(shape, x(reading.taken_at), y(value), colour, tip=tip))
            if past:
                parts.append(charts.halo(x(reading.taken_at), y(value), LIMIT))
    return parts


def _legend(doses: bool, limits: bool) -> list[str]:
    """The series on one row; the dose and limit lines, when drawn, on a second."""
    series = [Key(label, colour, dash, shape) for _f, label, _u, colour, dash, shape in SERIES]
    rules = [Key("Dose", DOSE, "2 3")] * doses + [Key("Limit", LIMIT, "4 3")] * limits
    return [
        *charts.legend_row(series, x=4, y=FRAME.height - 30),
        *charts.legend_row(rules, x=4, y=FRAME.height - 8),
    ]


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
            lines.append(f"{label} {fmt(min(found))}–{fmt(max(found))} {unit}.")
            past += sum(1 for v in found if limits.breached(field, v))
    if past:
        lines.append(f"{past} value{'s' if past != 1 else ''} past a limit.")
    if doses:
        lines.append("Doses at " + ", ".join(_clock(when) for when, _label in doses) + ".")
    return " ".join(lines)
