from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from holdspace.audit.services import audit_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chains; exit non-zero naming the first bad event."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = audit_verify()
        if problem is not None:
            raise CommandError(f"Audit trail broken at {problem} ({checked} events read)")
        self.stdout.write(f"Audit trail intact: {checked} events checked.")
