"""What the accounts commands tell the person at the terminal, one line each."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from holdspace.accounts.models import Invitation

_CONSOLE = "django.core.mail.backends.console.EmailBackend"


def one_line_reason(exc: ValidationError) -> str:
    """EXC's messages on one line, each after the option it is about."""
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    options = {"admin_email": "--admin-email", "time_zone": "--time-zone", "display_name": "--name"}
    return "; ".join(
        f"{options.get(field, '--' + field.replace('_', '-'))}: {message}"
        for field, messages in exc.message_dict.items()
        for message in messages
    )


def invitation_sent_line(invitation: Invitation, link: str) -> str:
    """One line saying where INVITATION went, with its link when e-mail goes to the console."""
    hours = settings.INVITATION_VALID_HOURS
    role = invitation.get_role_display()
    if settings.EMAIL_BACKEND == _CONSOLE:
        return (
            f"Invitation ({role}) for {invitation.email} printed above, as e-mail goes to the "
            f"console; valid {hours} hours: {link}"
        )
    return f"Invitation ({role}) e-mailed to {invitation.email}; valid {hours} hours."
