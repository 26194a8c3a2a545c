"""No module imports another app's private names: what an app offers others is what it names
without a leading underscore."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]


def private_imports(source: str, app: str) -> list[str]:
    """`module.name` for each private name SOURCE (a module of APP) imports from another app."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.ImportFrom) and node.module):
            continue
        parts = node.module.split(".")
        if parts[0] != "holdspace" or len(parts) < 2 or parts[1] == app:
            continue
        found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    return found


def test_it_finds_no_private_name_imported_across_apps() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "migrations" in parts:
            continue
        app = parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")
        found += [
            f"{path.relative_to(PACKAGE.parent)}: {name}"
            for name in private_imports(path.read_text(), app)
        ]
    assert found == [], "Offer these under a public name, or keep them in their app:\n" + "\n".join(
        found
    )


def test_it_tells_a_private_name_of_another_app_from_one_of_its_own() -> None:
    source = (
        "from holdspace.measures.selectors import _anchors, couple_measures\n"
        "from holdspace.integration.services import _clean\n"
    )
    assert private_imports(source, "integration") == ["holdspace.measures.selectors._anchors"]
