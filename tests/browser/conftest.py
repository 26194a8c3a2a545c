"""Browser tests: Debian's Chromium, driven by Playwright, against the production server
(`holdspace serve`, gunicorn + whitenoise) running on the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from playwright.sync_api import Browser, Page, sync_playwright

from holdspace.conftest import totp_now
from holdspace.demo import seed_demo
from holdspace.settings import PASSWORD_HASHERS

CHROMIUM = os.environ.get("HOLDSPACE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
BIN = Path(sys.executable).parent / "holdspace"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgresql://{user}@{host}:{port}/{settings['NAME']}"


@dataclass(frozen=True)
class Server:
    url: str
    log: Path  # standard output, where the console e-mail backend prints messages

    def __str__(self) -> str:
        return self.url

    def __add__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def server(django_db_setup: None, django_db_blocker, tmp_path_factory) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        database_url = _database_url()
    port = _free_port()
    var = tmp_path_factory.mktemp("var")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "holdspace.settings",
        "DATABASE_URL": database_url,
        "HOLDSPACE_VAR_DIR": str(var),
        "SECRET_KEY": "browser-tests",
        "HOLDSPACE_AUDIT_KEY": os.environ.get("HOLDSPACE_AUDIT_KEY", ""),
        "SECURE_COOKIES": "false",  # plain http on the loopback
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }

    env["HOLDSPACE_AUDIT_KEY"] = settings.AUDIT_KEY  # one chain, one key
    log = (var / "server.log").open("wb")
    process = subprocess.Popen([str(BIN), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((var / "server.log").read_text()) from None
            time.sleep(0.2)
    yield Server(base, var / "server.log")
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # to set up data are ordinary synchronous calls. Allowed only while the browser runs.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator:  # type: ignore[type-arg]
    """Pages in fresh browser contexts (one per person); a screenshot of each on failure."""
    contexts = []

    def make(width: int = 390, height: int = 844, timezone_id: str | None = None) -> Page:
        # TIMEZONE_ID: the zone the browser believes it is in ("Asia/Tokyo"), else the host's.
        context = browser.new_context(
            viewport={"width": width, "height": height}, timezone_id=timezone_id
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        RESULTS.mkdir(exist_ok=True)
        for index, context in enumerate(contexts):
            for number, page in enumerate(context.pages):
                page.screenshot(
                    path=RESULTS / f"{request.node.name}-{index}-{number}.png", full_page=True
                )
    for context in contexts:
        context.close()


def sign_in(page: Page, server: Server, email: str, password: str) -> None:
    page.goto(server + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_in_staff(page: Page, server: Server, email: str, password: str) -> None:
    """Sign a member of staff in and set up the second step production asks of them."""
    sign_in(page, server, email, password)
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()


@pytest.fixture
def demo_practice(transactional_db: None) -> None:
    """The demo practice, with passwords hashed as the production server checks them."""

    with override_settings(PASSWORD_HASHERS=PASSWORD_HASHERS):
        seed_demo()
