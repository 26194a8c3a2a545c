"""The stylesheet is one file several features add to; a block left open (a merge that dropped
a closing brace) silently confines every later rule to its media query."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "holdspace.css"


def unbalanced(text: str) -> list[str]:
    """Where the braces of TEXT (comments and strings left out) open too few or too many."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'"[^"\n]*"|\'[^\'\n]*\'', '""', text)
    problems, depth = [], 0
    for number, line in enumerate(text.splitlines(), 1):
        if depth == 1 and line.strip() and not line.startswith((" ", "}")):
            problems.append(f"line {number} sits inside a block that was never closed")
        depth += line.count("{") - line.count("}")
        if depth < 0:
            problems.append(f"line {number} closes a block that was never opened")
            depth = 0
    if depth:
        problems.append(f"{depth} block(s) left open at the end")
    return problems


def test_it_closes_every_block_it_opens() -> None:
    assert unbalanced(STYLESHEET.read_text()) == []


@pytest.mark.parametrize(
    "css",
    [
        "@media (max-width: 40rem) {\n  a { color: red; }\n\nb { color: blue; }\n",
        "a { color: red; }\n}\n",
        "a { color: red;\n",
    ],
)
def test_it_finds_a_block_left_open_or_closed_twice(css: str) -> None:
    assert unbalanced(css) != []
