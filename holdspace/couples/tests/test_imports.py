"""Couples sits below the journey apps: the couple page and the console, which gather them,
are built in holdspace/pages/, and a withdrawal tells the apps that follow the couple by a
signal, so couples imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

COUPLES = Path(__file__).resolve().parents[1]
# What couples may import of Holdspace.
BELOW = {"accounts", "audit", "couples", "lib", "policy"}


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("holdspace."):
            found.add((node.module or "").split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("holdspace.")}
    return found


def test_it_keeps_couples_free_of_the_journey_apps() -> None:
    # Management commands are entry points, on top like urls (seed_demo seeds every app).
    skipped = {"tests", "migrations", "management"}
    modules = [p for p in COUPLES.rglob("*.py") if not skipped & set(p.parts)]
    assert modules
    strays = {
        str(path.relative_to(COUPLES)): sorted(_imported_apps(path) - BELOW) for path in modules
    }
    assert {name: apps for name, apps in strays.items() if apps} == {}
