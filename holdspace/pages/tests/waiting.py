"""What waits in a queue: one of each kind for a couple, written straight to the tables (each
kind's own write path is tested in its app)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from holdspace.accounts.models import Invitation, Organisation, Role, User
from holdspace.conftest import Cast, give_licence, joined_before, make_entry, make_session
from holdspace.couples.models import Couple
from holdspace.integration.models import Cadence, Commitment, CommitmentRevision
from holdspace.measures.models import SafetyAlert
from holdspace.screening.models import Screening

_invited = iter(range(1_000_000))


def invitation(
    organisation: Organisation,
    by: User,
    *,
    couple: Couple | None = None,
    role: str = Role.PARTNER,
    sent_days_ago: float = 4,
) -> Invitation:
    sent = timezone.now() - dt.timedelta(days=sent_days_ago)
    n = next(_invited)
    return Invitation.objects.create(
        organisation=organisation,
        email=f"invited{n}@example.org",
        display_name=f"Invited {n}",
        role=role,
        couple=couple,
        digest=f"{n:064d}",
        invited_by=by,
        created_at=sent,
        sent_at=sent,
        expires_at=sent + dt.timedelta(hours=72),
    )


def waiting_for(cast: Cast, couple: Couple, facilitator: User) -> dict[str, Any]:
    """One of each kind of item about COUPLE (cared for by FACILITATOR): a safety alert, a
    screening needing review, an ended session with both partners still to discharge, an
    unread team entry, baseline questionnaires and a weekly check-in overdue, and a partner's
    invitation unaccepted for four days."""
    organisation = couple.organisation
    partners = [p.user for p in couple.partners.select_related("user").order_by("slot")]
    joined_before(couple, timezone.now(), days=40)
    alert = SafetyAlert.objects.create(
        organisation=organisation,
        couple=couple,
        partner=partners[0],
        rule_id="phq9_item9",
        message="Item 9 was answered above 0.",
        source="Simon et al. 2013",
    )
    screening = Screening.objects.create(
        organisation=organisation,
        couple=couple,
        partner=partners[0],
        substance="psilocybin",
        decision="review",
        rule_set_version="1",
        dictionary_version="1",
        entered_by=partners[0],
    )
    session = make_session(
        cast,
        couple=couple,
        starts_at=timezone.now() - dt.timedelta(days=1, hours=8),
        facilitators=[facilitator],
    )
    session.status = "ended"
    session.ended_at = timezone.now() - dt.timedelta(days=1)
    session.save(update_fields=["status", "ended_at"])
    entry = make_entry(couple, partners[1], "team", "Something for the team")
    commitment = Commitment.objects.create(
        organisation=organisation, couple=couple, created_by=partners[0]
    )
    CommitmentRevision.objects.create(
        organisation=organisation,
        commitment=commitment,
        description="A walk together",
        partner=partners[1],
        cadence=Cadence.WEEKLY,
        starts_on=timezone.localdate() - dt.timedelta(days=10),
        revised_by=partners[0],
    )
    invited = invitation(organisation, facilitator, couple=couple)
    return {
        "alert": alert,
        "screening": screening,
        "session": session,
        "entry": entry,
        "commitment": commitment,
        "invitation": invited,
        "partners": partners,
    }


def expiring_licence(user: User, organisation: Organisation, days: int = 10) -> Any:
    credential = give_licence(user, organisation)
    credential.expires_on = timezone.localdate() + dt.timedelta(days=days)
    credential.save(update_fields=["expires_on"])
    return credential
