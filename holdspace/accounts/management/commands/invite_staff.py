from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from holdspace.accounts.models import STAFF_ROLES, Organisation
from holdspace.accounts.services import staff_invite_from_command_line
from holdspace.accounts.tell import invitation_sent_line, one_line_reason


class Command(BaseCommand):
    help = "Invite a member of staff to an organisation by e-mail with a single-use link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="its slug or id")
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, help=" | ".join(sorted(STAFF_ROLES)))
        parser.add_argument("--name", default="", help="the name they go by")

    def handle(self, *args: Any, **options: Any) -> None:
        given = options["organisation"].strip()
        organisation = Organisation.objects.filter(slug=given).first()
        if organisation is None and given.isdigit():
            organisation = Organisation.objects.filter(pk=int(given)).first()
        if organisation is None:
            raise CommandError(f"No organisation has the slug or id {given!r}.")
        try:
            invitation, link = staff_invite_from_command_line(
                organisation=organisation,
                email=options["email"],
                role=options["role"],
                display_name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError(one_line_reason(exc)) from None
        self.stdout.write(invitation_sent_line(invitation, link))
