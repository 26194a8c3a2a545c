from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from holdspace.accounts.models import User
from holdspace.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Print a new API token for the person with this e-mail address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active account has the e-mail address {email!r}.")
        self.stdout.write(api_token_create(user=user))
