"""A couple that withdraws gets no more reminders: its unsent ones are cancelled in the
withdrawal's transaction (nothing new is planned for it: `reminders_run` skips it)."""

from __future__ import annotations

from typing import Any

from holdspace.couples.models import Couple
from holdspace.couples.signals import couple_withdrawn
from holdspace.reminders.services import reminders_cancel_for


def _couple_withdrawn(sender: type[Couple], couple: Couple, **_: Any) -> dict[str, int]:
    return {"reminders_cancelled": reminders_cancel_for(couple, "withdrawn")}


def connect() -> None:
    couple_withdrawn.connect(
        _couple_withdrawn, sender=Couple, dispatch_uid="reminders.couple_withdrawn"
    )
