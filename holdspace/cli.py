"""The `holdspace` command.

holdspace serve            production server (gunicorn + whitenoise) on HOST:PORT
holdspace migrate          create or update the database tables
holdspace seed-demo        load the demo practice (idempotent)
holdspace api-token EMAIL  print a new API token for that person (--list: their tokens,
                           with when each was last used)
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
holdspace <django command> any of Django's management commands
"""

from __future__ import annotations

import os
import sys
from typing import Any


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

    print(f"Holdspace is serving on http://{host}:{port}", flush=True)
    Server().run()
    return 0


def _manage(argv: list[str]) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["holdspace", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = args[0], args[1:]
    if command == "serve":
        return _serve(rest)
    if command == "worker":
        _setup()
        from holdspace.worker import ensure_schedules

        print(f"Holdspace worker: scheduled {', '.join(ensure_schedules())}", flush=True)
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
    }
    return _manage([aliases.get(command, command), *rest])


if __name__ == "__main__":
    sys.exit(main())
