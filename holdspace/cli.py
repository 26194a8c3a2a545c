"""The `holdspace` command.

holdspace serve            production server (gunicorn + whitenoise) on HOST:PORT
holdspace run              the server and the worker together, as `make run` starts them:
                           one line says where to sign in once it answers; Ctrl-C stops both
holdspace migrate          create or update the database tables
holdspace seed-demo        load the demo practice (idempotent)
holdspace api-token EMAIL  print a new API token for that person (--list: their tokens,
                           with when each was last used)
holdspace create-organisation --name NAME --profile PROFILE --time-zone ZONE
                           --admin-email EMAIL [--admin-name NAME]
                           create an organisation and invite its first org admin
holdspace invite-staff --organisation SLUG --email EMAIL --role ROLE [--name NAME]
                           invite a member of staff (org_admin, clinical_lead,
                           facilitator, researcher)
holdspace audit verify     check the audit trail's hash chain
holdspace worker           the background worker: scheduled jobs (the nightly credentials
                           sweep, reminders every 10 minutes, safety-alert notifications
                           every minute) and queued tasks (a new alert's notification),
                           from the database queue
holdspace credentials-sweep [--today YYYY-MM-DD]
                           warn of expiring facilitator credentials, expire lapsed ones
                           (the worker runs it nightly)
holdspace send-reminders   plan and send the partners' due reminders once
                           (the worker runs it every 10 minutes)
holdspace report oregon-303 --quarter 2026Q4 [--format csv] [--organisation ID]
                           print Oregon's 303 quarterly report (JSON or CSV), audited
holdspace <django command> any of Django's management commands
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

# After the first Ctrl-C, `holdspace run` waits this long for the server and the worker to
# stop by themselves, then kills what is left of them.
STOP_SECONDS = 4.0
SIGN_IN_PATH = "/accounts/login/"  # allauth's account_login (a test follows the printed link)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "holdspace.settings")
    import django

    django.setup()


def _serve(argv: list[str]) -> int:
    from django.core.exceptions import ImproperlyConfigured

    from holdspace.lib.env import envint, envstr

    try:
        host = envstr("HOST", "127.0.0.1")
        port = envint("PORT", 8000, minimum=1)
        workers = envint("WEB_CONCURRENCY", 2, minimum=1)
        threads = envint("WEB_THREADS", 4, minimum=1)
    except ImproperlyConfigured as exc:
        print(f"holdspace serve: {exc}", file=sys.stderr)
        return 2
    if argv:
        print("holdspace serve takes no arguments: set HOST and PORT instead", file=sys.stderr)
        return 2
    _setup()
    from django.core.management import call_command
    from gunicorn.app.base import BaseApplication

    call_command("collectstatic", interactive=False, verbosity=0)

    from holdspace.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": "-" if os.environ.get("ACCESS_LOG") else None,
                "control_socket_disable": True,
                "timeout": 60,
            }
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    Server().run()
    return 0


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _run(argv: list[str]) -> int:
    """The server and the worker side by side until Ctrl-C (or SIGTERM, or the terminal
    closing), then both stopped within STOP_SECONDS, or at once on a second Ctrl-C.

    Each runs in its own process group, so a Ctrl-C reaches only this process, which asks
    gunicorn for its quick shutdown and the worker for its graceful one, then kills whatever
    is left of either group: a signal that lands while a child is still starting (before it
    has its own handlers) cannot leave half of it running.
    """
    if argv:
        print("holdspace run takes no arguments: set HOST and PORT instead", file=sys.stderr)
        return 2
    received: list[int] = []
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda signum, _frame: received.append(signum))
    from django.core.exceptions import ImproperlyConfigured

    from holdspace.lib.env import envint, envstr

    try:
        host = envstr("HOST", "127.0.0.1")
        port = envint("PORT", 8000, minimum=1)
    except ImproperlyConfigured as exc:
        print(f"holdspace run: {exc}", file=sys.stderr)
        return 2
    me = [sys.executable, "-m", "holdspace.cli"]
    server = subprocess.Popen([*me, "serve"], process_group=0)  # noqa: S603 (our own command)
    worker = subprocess.Popen([*me, "worker", "--verbosity=0"], process_group=0)  # noqa: S603
    # No Django set-up here: under load it takes seconds, and a Ctrl-C must be answered at once.
    local = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104 (every address)
    announced = False
    while not received and server.poll() is None and worker.poll() is None:
        if not announced and _listening(local, port):
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "holdspace.settings")
            from django.conf import settings

            where = settings.SITE_URL + SIGN_IN_PATH
            listed = ", where the demo accounts are listed" if settings.DEMO_MODE else ""
            print(f"Holdspace is ready: sign in at {where}{listed}. Ctrl-C stops it.", flush=True)
            announced = True
        time.sleep(0.1)
    _stop_together(server, worker, received)
    if received:
        return 128 + received[0]
    return 1  # one of them ended by itself (a port in use, a bad setting): it said why


def _stop_together(
    server: subprocess.Popen[bytes], worker: subprocess.Popen[bytes], received: list[int]
) -> None:
    """Ask SERVER and WORKER to stop, wait up to STOP_SECONDS (less if RECEIVED gets a
    second signal), then kill what is left of their process groups."""
    for child, number in ((server, signal.SIGINT), (worker, signal.SIGTERM)):
        if child.poll() is None:
            child.send_signal(number)
    asked = len(received)
    deadline = time.monotonic() + STOP_SECONDS
    children = (server, worker)
    while any(_group_alive(c) for c in children):
        if time.monotonic() > deadline or len(received) > max(asked, 1):
            break
        time.sleep(0.1)
    for child in children:
        if _group_alive(child):
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        child.wait()


def _group_alive(child: subprocess.Popen[bytes]) -> bool:
    """Whether CHILD, or anything it started in its process group, is still running."""
    child.poll()  # reaps CHILD once it has ended, so a zombie does not count
    try:
        os.killpg(child.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _manage(argv: list[str]) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["holdspace", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return _command(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:  # a Ctrl-C while a command starts: quietly, not with a trace
        return 128 + signal.SIGINT


def _command(args: list[str]) -> int:
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = args[0], args[1:]
    if command == "serve":
        return _serve(rest)
    if command == "run":
        return _run(rest)
    if command == "worker":
        _setup()
        from holdspace.worker import ensure_schedules

        scheduled = ", ".join(ensure_schedules())
        if not {"--verbosity=0", "-v0"} & set(rest):
            print(f"Holdspace worker: scheduled {scheduled}", flush=True)
        return _manage(["qcluster", *rest])
    if command == "audit":
        if rest[:1] != ["verify"]:
            print("usage: holdspace audit verify", file=sys.stderr)
            return 2
        return _manage(["audit_verify", *rest[1:]])
    aliases = {
        "seed-demo": "seed_demo",
        "api-token": "api_token",
        "credentials-sweep": "credentials_sweep",
        "send-reminders": "send_reminders",
        "create-organisation": "create_organisation",
        "invite-staff": "invite_staff",
        "report": "regulator_report",
    }
    return _manage([aliases.get(command, command), *rest])


if __name__ == "__main__":
    sys.exit(main())
