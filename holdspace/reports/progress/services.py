"""Writes of the couple progress report: the facilitator's summary."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer
from holdspace.policy.reports import require_progress_summary_write
from holdspace.reports.models import ProgressSummary

SUMMARY_MAX = 20_000


def progress_summary_write(*, viewer: Viewer, couple: Couple, text: str) -> ProgressSummary:
    """A new current summary for COUPLE, by a facilitator on its care team or a clinical lead.
    It is written for the couple: both variants of the report show it. Never edited: the
    earlier ones stay as its history."""
    require_progress_summary_write(viewer, couple)
    text = text.strip().replace("\x00", "")
    if not text:
        raise ValidationError({"text": [_("Write the summary first.")]})
    if len(text) > SUMMARY_MAX:
        raise ValidationError({"text": [_("At most 20,000 characters.")]})
    with transaction.atomic():
        summary = ProgressSummary.objects.create(
            organisation_id=couple.organisation_id, couple=couple, text=text, author=viewer.user
        )
        viewer.audit(Action.PROGRESS_SUMMARY_WRITE, summary, length=len(text))
    return summary
