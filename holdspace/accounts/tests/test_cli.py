"""The `holdspace` command, including a real production server in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

from holdspace.accounts.models import Organisation, User
from holdspace.audit.services import audit_verify
from holdspace.cli import main
from holdspace.couples.models import Couple, Entry
from holdspace.preparation.readiness import readiness
from holdspace.sessions.models import MedicineSession

BIN = Path(sys.executable).parent / "holdspace"


def test_it_prints_its_commands_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("serve", "migrate", "seed-demo", "api-token EMAIL", "audit verify"):
        assert command in out


@pytest.mark.django_db
def test_it_prints_a_working_api_token(cast, run_cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]

    assert run_cli(["api-token", "Partner_A@example.org"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("hs_")
    me = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me")
    assert me.json()["email"] == "partner_a@example.org"


@pytest.mark.django_db
def test_it_says_clearly_when_the_api_token_address_is_unknown(
    run_cli,
    capsys: pytest.CaptureFixture[str],
) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(["api-token", "nobody@example.org"]) == 1
    assert "No active account has the e-mail address 'nobody@example.org'" in (
        capsys.readouterr().err
    )


def test_it_explains_the_audit_subcommand(run_cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(["audit", "check"]) == 2
    assert "usage: holdspace audit verify" in capsys.readouterr().err


@pytest.mark.django_db
def test_it_seeds_the_demo_practice_once(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli(["seed-demo"]) == 0
    counts = (
        Organisation.objects.count(),
        User.objects.count(),
        Couple.objects.count(),
        Entry.objects.count(),
    )
    assert run_cli(["seed-demo"]) == 0
    assert counts == (
        Organisation.objects.count(),
        User.objects.count(),
        Couple.objects.count(),
        Entry.objects.count(),
    )
    center = Organisation.objects.get(name="Demo Service Center")
    assert center.profile == "oregon-psilocybin"
    assert Organisation.objects.get(name="Demo Trial Site").profile == "mdma-clinical-trial"
    alex = User.objects.get(email="alex@demo.holdspace.org")
    assert alex.check_password("holdspace-demo")
    # The stage follows the records: Sam's screening awaits review; Riley & Jordan are scheduled.
    assert Couple.objects.get(name="Alex & Sam").stage == "screening"
    assert Couple.objects.get(name="Riley & Jordan").stage == "medicine_session"

    riley = Couple.with_people(Couple.objects.filter(name="Riley & Jordan")).get()
    assert readiness(riley).ready
    # A completed first session with its timeline and discharge, and a second one today.
    assert sorted(
        MedicineSession.objects.filter(couple=riley).values_list("status", flat=True)
    ) == [
        "closed",
        "scheduled",
    ]
    closed = MedicineSession.objects.get(couple=riley, status="closed")
    assert closed.events.count() == 20
    assert closed.discharges.count() == 2
    alex_sam = Couple.with_people(Couple.objects.filter(name="Alex & Sam")).get()
    missing = {(m["partner_name"], m["code"]) for m in readiness(alex_sam).missing()}
    assert ("Sam", "screening") in missing
    assert ("Sam", "preparation_private") in missing
    visibilities = set(
        Entry.objects.filter(organisation=center).values_list("visibility", flat=True)
    )
    assert visibilities == {"private", "team", "couple"}
    assert Couple.objects.filter(organisation__name="Demo Trial Site").count() == 1
    assert audit_verify()[1] is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_it_serves_the_app_with_a_production_server(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "HOLDSPACE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "DJANGO_SETTINGS_MODULE": "holdspace.settings",
    }
    subprocess.run(
        [str(BIN), "migrate", "--noinput"], env=env, check=True, capture_output=True, timeout=120
    )
    server = subprocess.Popen(
        [str(BIN), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _headers, body = _get(base + "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert status == 200
        assert b'"database": "ok"' in body
        status, headers, body = _get(base + "/accounts/login/")
        assert status == 200
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        css = body.decode().split('href="/static/css/')[1].split('"')[0]
        assert css != "holdspace.css", "static names carry a content hash in production"
        status, headers, _ = _get(f"{base}/static/css/{css}")
        assert status == 200
        assert "max-age=315360000" in headers["Cache-Control"]
        assert (tmp_path / "secret_key").exists()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "Listening at: http://127.0.0.1:" in output
    assert "gunicorn" in output


def test_it_refuses_a_bad_port_with_a_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "PORT": "eighty", "HOLDSPACE_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [str(BIN), "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "PORT='eighty' is not a whole number" in result.stderr


@pytest.mark.parametrize(
    ("given", "site_url"),
    [
        ({"PORT": "8200"}, "http://127.0.0.1:8200"),
        ({"HOST": "0.0.0.0", "PORT": "8300"}, "http://127.0.0.1:8300"),
        ({"HOST": "::1", "PORT": "8400"}, "http://[::1]:8400"),
        (
            {"PORT": "8200", "SITE_URL": "https://holdspace.example.org/"},
            "https://holdspace.example.org",
        ),
    ],
)
def test_it_makes_links_open_the_server_it_listens_on_unless_told_otherwise(
    tmp_path: Path, given: dict[str, str], site_url: str
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"HOST", "PORT", "SITE_URL"}},
        **given,
        "HOLDSPACE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [str(BIN), "shell", "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == site_url, result.stderr


def test_it_refuses_an_unknown_database_url(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": "mysql://x@localhost/db",
        "HOLDSPACE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [str(BIN), "check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DATABASE_URL must be sqlite:///path or postgresql://" in result.stderr


def test_it_passes_djangos_deployment_checks_with_a_production_configuration(
    tmp_path: Path,
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        # The browser tests' conftest allows sync ORM calls beside Playwright's event loop.
        if key
        not in {
            "DEBUG",
            "HOLDSPACE_DEMO",
            "SECURE_COOKIES",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        {
            "HOLDSPACE_VAR_DIR": str(tmp_path),
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_PRELOAD": "true",
            "ALLOWED_HOSTS": "holdspace.example.org",
        }
    )
    result = subprocess.run(
        [str(BIN), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
