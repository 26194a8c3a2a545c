from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from holdspace.accounts.services import organisation_create
from holdspace.accounts.tell import invitation_sent_line, one_line_reason


class Command(BaseCommand):
    help = (
        "Create an organisation (a service center, practice or trial site) and invite its first "
        "org admin by e-mail with a single-use link. Nothing is created unless every option is "
        "right."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="the organisation's name (unique)")
        parser.add_argument(
            "--profile", required=True, help="jurisdiction profile, such as oregon-psilocybin"
        )
        parser.add_argument(
            "--time-zone",
            required=True,
            dest="time_zone",
            help="where its times are shown and typed, such as America/Los_Angeles",
        )
        parser.add_argument(
            "--admin-email", required=True, dest="admin_email", help="the first org admin"
        )
        parser.add_argument(
            "--admin-name",
            default="",
            dest="admin_name",
            help="the name the first org admin goes by (default: their address's first part)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation, invitation, link = organisation_create(
                name=options["name"],
                profile=options["profile"],
                time_zone=options["time_zone"],
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
            )
        except ValidationError as exc:
            raise CommandError(one_line_reason(exc)) from None
        self.stdout.write(
            f"Created {organisation.name} (slug {organisation.slug}, id {organisation.pk}, "
            f"profile {organisation.profile}, time zone {organisation.time_zone})."
        )
        self.stdout.write(invitation_sent_line(invitation, link))
