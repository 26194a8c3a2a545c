"""The demo's progress report: the facilitator's summary for Riley & Jordan (its text in
data/progress.toml)."""

from __future__ import annotations

from holdspace.accounts.models import Organisation, User
from holdspace.couples.models import Couple
from holdspace.demo.schemas import Progress, load
from holdspace.policy.core import viewer_for
from holdspace.reports.models import ProgressSummary
from holdspace.reports.progress.services import progress_summary_write


def seed_demo_progress(organisation: Organisation) -> None:
    """The facilitator's summary for Riley & Jordan, once, by the first of their care team."""
    summary = load("progress", Progress).summary
    couple = Couple.with_people(
        Couple.objects.filter(organisation=organisation, name=summary.couple)
    ).first()
    if couple is None or not couple.loaded_care_team:
        return
    if ProgressSummary.objects.filter(couple=couple).exists():
        return
    author = User.objects.get(pk=couple.loaded_care_team[0].user_id)
    progress_summary_write(viewer=viewer_for(author), couple=couple, text=summary.text)
