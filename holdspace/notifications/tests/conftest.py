"""Mail of both organisations, for the tests of the outbox and of who sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdspace.conftest import Cast
from holdspace.measures.models import SafetyAlert
from holdspace.notifications.tasks import notify_alert
from holdspace.reminders.services import reminders_run


def _alert(cast: Cast, couple_name: str = "A & B") -> SafetyAlert:
    couple = {"A & B": cast.couple, "C & D": cast.other_couple, "E & F": cast.trial_couple}[
        couple_name
    ]
    partner = couple.partners.order_by("slot").first()
    assert partner is not None
    return SafetyAlert.objects.create(
        organisation_id=couple.organisation_id,
        couple=couple,
        partner=partner.user,
        rule_id="phq9_item9",
        message="Item 9 was answered above 0.",
        source="Simon et al. 2013",
    )


@pytest.fixture
def mail_of_both_couples(cast: Cast) -> list[SafetyAlert]:
    """A sent alert for each couple of the Center and one of the Trial, and due reminders."""
    alerts = [_alert(cast, name) for name in ("A & B", "C & D", "E & F")]
    for alert in alerts:
        notify_alert(alert.pk)
    for couple in (cast.couple, cast.other_couple):
        couple.created_at = timezone.now() - dt.timedelta(days=8)
        couple.save(update_fields=["created_at"])
    reminders_run()
    return alerts
