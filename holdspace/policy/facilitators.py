"""Facilitators: who sees a couple's guides."""

from __future__ import annotations

from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer, require_couple_people


def require_guides_view(viewer: Viewer, couple: Couple) -> None:
    """A couple's guides: its partners and its care team (403 for others who see the couple)."""
    require_couple_people(viewer, couple, action="see the guides of")
