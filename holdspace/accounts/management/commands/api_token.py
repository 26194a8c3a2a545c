from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from holdspace.accounts.models import ApiToken, User
from holdspace.accounts.services import api_token_create


class Command(BaseCommand):
    help = (
        "Print a new API token for the person with this e-mail address; with --list, their "
        "tokens instead (prefix, created, last used, revoked)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--list", action="store_true", help="list the person's tokens; create none"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active account has the e-mail address {email!r}.")
        if options["list"]:
            self._list(user)
            return
        self.stdout.write(api_token_create(user=user))

    def _list(self, user: User) -> None:
        tokens = ApiToken.objects.filter(user=user).order_by("created_at", "id")
        if not tokens:
            self.stdout.write(f"{user.email} has no API tokens.")
            return
        self.stdout.write(f"{'token':<12} {'created':<17} {'last used':<17} revoked")
        for token in tokens:
            self.stdout.write(
                f"{token.prefix + '…':<12} {_when(token.created_at):<17} "
                f"{_when(token.last_used_at) or 'never':<17} {_when(token.revoked_at) or '-'}"
            )


def _when(at: Any) -> str:
    """A time in the server's zone, to the minute (last use is kept to the minute)."""
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""
