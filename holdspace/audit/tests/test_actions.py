"""The audit actions are one enum: named, explained, documented, and the same strings as before."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from holdspace.audit.actions import FORMER_NAMES, MEANINGS, Action, actions_table
from holdspace.audit.models import AuditEvent
from holdspace.audit.services import audit_record, audit_verify, compute_digest

PACKAGE = Path(__file__).resolve().parents[2]
DOC = PACKAGE.parent / "docs" / "privacy-and-audit.md"
# The functions that append to the audit trail: audit_record(action=…) and Viewer.audit(…).
AUDIT_FUNCTIONS = frozenset({"audit_record", "audit"})


def _literal_actions(source: str, filename: str = "<source>") -> list[str]:
    """Where SOURCE passes a string literal (or an f-string) as an audit action."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in AUDIT_FUNCTIONS:
            continue
        given = [kw.value for kw in node.keywords if kw.arg == "action"] + node.args[:1]
        for value in given:
            for part in ast.walk(value):
                if isinstance(part, ast.JoinedStr) or (
                    isinstance(part, ast.Constant) and isinstance(part.value, str)
                ):
                    found.append(f"{filename}:{node.lineno}: {ast.unparse(value)}")
                    break
    return found


def _sources() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts]


def test_it_finds_no_string_literal_passed_as_an_action() -> None:
    found = [
        hit
        for path in _sources()
        for hit in _literal_actions(path.read_text(), str(path.relative_to(PACKAGE.parent)))
    ]
    assert found == [], "Name an Action from holdspace/audit/actions.py:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'audit_record(action="entry.read", organisation_id=1)',
        'viewer.audit(action="a" if held else Action.ENTRY_READ, organisation_id=1)',
        'viewer.audit(action=f"entry.{verb}", organisation_id=1)',
        'viewer.audit("entry.read", entry)',
    ],
)
def test_it_catches_each_way_of_passing_a_literal(source: str) -> None:
    assert len(_literal_actions(source)) == 1


def test_it_lets_a_named_action_and_a_refusal_phrase_pass() -> None:
    source = (
        "viewer.audit(action=Action.ENTRY_READ if held else Action.ENTRY_LIST, detail={'a': 'b'})\n"
        'require_care_team(viewer, couple, action="assign readings to")\n'
    )
    assert _literal_actions(source) == []


def test_it_explains_every_action_once() -> None:
    assert set(MEANINGS) == set(Action)
    # A repeated value would silently make one member an alias of another.
    assert len(Action.__members__) == len(Action)
    for action in Action:
        assert action.meaning.strip() and "\n" not in action.meaning
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", action.value), action.value


def test_it_writes_every_action_somewhere() -> None:
    used = {
        node.attr
        for path in _sources()
        if "tests" not in path.parts and path.name != "actions.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Action"
    }
    assert sorted(set(Action.__members__) - used) == []


def test_it_lists_exactly_the_enum_in_the_privacy_doc() -> None:
    text = DOC.read_text()
    block = text.split("<!-- actions:start -->\n", 1)[1].split("<!-- actions:end -->", 1)[0]
    assert block == actions_table(), "Regenerate with: python -m holdspace.audit.actions"
    current, former = block.split("Former names", 1)
    listed = re.findall(r"^\| `([^`]+)` \|", current, flags=re.MULTILINE)
    assert listed == [action.value for action in Action]
    renamed = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", former, flags=re.MULTILINE)
    assert dict(renamed) == {old: new.value for old, new in FORMER_NAMES.items()}


def test_it_reads_an_action_under_its_current_or_former_name() -> None:
    assert Action.read("export.measures") is Action.EXPORT_MEASURES
    assert Action.read("export") is Action.EXPORT_MEASURES
    assert Action.read("integration.session") is Action.INTEGRATION_RECORD
    assert Action.read("nothing.we_wrote") is None
    # A former name is never reused for a current action.
    assert not set(FORMER_NAMES) & {action.value for action in Action}


@pytest.mark.django_db
def test_it_verifies_a_chain_with_former_names_and_counts_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # As written before the renames (variables, so the guard above lets them through).
    old_export, old_guides = "export", "guides.read"
    audit_record(action=old_export, organisation_id=None)
    audit_record(action=Action.EXPORT_MEASURES, organisation_id=None)
    audit_record(action=old_guides, organisation_id=None)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "Audit trail intact: 3 events checked." in out
    assert "export (now export.measures): 1" in out
    assert "guides.read (now guide.list): 1" in out


def _event(action: str) -> AuditEvent:
    return AuditEvent(
        chain=1,
        seq=4,
        organisation_id=1,
        created_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        actor_id=7,
        actor_label="guide@example.org",
        action=action,
        object_type="entry",
        object_id="9",
        couple_id=3,
        ip="10.0.0.1",
        detail={"fields": ["text"]},
    )


@pytest.mark.parametrize("action", list(Action))
def test_it_hashes_a_member_exactly_like_its_old_string(action: Action) -> None:
    as_string = compute_digest("0" * 64, _event(str(action.value)))
    assert compute_digest("0" * 64, _event(action)) == as_string
    assert compute_digest("0" * 64, _event(action.value + "x")) != as_string


@pytest.mark.django_db
def test_it_stores_the_plain_string_and_verifies_after_a_reload(cast) -> None:  # type: ignore[no-untyped-def]
    audit_record(action=Action.EXPORT_DOSES, organisation_id=cast.center.pk, object_id=1)
    audit_record(action=Action.INTEGRATION_CANCEL, organisation_id=cast.center.pk, object_id=2)
    stored = list(
        AuditEvent.objects.filter(chain=cast.center.pk).order_by("seq").values_list("action")
    )
    assert stored[-2:] == [("export.doses",), ("integration.cancel",)]
    assert audit_verify()[1] is None
