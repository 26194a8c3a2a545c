"""Journals: each partner's entries with prompts, audio reflections, shared reflections."""

from __future__ import annotations

from holdspace.accounts.models import Organisation


def seed_demo_journals(organisation: Organisation) -> None:
    """Riley & Jordan's journals, one entry of every visibility (filled in by the journal work)."""
