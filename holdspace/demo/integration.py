"""After the first session: the integration offer and sessions, commitments and check-ins."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from holdspace.accounts.models import Organisation
from holdspace.couples.models import Couple
from holdspace.demo.find import couple_named, guide_of, partner_id, viewer_of
from holdspace.demo.schemas import Integration, load
from holdspace.integration.models import Commitment
from holdspace.integration.services import (
    checkin_record,
    commitment_create,
    integration_offer_record,
    integration_session_record,
    integration_session_schedule,
)
from holdspace.sessions.models import MedicineSession


def seed_integration(organisation: Organisation) -> None:
    """The couple of integration.toml after its first medicine session, once."""
    data = load("integration", Integration)
    couple = couple_named(organisation, data.couple)
    if couple is None or Commitment.objects.filter(couple=couple).exists():
        return
    _sessions(couple, data)
    _commitments(couple, data)


def _sessions(couple: Couple, data: Integration) -> None:
    """Integration offered after the closed session and accepted, the integration sessions
    held since, and the next one in both partners' schedules and calendars."""
    session = MedicineSession.objects.filter(couple=couple, status="closed").first()
    if session is None:
        return
    guide = guide_of(couple)
    integration_offer_record(
        viewer=guide,
        couple=couple,
        session=session,
        answer=data.offer.answer,
        note=data.offer.note,
    )
    for held in data.sessions:
        integration_session_record(
            viewer=guide,
            couple=couple,
            held_at=timezone.now() - dt.timedelta(days=held.days_ago),
            facilitator_id=guide.user.pk,
            partner_id=None,
            medicine_session=session,
            notes=held.notes,
            carry_forward=held.carry_forward,
        )
    at = data.next_session.at
    integration_session_schedule(
        viewer=guide,
        couple=couple,
        at=(timezone.localtime() + dt.timedelta(days=data.next_session.in_days)).replace(
            hour=at.hour, minute=at.minute, second=0, microsecond=0
        ),
        facilitator_id=guide.user.pk,
        room=data.next_session.room,
    )


def _commitments(couple: Couple, data: Integration) -> None:
    commitments = []
    for demo in data.commitments:
        start = timezone.localdate() - dt.timedelta(days=demo.started_days_ago)
        commitments.append(
            (
                commitment_create(
                    viewer=viewer_of(partner_id(couple, demo.written_by)),
                    couple=couple,
                    description=demo.description,
                    who="both" if demo.who == "both" else partner_id(couple, demo.who),
                    cadence=demo.cadence,
                    starts_on=start,
                ),
                start,
            )
        )
    for checkin in data.checkins:
        commitment, start = commitments[checkin.commitment]
        checkin_record(
            viewer=viewer_of(partner_id(couple, checkin.partner)),
            couple=couple,
            commitment=commitment,
            status=checkin.status,
            note=checkin.note,
            day=start + dt.timedelta(days=7 * checkin.week),
        )
