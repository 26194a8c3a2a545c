"""No function in holdspace/ runs past 80 lines unless a comment right above it says why."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
LIMIT = 80
# The comment that lets a longer function stand: on the line just above its `def` (or its
# decorators), starting with this.
REASON = "# Long because"


def long_functions(source: str, filename: str) -> list[str]:
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        if node.end_lineno is None or node.end_lineno - node.lineno + 1 <= LIMIT:
            continue
        above = lines[start - 2].strip() if start >= 2 else ""
        if not above.startswith(REASON):
            found.append(f"{filename}:{node.name}")
    return found


def _all_long() -> set[str]:
    found: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        found.update(long_functions(path.read_text(), str(path.relative_to(PACKAGE.parent))))
    return found


def test_it_finds_no_function_past_the_limit_without_a_reason() -> None:
    grown = sorted(_all_long())
    assert grown == [], f"Split these (or say why above the def, '{REASON} …'): {grown}"


def test_it_counts_a_long_function_and_accepts_a_reason() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    source = f"def f():\n{body}\n"
    assert long_functions(source, "m.py") == ["m.py:f"]
    assert long_functions(f"{REASON}: one table of rows.\n{source}", "m.py") == []
