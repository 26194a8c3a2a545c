"""The notifications part of the privacy matrix (policy/notifications.py, and the reminders'
rows of policy/reminders.py): every person of the cast against the e-mail outbox, on the page
and through the API, and the notification settings, with mail of both organisations."""

from __future__ import annotations

import pytest

from holdspace.audit.models import AuditEvent
from holdspace.conftest import Cast
from holdspace.measures.models import SafetyAlert

pytestmark = pytest.mark.django_db

BOTH = frozenset({"A & B", "C & D"})
NONE: frozenset[str] = frozenset()

# who: (their outbox page, the couples of its rows, the Center's outbox page, the Center's
#       outbox through the API, the couples of its items, their notification settings, the
#       Center's notification settings)
OUTBOX: dict[str, tuple[int, frozenset[str], int, int, frozenset[str], int, int]] = {
    "partner_a": (404, NONE, 404, 404, NONE, 404, 404),
    "partner_b": (404, NONE, 404, 404, NONE, 404, 404),
    "partner_c": (404, NONE, 404, 404, NONE, 404, 404),
    "partner_d": (404, NONE, 404, 404, NONE, 404, 404),
    "facilitator": (200, frozenset({"A & B"}), 200, 403, NONE, 200, 200),
    "other_facilitator": (200, frozenset({"C & D"}), 200, 403, NONE, 200, 200),
    "lead": (200, BOTH, 200, 200, BOTH, 200, 200),
    "admin": (200, BOTH, 200, 200, BOTH, 200, 200),
    "researcher": (404, NONE, 404, 404, NONE, 404, 404),
    "trial_facilitator": (200, frozenset({"E & F"}), 404, 404, NONE, 200, 404),
    "trial_partner_a": (404, NONE, 404, 404, NONE, 404, 404),
    "trial_partner_b": (404, NONE, 404, 404, NONE, 404, 404),
}


@pytest.mark.parametrize("who", sorted(OUTBOX))
def test_it_shows_each_person_exactly_the_outbox_and_settings_the_policy_allows(
    cast: Cast, mail_of_both_couples: list[SafetyAlert], who: str
) -> None:
    own, rows, center, api, items, settings, center_settings = OUTBOX[who]
    web = cast.client(who)
    page = web.get("/console/outbox/")
    assert page.status_code == own
    if own == 200:
        assert {row.couple_name for row in page.context["rows"]} == rows
    assert web.get(f"/console/outbox/?org={cast.center.pk}").status_code == center
    answer = cast.api(who).get(f"/api/v1/outbox?org={cast.center.pk}")
    assert answer.status_code == api
    if api == 200:
        names = {cast.couple.pk: "A & B", cast.other_couple.pk: "C & D"}
        assert {names[item["couple_id"]] for item in answer.json()["items"]} == items
    assert web.get("/account/notifications/").status_code == settings
    assert web.get(f"/account/notifications/?org={cast.center.pk}").status_code == (center_settings)
    # No refusal lands in the chain of no organisation.
    assert not AuditEvent.objects.filter(action="access.denied", organisation_id=None).exists()
