from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from holdspace.audit.services import audit_action_names, audit_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chains; exit non-zero naming the first bad event."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = audit_verify()
        if problem is not None:
            raise CommandError(f"Audit trail broken at {problem} ({checked} events read)")
        self.stdout.write(f"Audit trail intact: {checked} events checked.")
        names = audit_action_names()
        if names.former:
            listed = ", ".join(f"{old} (now {new}): {n}" for old, new, n in names.former)
            self.stdout.write(f"Events under a former action name: {listed}.")
        if names.unknown:
            listed = ", ".join(f"{name}: {n}" for name, n in names.unknown)
            self.stdout.write(f"Events under an action Holdspace does not know: {listed}.")
