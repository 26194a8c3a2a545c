"""Reading integration: commitments with their adherence over time (three queries for a
couple), the commitments and integration pages, and the schedule through the API. The pages'
reads are audited here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.integration.models import (
    CADENCE_DAYS,
    Cadence,
    CheckIn,
    Commitment,
    CommitmentRevision,
    FollowUpContact,
    IntegrationOffer,
    IntegrationSession,
    IntegrationSessionStatus,
)
from holdspace.integration.schedule import DueItem, schedule_for
from holdspace.policy.core import Viewer
from holdspace.policy.integration import (
    can_check_in,
    can_record_integration,
    follow_ups_visible_to,
    integration_sessions_visible_to,
    offers_visible_to,
    require_commitments_read,
    require_integration_read,
    schedule_partner_for,
)
from holdspace.sessions.models import MedicineSession, SessionStatus

PERIODS_SHOWN = 8
# A medicine session's statuses once it has ended: integration is offered after it.
ENDED_STATUSES = (SessionStatus.ENDED, SessionStatus.CLOSED)

# Commitments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    marks: list[tuple[str, str | None]]  # (partner name, done / missed / None)


@dataclass(frozen=True)
class CommitmentView:
    commitment: Commitment
    current: CommitmentRevision
    history: list[CommitmentRevision]
    keepers: list[tuple[int, str]]
    periods: list[Period]  # newest last
    adherence: int | None  # percent of expected check-ins marked done, over elapsed periods
    my_current: str | None  # the viewer's check-in for this period, when they keep it


Marks = dict[tuple[int, int, dt.date], str]


def _period_starts(revision: CommitmentRevision, today: dt.date) -> list[dt.date]:
    """The start of each period of REVISION's cadence up to TODAY, oldest first."""
    length = CADENCE_DAYS[Cadence(revision.cadence)]
    starts: list[dt.date] = []
    start = revision.starts_on
    while start <= today:
        starts.append(start)
        start += dt.timedelta(days=length)
    return starts


def _commitment_view(
    commitment: Commitment,
    history: list[CommitmentRevision],
    marks: Marks,
    names: dict[int, str],
    viewer_id: int | None,
) -> CommitmentView:
    current = history[0]
    keepers = (
        [(current.partner_id, names.get(current.partner_id, ""))]
        if current.partner_id
        else list(names.items())
    )
    starts = _period_starts(current, timezone.localdate())
    periods = [
        Period(s, [(name, marks.get((commitment.pk, uid, s))) for uid, name in keepers])
        for s in starts[-PERIODS_SHOWN:]
    ]
    # The current period counts once someone has checked in for it.
    current_marks = (
        sum(1 for uid, _n in keepers if (commitment.pk, uid, starts[-1]) in marks) if starts else 0
    )
    expected = max(len(starts) - 1, 0) * len(keepers) + current_marks
    done = sum(
        1 for s in starts for uid, _n in keepers if marks.get((commitment.pk, uid, s)) == "done"
    )
    mine = None
    if viewer_id is not None and any(uid == viewer_id for uid, _n in keepers) and starts:
        mine = marks.get((commitment.pk, viewer_id, starts[-1]))
    return CommitmentView(
        commitment,
        current,
        history,
        keepers,
        periods,
        round(100 * done / expected) if expected else None,
        mine,
    )


def couple_commitments(couple: Couple, *, viewer_id: int | None = None) -> list[CommitmentView]:
    """COUPLE's commitments (COUPLE from get_couple_for, for one of its people), each with its
    history and adherence; VIEWER_ID's own check-in for this period when they keep it."""
    commitments = list(
        Commitment.objects.filter(organisation_id=couple.organisation_id, couple=couple).order_by(
            "created_at", "id"
        )
    )
    if not commitments:
        return []
    revisions: dict[int, list[CommitmentRevision]] = {c.pk: [] for c in commitments}
    for revision in (
        CommitmentRevision.objects.filter(commitment__in=commitments)
        .select_related("revised_by")
        .order_by("-created_at", "-id")
    ):
        revisions[revision.commitment_id].append(revision)
    marks: Marks = {}
    for checkin in CheckIn.objects.filter(commitment__in=commitments).order_by(
        "-created_at", "-id"
    ):
        marks.setdefault(
            (checkin.commitment_id, checkin.partner_id, checkin.period_start), checkin.status
        )
    names = {p.user_id: p.user.display_name for p in couple.loaded_partners}
    return [_commitment_view(c, revisions[c.pk], marks, names, viewer_id) for c in commitments]


@dataclass(frozen=True)
class CommitmentsPage:
    couple: Couple
    partner: bool  # a partner, who checks in; the care team reads and revises with them
    commitments: list[CommitmentView]


def commitments_page(viewer: Viewer, couple: Couple) -> CommitmentsPage:
    """The commitments page of COUPLE for one of its people; audited."""
    require_commitments_read(viewer, couple)
    partner = can_check_in(viewer, couple)
    views = couple_commitments(couple, viewer_id=viewer.user.pk if partner else None)
    viewer.audit(
        Action.COMMITMENT_LIST,
        organisation_id=couple.organisation_id,
        object_type="commitment",
        couple_id=couple.pk,
    )
    return CommitmentsPage(couple, partner, views)


# The integration page ----------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrationPage:
    couple: Couple
    staff: bool  # the care team, who records; partners see sessions and what is carried forward
    ended: list[MedicineSession]  # newest first: integration is offered after each
    offers: dict[int, IntegrationOffer]  # the latest per medicine session (the care team's)
    planned: list[IntegrationSession]  # soonest first
    held: list[IntegrationSession]  # newest first
    follow_ups: list[FollowUpContact]  # the care team's

    @property
    def sessions(self) -> list[tuple[MedicineSession, IntegrationOffer | None]]:
        return [(s, self.offers.get(s.pk)) for s in self.ended]


def ended_medicine_sessions(couple: Couple) -> list[MedicineSession]:
    """COUPLE's medicine sessions that have ended, newest first: integration is offered after
    each, and a session recorded without scheduling follows the latest."""
    return list(
        MedicineSession.objects.filter(
            organisation_id=couple.organisation_id,
            couple=couple,
            status__in=ENDED_STATUSES,
        ).order_by("-starts_at", "-id")
    )


def integration_page(viewer: Viewer, couple: Couple) -> IntegrationPage:
    """What COUPLE's integration page shows VIEWER (one of its people); audited."""
    require_integration_read(viewer, couple)
    staff = can_record_integration(viewer, couple)
    ended = ended_medicine_sessions(couple)
    offers: dict[int, IntegrationOffer] = {}
    for offer in (
        offers_visible_to(viewer, couple)
        .select_related("offered_by")
        .order_by("-created_at", "-id")
    ):
        offers.setdefault(offer.session_id, offer)
    sessions = list(
        integration_sessions_visible_to(viewer, couple).select_related("facilitator", "partner")
    )
    follow_ups = (
        follow_ups_visible_to(viewer, couple)
        .select_related("partner", "done_by")
        .order_by("due_on", "id")
    )
    viewer.audit(Action.INTEGRATION_READ, couple)
    return IntegrationPage(
        couple=couple,
        staff=staff,
        ended=ended,
        offers=offers,
        planned=sorted(
            (s for s in sessions if s.status == IntegrationSessionStatus.SCHEDULED),
            key=lambda s: s.held_at,
        ),
        held=[s for s in sessions if s.status == IntegrationSessionStatus.HELD],
        follow_ups=list(follow_ups),
    )


# The schedule ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRead:
    items: list[DueItem]
    for_partner: bool  # a partner: the care team's items are named without clinical content


def schedule_read(viewer: Viewer, couple: Couple) -> ScheduleRead:
    """COUPLE's schedule as VIEWER may see it (schedule.schedule_for); audited."""
    items = schedule_for(viewer, couple)
    viewer.audit(Action.SCHEDULE_READ, couple)
    return ScheduleRead(items, for_partner=schedule_partner_for(viewer, couple) is not None)
