"""Access is decided in holdspace/policy/ alone: no role check, no raw Http404 and no raw
PermissionDenied anywhere else, so "where does the rule for X live" has one answer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]

# Names whose use outside the policy is a role check.
ROLE_CHECKS = frozenset({"role_in", "orgs_with", "is_care_team_of", "is_partner_of"})
REFUSALS = frozenset({"Http404", "PermissionDenied", "get_object_or_404", "get_list_or_404"})

# Where a use outside the policy is right, and why. Keep it short.
ALLOWED: dict[str, str] = {
    # The API maps the policy's refusals to its JSON answers; it raises none.
    "holdspace/api.py": "exception handlers for Http404 and PermissionDenied",
}


def _is_role_member(node: ast.AST) -> bool:
    """`Role.FACILITATOR` and the like, or a `.role` attribute."""
    return isinstance(node, ast.Attribute) and (
        (isinstance(node.value, ast.Name) and node.value.id == "Role") or node.attr == "role"
    )


def offences(source: str) -> list[tuple[int, str]]:
    """(line, what) for each role check or raw refusal in SOURCE."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in REFUSALS:
            if isinstance(node.ctx, ast.Load):
                found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr in REFUSALS:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in ROLE_CHECKS:
                found.append((node.lineno, f"{name}()"))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_role_member(part) for side in sides for part in ast.walk(side)):
                found.append((node.lineno, "role comparison"))
        elif isinstance(node, ast.ExceptHandler):
            continue
    return found


def _checked_files() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not {"migrations", "tests", "policy"} & set(path.relative_to(PACKAGE).parts)
        and path.name not in {"conftest.py", "settings.py", "settings_test.py"}
    ]


def _found() -> dict[str, list[tuple[int, str]]]:
    result = {}
    for path in _checked_files():
        name = str(path.relative_to(PACKAGE.parent))
        hits = offences(path.read_text())
        if hits:
            result[name] = hits
    return result


def test_it_finds_no_access_decision_outside_the_policy() -> None:
    found = {name: hits for name, hits in _found().items() if name not in ALLOWED}
    assert found == {}, (
        "Decide access in holdspace/policy/ (a <resource>_visible_to, get_<resource>_for or "
        "require_<resource>_<verb>), not here:\n"
        + "\n".join(f"{name}:{line}: {what}" for name, hits in found.items() for line, what in hits)
    )


@pytest.mark.parametrize(
    "source",
    [
        "raise Http404('No such couple')",
        "raise PermissionDenied",
        "obj = get_object_or_404(Couple, pk=1)",
        "if viewer.role_in(org) == 'partner': pass",
        "if membership.role == Role.FACILITATOR: pass",
        "ok = role in {Role.CLINICAL_LEAD, Role.ORG_ADMIN}",
        "if is_care_team_of(viewer, couple): pass",
        "orgs = viewer.orgs_with(STAFF_ROLES)",
    ],
)
def test_it_catches_each_kind_of_check(source: str) -> None:
    assert offences(source), source


def test_it_lets_a_call_to_the_policy_pass() -> None:
    source = (
        "couple = get_couple_for(viewer, couple_id)\n"
        "require_entry_write(viewer, couple)\n"
        "membership_ensure(user=user, organisation=org, role=Role.FACILITATOR)\n"
    )
    assert offences(source) == []
