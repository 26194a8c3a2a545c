"""The focus ring is seen on every background it is drawn on (WCAG 2.2 AA, 1.4.11 non-text
contrast: 3:1). The ring is drawn 2 px outside the focused control, so it lies on the background
of whatever holds the control: the page, a card, the demo banner, the crisis notice, an error
box, a badge. Every background colour the stylesheet sets is checked, read from the stylesheet
itself, so a new coloured box that would hide the ring fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "holdspace.css"

# Fills of focusable controls themselves (the ring sits outside them, on their container's
# background) and colour keys that hold nothing focusable.
RING_OUTSIDE = ("button.primary", '.portal-nav a[aria-current="page"]', ".swatch")


def custom_properties(css: str) -> dict[str, str]:
    """The colour custom properties (`--name: #hex`) of CSS, the last declaration winning."""
    return {
        name: value.lower()
        for name, value in re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", css)
    }


def backgrounds(css: str) -> dict[str, str]:
    """Each selector of CSS that sets a background colour, with that colour as #rrggbb."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    properties = custom_properties(css)
    found: dict[str, str] = {}
    for selector, block in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        for value in re.findall(r"background(?:-color)?:\s*([^;}]+)", block):
            first = value.split()[0]
            variable = re.fullmatch(r"var\((--[\w-]+)\)", first)
            colour = properties.get(variable.group(1), "") if variable else first.lower()
            if re.fullmatch(r"#[0-9a-f]{3}|#[0-9a-f]{6}", colour):
                found[" ".join(selector.split())] = colour
    return found


def luminance(colour: str) -> float:
    """The WCAG relative luminance of a #rgb or #rrggbb colour."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(digits[i : i + 2]) for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


CSS = STYLESHEET.read_text()
FOCUS = custom_properties(CSS)["--focus"]
BACKGROUNDS = {
    selector: colour
    for selector, colour in backgrounds(CSS).items()
    if not any(selector.startswith(outside) for outside in RING_OUTSIDE)
}


@pytest.mark.parametrize(
    "selector", [":root", ".card", ".demo-banner", ".care", ".notice", ".form-errors", ".progress"]
)
def test_it_reads_the_backgrounds_the_ring_was_seen_failing_on(selector: str) -> None:
    assert any(selector in found.split(", ") or found.startswith(selector) for found in BACKGROUNDS)


@pytest.mark.parametrize("selector", sorted(BACKGROUNDS))
def test_it_draws_the_focus_ring_at_3_to_1_on_every_background(selector: str) -> None:
    ratio = contrast(FOCUS, BACKGROUNDS[selector])
    assert ratio >= 3, f"{FOCUS} on {selector} ({BACKGROUNDS[selector]}): {ratio:.2f}:1"


def test_it_rings_every_focusable_thing_with_the_focus_colour() -> None:
    ring = re.search(r"([^{}]*:focus-visible[^{}]*)\{[^}]*outline: 3px solid var\(--focus\)", CSS)
    assert ring is not None
    rung = " ".join(
        m for m in re.findall(r"([^{}]*:focus-visible[^{}]*)\{[^}]*var\(--focus\)", CSS)
    )
    for control in ("a", "button", "input", "select", "textarea", "summary", "[tabindex]"):
        assert f"{control}:focus-visible" in rung, control


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [("#000", "#fff", 21.0), ("#fff", "#fff", 1.0), ("#767676", "#ffffff", 4.54)],
)
def test_it_computes_the_wcag_contrast_ratio(first: str, second: str, expected: float) -> None:
    assert contrast(first, second) == pytest.approx(expected, abs=0.01)


def test_the_old_focus_colour_failed_on_the_page_banner_and_crisis_notice() -> None:
    for background in ("#f6f3ee", "#f3e2c2", "#fbeee6"):
        assert contrast("#c9822b", background) < 3
