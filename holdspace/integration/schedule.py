"""The follow-up schedule: what is due for each partner and their care team, with a date.

Five sources, all read in a constant number of queries for any number of couples:
questionnaires due (the measures schedule of the organisation's profile), commitment check-ins
for the current period, the profile's follow-up contacts after a session, and medicine and
integration sessions still to come. Each item carries two wordings: `label` for signed-in pages, and
`public_label`, which holds no clinical content, for e-mail reminders and calendar feeds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.couples.models import Couple, Stage
from holdspace.integration.models import (
    CADENCE_DAYS,
    Cadence,
    CheckIn,
    Commitment,
    CommitmentRevision,
    FollowUpContact,
    IntegrationSession,
    IntegrationSessionStatus,
    current_period,
)
from holdspace.measures.library import library
from holdspace.measures.models import MeasureResponse, Timepoint
from holdspace.measures.schedule import instrument_for
from holdspace.measures.selectors import (
    medicine_sessions_of,
    outstanding_measures,
    timepoint_anchors,
)
from holdspace.policy.core import Viewer
from holdspace.policy.integration import schedule_partner_for
from holdspace.sessions.models import MedicineSession

# Shown this far ahead; reminders go out only for what is due (sessions: the day before).
HORIZON_DAYS = 30


class Kind(StrEnum):
    """What a due item is."""

    MEASURE = "measure"
    CHECKIN = "checkin"
    FOLLOW_UP = "follow_up"
    SESSION = "session"


# The kinds a partner acts on, so a reminder can bring them back to it.
REMINDED = frozenset({Kind.MEASURE, Kind.CHECKIN, Kind.SESSION})


@dataclass(frozen=True)
class DueItem:
    key: str  # stable across runs: a reminder is sent once per key and partner
    kind: str
    couple_id: int
    partner_id: int | None  # None: both partners
    due_on: dt.date
    label: str
    public_label: str
    path: str
    starts_at: dt.datetime | None = None
    # When an appointment ends (its booking's end), for calendars; None: an hour after it starts.
    ends_at: dt.datetime | None = None
    # The appointment itself, whatever its time: a calendar keeps one event as it moves, while
    # KEY (which carries the time) lets a moved appointment be reminded again.
    event_key: str = ""
    for_team: bool = False  # the care team acts on it (a follow-up contact)
    staff_path: str = ""  # where the care team opens it, when not PATH

    @property
    def team_path(self) -> str:
        return self.staff_path or self.path

    @property
    def remind_on(self) -> dt.date:
        if self.kind == Kind.SESSION:
            return self.due_on - dt.timedelta(days=1)
        return self.due_on

    def status(self, today: dt.date) -> str:
        if self.due_on < today:
            return "overdue"
        if self.due_on == today:
            return "due"
        return "upcoming"


def schedules_for(couples: list[Couple]) -> dict[int, list[DueItem]]:
    """Each couple's due and upcoming items, by date. COUPLES come from Couple.with_people
    with their organisation; withdrawn and closed couples have none."""
    live = [c for c in couples if c.withdrawn_at is None and c.stage != Stage.CLOSED]
    items: dict[int, list[DueItem]] = {c.pk: [] for c in couples}
    if not live:
        return items
    ids = [c.pk for c in live]
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=HORIZON_DAYS)
    sessions = medicine_sessions_of(ids)
    for couple in live:
        items[couple.pk].extend(_sessions(couple, sessions.get(couple.pk, []), today, horizon))
    for planned in (
        IntegrationSession.objects.filter(
            couple_id__in=ids,
            status=IntegrationSessionStatus.SCHEDULED,
            held_at__gte=timezone.now(),
            held_at__lte=timezone.now() + dt.timedelta(days=HORIZON_DAYS),
        )
        .select_related("booking")
        .only("id", "couple_id", "partner_id", "held_at", "booking__ends_at")
    ):
        items[planned.couple_id].append(
            DueItem(
                key=f"integration:{planned.pk}:{planned.held_at.isoformat()}",
                event_key=f"integration:{planned.pk}",
                ends_at=planned.booking.ends_at if planned.booking else None,
                kind=Kind.SESSION,
                couple_id=planned.couple_id,
                partner_id=planned.partner_id,
                due_on=timezone.localdate(planned.held_at),
                starts_at=planned.held_at,
                label=_("Integration session"),
                public_label=_("Your Holdspace appointment"),
                path=reverse("integration", args=[planned.couple_id]) + "#planned",
            )
        )
    _measures(live, sessions, items)
    _checkins(live, today, items)
    for contact in FollowUpContact.objects.filter(
        couple_id__in=ids, done_at__isnull=True, due_on__lte=horizon
    ).only("id", "couple_id", "partner_id", "due_on"):
        items[contact.couple_id].append(
            DueItem(
                key=f"follow_up:{contact.pk}",
                kind=Kind.FOLLOW_UP,
                couple_id=contact.couple_id,
                partner_id=contact.partner_id,
                due_on=contact.due_on,
                label=_("Follow-up contact after the session"),
                public_label=_("A call from your care team"),
                path=reverse("integration", args=[contact.couple_id]) + "#follow-ups",
                for_team=True,
            )
        )
    for rows in items.values():
        rows.sort(key=lambda i: (i.due_on, i.starts_at or dt.datetime.min.replace(tzinfo=dt.UTC)))
    return items


def _sessions(
    couple: Couple, sessions: list[MedicineSession], today: dt.date, horizon: dt.date
) -> list[DueItem]:
    found = []
    now = timezone.now()
    for session in sessions:
        starts_at = session.starts_at
        if session.status != "scheduled" or starts_at < now:
            continue
        day = timezone.localdate(starts_at)
        if day > horizon:
            continue
        found.append(
            DueItem(
                key=f"session:{session.pk}:{starts_at.isoformat()}",
                event_key=f"session:{session.pk}",
                ends_at=session.booking.ends_at if session.booking else None,
                kind=Kind.SESSION,
                couple_id=couple.pk,
                partner_id=None,
                due_on=day,
                starts_at=starts_at,
                label=_("Medicine session"),
                public_label=_("Your Holdspace appointment"),
                path=reverse("readiness", args=[couple.pk]),
                staff_path=reverse("session_plan", args=[session.pk]),
            )
        )
    return found


def _measures(
    couples: list[Couple], sessions: dict[int, list[object]], items: dict[int, list[DueItem]]
) -> None:
    responses: dict[tuple[int, int], list[tuple[str, str, dt.datetime]]] = {}
    for couple_id, partner_id, instrument, timepoint, created in MeasureResponse.objects.filter(
        couple_id__in=[c.pk for c in couples]
    ).values_list("couple_id", "partner_id", "instrument", "timepoint", "created_at"):
        responses.setdefault((couple_id, partner_id), []).append((instrument, timepoint, created))
    offered: dict[str, dict[str, str]] = {}  # organisation slug: code -> name
    for couple in couples:
        organisation = couple.organisation
        if organisation.slug not in offered:
            found = {code: instrument_for(organisation.slug, code) for code in library()}
            offered[organisation.slug] = {
                code: inst.name for code, inst in found.items() if inst is not None
            }
        names = offered[organisation.slug]
        anchors = timepoint_anchors(couple, sessions.get(couple.pk, []))  # type: ignore[arg-type]
        for partner in couple.loaded_partners:
            for code, timepoint, due_on in outstanding_measures(
                organisation.profile,
                anchors,
                responses.get((couple.pk, partner.user_id), []),
                set(names),
            ):
                items[couple.pk].append(
                    DueItem(
                        key=f"measure:{couple.pk}:{partner.user_id}:{code}:{timepoint}:{due_on}",
                        kind=Kind.MEASURE,
                        couple_id=couple.pk,
                        partner_id=partner.user_id,
                        due_on=due_on,
                        label=_("%(name)s · %(when)s")
                        % {"name": names[code], "when": Timepoint(timepoint).label},
                        public_label=_("A questionnaire is waiting for you"),
                        path=reverse("measure_form", args=[couple.pk, code, timepoint]),
                        # The care team gives it with the partner in the room.
                        staff_path=reverse("measure_form", args=[couple.pk, code, timepoint])
                        + f"?partner={partner.user_id}",
                    )
                )


def _checkins(couples: list[Couple], today: dt.date, items: dict[int, list[DueItem]]) -> None:
    """Each keeper's check-in for the current period of each commitment, until they make it;
    due on the period's last day."""
    by_id = {c.pk: c for c in couples}
    commitments = list(
        Commitment.objects.filter(couple_id__in=list(by_id), ended_at__isnull=True).only(
            "id", "couple_id"
        )
    )
    if not commitments:
        return
    current: dict[int, CommitmentRevision] = {}
    for revision in CommitmentRevision.objects.filter(commitment__in=commitments).order_by(
        "-created_at", "-id"
    ):
        current.setdefault(revision.commitment_id, revision)
    periods = {c.pk: current_period(current[c.pk], today) for c in commitments}
    made = set(
        CheckIn.objects.filter(commitment__in=commitments, period_start__gte=min(periods.values()))
        .values_list("commitment_id", "partner_id", "period_start")
        .distinct()
    )
    for commitment in commitments:
        revision = current[commitment.pk]
        if revision.starts_on > today:
            continue
        start = periods[commitment.pk]
        couple = by_id[commitment.couple_id]
        keepers = (
            [revision.partner_id]
            if revision.partner_id
            else [p.user_id for p in couple.loaded_partners]
        )
        last_day = start + dt.timedelta(days=CADENCE_DAYS[Cadence(revision.cadence)] - 1)
        for partner_id in keepers:
            if (commitment.pk, partner_id, start) in made:
                continue
            items[couple.pk].append(
                DueItem(
                    key=f"checkin:{commitment.pk}:{partner_id}:{start}",
                    kind=Kind.CHECKIN,
                    couple_id=couple.pk,
                    partner_id=partner_id,
                    due_on=last_day,
                    label=_("Check in: %(what)s") % {"what": revision.description[:80]},
                    public_label=_("Time to check in on a commitment"),
                    path=reverse("commitments", args=[couple.pk]) + f"#commitment-{commitment.pk}",
                )
            )


def schedule_for(viewer: Viewer, couple: Couple) -> list[DueItem]:
    """What VIEWER sees of COUPLE's schedule: a partner their own items and the couple's; the
    care team everything. Anyone else is refused. COUPLE comes from get_couple_for."""
    partner_id = schedule_partner_for(viewer, couple)
    items = schedules_for([couple])[couple.pk]
    if partner_id is not None:
        items = [i for i in items if i.partner_id in (None, partner_id)]
    return items


@dataclass(frozen=True)
class ShownItem:
    item: DueItem
    state: str  # overdue, due or upcoming
    partner_name: str


def shown(items: list[DueItem], couple: Couple) -> list[ShownItem]:
    """ITEMS as pages show them: with their state today and whose they are."""
    today = timezone.localdate()
    names = {p.user_id: p.user.display_name for p in couple.loaded_partners}
    return [ShownItem(i, i.status(today), names.get(i.partner_id or 0, "")) for i in items]
