"""docs/configuration.md lists every environment variable Holdspace reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "configuration.md"
READERS = {"envstr", "envbool", "envint", "envlist", "generated_secret"}


def _read_names(source: str) -> set[str]:
    """NAME of every env*("NAME", …), generated_secret("NAME", …) and os.environ.get("NAME")."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        environ_get = (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "environ"
        )
        if called not in READERS and not environ_get:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def _documented() -> set[str]:
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", DOC.read_text(encoding="utf-8"), re.M)
    return set(rows)


def test_it_finds_the_variables_settings_reads() -> None:
    read = _read_names((ROOT / "holdspace" / "settings.py").read_text(encoding="utf-8"))
    assert {"SECRET_KEY", "HOLDSPACE_PSEUDONYM_KEY", "DATABASE_URL", "BEHIND_TLS_PROXY"} <= read
    assert _read_names('envint("NEW_ONE", 3)\nos.environ.get("OTHER")\nfoo("NOT")') == {
        "NEW_ONE",
        "OTHER",
    }


@pytest.mark.parametrize("module", ["settings.py", "cli.py"])
def test_it_documents_every_environment_variable_read(module: str) -> None:
    source = (ROOT / "holdspace" / module).read_text(encoding="utf-8")
    read = _read_names(source)
    missing = sorted(read - _documented())
    assert not missing, f"docs/configuration.md has no row for {missing} (read in {module})"


def test_it_documents_no_variable_that_nothing_reads() -> None:
    read: set[str] = set()
    for module in ("settings.py", "cli.py"):
        read |= _read_names((ROOT / "holdspace" / module).read_text(encoding="utf-8"))
    assert sorted(_documented() - read) == []
