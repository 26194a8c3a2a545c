from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from holdspace.lib.env import envbool, envint, envlist, envstr, generated_secret


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), ("yes", True), ("off", False), ("0", False), ("", False)],
)
def test_it_reads_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("X_FLAG", raw)
    assert envbool("X_FLAG", not expected) is expected


def test_it_refuses_a_boolean_it_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        envbool("X_FLAG", False)


def test_it_refuses_bad_and_too_small_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        envint("X_N", 1)
    monkeypatch.setenv("X_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        envint("X_N", 1, minimum=1)
    monkeypatch.setenv("X_N", "7")
    assert envint("X_N", 1, minimum=1) == 7


def test_it_reads_lists_and_secret_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("X_HOSTS", " a.example , b.example,")
    assert envlist("X_HOSTS", []) == ["a.example", "b.example"]
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("X_PASSWORD_FILE", str(secret))
    assert envstr("X_PASSWORD") == "s3cret"
    monkeypatch.setenv("X_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        envstr("X_PASSWORD")


def test_it_generates_a_secret_once_and_keeps_it_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("X_KEY", raising=False)
    path = tmp_path / "var" / "x_key"
    first = generated_secret("X_KEY", path)
    assert len(first) >= 50
    assert generated_secret("X_KEY", path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setenv("X_KEY", "given")
    assert generated_secret("X_KEY", path) == "given"
