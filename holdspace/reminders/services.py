"""Reminders by e-mail with one-tap sign-in links, and the partners' calendar feeds."""

from __future__ import annotations

from holdspace.accounts.models import Organisation


def seed_demo_reminders(organisation: Organisation) -> None:
    """Reminders sent in the demo, visible in the outbox."""
