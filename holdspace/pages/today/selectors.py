"""What a member of staff's day holds, for the Today page and `GET /api/v1/me/queue` and
`/me/today`: their sessions of the day (bookings, and sessions not yet on the calendar) and the
queue of what waits for them, each item linking to the page where it is done.

Gathered from several apps (measures, screening, sessions, couples, integration, facilitators,
accounts, bookings), scoped kind by kind by `policy.queue`, in a constant number of queries
however many couples the organisation has, and audited once a request (`queue.read`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from holdspace.accounts.models import Role
from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingKind, BookingStatus
from holdspace.couples.models import Couple, Partner
from holdspace.facilitators.models import CredentialStatus
from holdspace.integration.models import (
    CADENCE_DAYS,
    Cadence,
    CheckIn,
    Commitment,
    CommitmentRevision,
)
from holdspace.integration.schedule import Kind, schedules_for
from holdspace.integration.selectors import PERIODS_SHOWN
from holdspace.policy.core import Viewer
from holdspace.policy.couples import couples_visible_to
from holdspace.policy.queue import (
    QueueKind,
    QueueScope,
    opens_session_records,
    queue_alerts,
    queue_couples,
    queue_credentials,
    queue_ended_sessions,
    queue_invitations,
    queue_screenings,
    queue_unread_entries,
    today_bookings,
    today_integration_sessions,
    today_medicine_sessions,
    today_preparation_sessions,
)
from holdspace.policy.regulator import can_report_to_regulator
from holdspace.reports.regulator.due import ReportDue, regulator_reports_due
from holdspace.screening.selectors import awaiting_decision_among
from holdspace.sessions.models import SessionStatus

# A credential is in the queue this many days before it expires.
CREDENTIAL_WARNING_DAYS = 30
# An invitation is chased once it has waited this long unaccepted (its link has then expired).
INVITATION_WAIT = dt.timedelta(hours=72)

KIND_LABELS: dict[QueueKind, Any] = {
    QueueKind.SAFETY_ALERT: gettext_lazy("Safety alerts to acknowledge"),
    QueueKind.SCREENING_REVIEW: gettext_lazy("Screenings awaiting your decision"),
    QueueKind.DISCHARGE: gettext_lazy("Partners still to discharge"),
    QueueKind.UNREAD_ENTRY: gettext_lazy("Entries not yet read"),
    QueueKind.OVERDUE_MEASURE: gettext_lazy("Overdue questionnaires"),
    QueueKind.OVERDUE_CHECKIN: gettext_lazy("Overdue check-ins"),
    QueueKind.CREDENTIAL_EXPIRING: gettext_lazy("Credentials expiring"),
    QueueKind.INVITATION_PENDING: gettext_lazy("Invitations not accepted"),
}
_ORDER = list(QueueKind)


@dataclass(frozen=True)
class QueueItem:
    """One thing that waits for the viewer: what, whose, since when, and where it is done.
    RECORD_TYPE and RECORD_ID name the record behind it, where there is one record."""

    kind: QueueKind
    title: str
    since: dt.datetime
    url: str
    couple_id: int | None = None
    couple_name: str = ""
    partner_id: int | None = None
    partner_name: str = ""
    record_type: str = ""
    record_id: int | None = None
    # The day it was due (an overdue questionnaire or check-in) or runs out (a credential).
    due_on: dt.date | None = None

    @property
    def waited(self) -> str:
        """How long it has waited: "just now", "3 hours ago"."""
        if timezone.now() - self.since < dt.timedelta(minutes=1):
            return _("just now")
        return _("%(time)s ago") % {"time": timesince(self.since, depth=1)}

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record_type}:{self.record_id}:{self.couple_id}:{self.partner_id}"


@dataclass(frozen=True)
class QueueGroup:
    kind: QueueKind
    label: str
    items: list[QueueItem]


@dataclass(frozen=True)
class TodaySession:
    """A session of the day: booked on the calendar (BOOKING_ID) or, not yet booked, read from
    its own table (SESSION_ID of its KIND)."""

    kind: BookingKind
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    couple_id: int | None
    couple_name: str
    room: str
    tentative: bool
    facilitators: list[str]
    url: str
    booking_id: int | None = None
    session_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(BookingKind(self.kind).label)


@dataclass(frozen=True)
class TodayPage:
    scope: QueueScope
    day: dt.date
    sessions: list[TodaySession]
    items: list[QueueItem]
    # Regulator reports due within 30 days or overdue, unmarked (org admins, clinical leads).
    reports_due: list[ReportDue] = field(default_factory=list)

    @property
    def groups(self) -> list[QueueGroup]:
        return [
            QueueGroup(kind, str(KIND_LABELS[kind]), list(items))
            for kind, items in groupby(self.items, key=lambda i: i.kind)
        ]

    def context(self) -> dict[str, object]:
        scope = self.scope
        return {
            "organisation": scope.organisation,
            "organisations": scope.organisations,
            "role": scope.role,
            "day": self.day,
            "sessions": self.sessions,
            "groups": self.groups,
            "count": len(self.items),
            "reports_due": self.reports_due,
        }


# Reads, audited ---------------------------------------------------------------------------------


def today_page(*, viewer: Viewer, scope: QueueScope) -> TodayPage:
    """The viewer's Today in SCOPE's organisation: today's sessions and the queue."""
    now = timezone.now()
    day = timezone.localdate(now, scope.organisation.tzinfo)
    due = (
        regulator_reports_due(scope.organisation, now)
        if can_report_to_regulator(viewer, scope.organisation.pk)
        else []
    )
    page = TodayPage(
        scope,
        day,
        _sessions_of_day(viewer, scope, day),
        queue_items(viewer=viewer, scope=scope),
        due,
    )
    _audit(viewer, scope, "page", page.items, page.sessions)
    return page


def queue_read(*, viewer: Viewer, scope: QueueScope) -> list[QueueItem]:
    """The viewer's queue in SCOPE's organisation, every item (the API pages it)."""
    items = queue_items(viewer=viewer, scope=scope)
    _audit(viewer, scope, "queue", items, [])
    return items


def today_sessions_read(*, viewer: Viewer, scope: QueueScope) -> list[TodaySession]:
    """The viewer's sessions of the day in SCOPE's organisation (on its clock)."""
    day = timezone.localdate(timezone.now(), scope.organisation.tzinfo)
    sessions = _sessions_of_day(viewer, scope, day)
    _audit(viewer, scope, "today", [], sessions)
    return sessions


def _audit(
    viewer: Viewer,
    scope: QueueScope,
    part: str,
    items: list[QueueItem],
    sessions: list[TodaySession],
) -> None:
    ids: dict[str, list[int]] = {}
    for item in items:
        ids.setdefault(str(item.kind), [])
        if item.record_id is not None:
            ids[str(item.kind)].append(item.record_id)
    viewer.audit(
        Action.QUEUE_READ,
        organisation_id=scope.organisation.pk,
        object_type="queue",
        part=part,
        items=ids,
        bookings=[s.booking_id for s in sessions if s.booking_id is not None],
        sessions=[f"{s.kind}:{s.session_id}" for s in sessions if s.session_id is not None],
    )


# The queue, kind by kind -----------------------------------------------------------------------


def queue_items(*, viewer: Viewer, scope: QueueScope) -> list[QueueItem]:
    """Every item of the viewer's queue in SCOPE's organisation, by kind (in QueueKind's
    order), oldest first within a kind. Not audited: the reads above audit it."""
    now = timezone.now()
    items = [
        *_alerts(viewer, scope),
        *_screenings(viewer, scope),
        *_discharges(viewer, scope),
        *_unread_entries(viewer, scope),
        *_overdue(viewer, scope),
        *_credentials(viewer, scope),
        *_invitations(viewer, scope, now),
    ]
    items.sort(key=lambda i: (_ORDER.index(i.kind), i.since, i.key))
    return items


def _name(user: Any) -> str:
    return str(user.display_name or user.email) if user is not None else ""


def _alerts(viewer: Viewer, scope: QueueScope) -> Iterable[QueueItem]:
    alerts = (
        queue_alerts(viewer, scope)
        .filter(acknowledged_at__isnull=True)
        .select_related("couple", "partner")
    )
    for alert in alerts:
        yield QueueItem(
            kind=QueueKind.SAFETY_ALERT,
            title=alert.message,
            since=alert.created_at,
            url=reverse("couple_detail", args=[alert.couple_id]) + f"#alert-{alert.pk}",
            couple_id=alert.couple_id,
            couple_name=alert.couple.name,
            partner_id=alert.partner_id,
            partner_name=_name(alert.partner),
            record_type="safety_alert",
            record_id=alert.pk,
        )


def _screenings(viewer: Viewer, scope: QueueScope) -> Iterable[QueueItem]:
    for screening in awaiting_decision_among(queue_screenings(viewer, scope)):
        yield QueueItem(
            kind=QueueKind.SCREENING_REVIEW,
            title=_("Screening needs a clinical lead's decision"),
            since=screening.created_at,
            url=reverse("screening_detail", args=[screening.couple_id, screening.pk]),
            couple_id=screening.couple_id,
            couple_name=screening.couple.name,
            partner_id=screening.partner_id,
            partner_name=_name(screening.partner),
            record_type="screening",
            record_id=screening.pk,
        )


def _discharges(viewer: Viewer, scope: QueueScope) -> Iterable[QueueItem]:
    sessions = (
        queue_ended_sessions(viewer, scope)
        .filter(status=SessionStatus.ENDED)
        .select_related("couple")
        .prefetch_related(
            "discharges",
            Prefetch(
                "couple__partners",
                queryset=Partner.objects.select_related("user").order_by("slot"),
                to_attr="partner_list",
            ),
        )
    )
    for session in sessions:
        left = {d.partner_id for d in session.discharges.all()}
        for partner in session.couple.partner_list:  # type: ignore[attr-defined]
            if partner.user_id in left:
                continue
            yield QueueItem(
                kind=QueueKind.DISCHARGE,
                title=_("Medicine session ended; not yet discharged"),
                since=session.ended_at or session.starts_at,
                url=reverse("session_discharge", args=[session.pk, partner.user_id]),
                couple_id=session.couple_id,
                couple_name=session.couple.name,
                partner_id=partner.user_id,
                partner_name=_name(partner.user),
                record_type="medicine_session",
                record_id=session.pk,
            )


def _unread_entries(viewer: Viewer, scope: QueueScope) -> Iterable[QueueItem]:
    entries = queue_unread_entries(viewer, scope).select_related("couple", "author")
    for entry in entries.only(
        "id",
        "kind",
        "visibility",
        "created_at",
        "couple_id",
        "couple__name",
        "author_id",
        "author__display_name",
        "author__email",
    ):
        yield QueueItem(
            kind=QueueKind.UNREAD_ENTRY,
            title=_("%(kind)s shared with %(whom)s")
            % {
                "kind": entry.get_kind_display(),
                "whom": _("the care team") if entry.visibility == "team" else _("the couple"),
            },
            since=entry.created_at,
            url=reverse("entry_detail", args=[entry.couple_id, entry.pk]),
            couple_id=entry.couple_id,
            couple_name=entry.couple.name,
            partner_id=entry.author_id,
            partner_name=_name(entry.author),
            record_type="entry",
            record_id=entry.pk,
        )


def _overdue(viewer: Viewer, scope: QueueScope) -> Iterable[QueueItem]:
    """Per partner, the questionnaires and the check-ins past their day, by the follow-up
    schedule's rules (`integration.schedule.schedules_for`, batched for every couple)."""
    couples = list(Couple.with_people(queue_couples(viewer, scope).select_related("organisation")))
    if not couples:
        return
    today = timezone.localdate(timezone.now(), scope.organisation.tzinfo)
    names = {c.pk: c.name for c in couples}
    partners = {p.user_id: _name(p.user) for c in couples for p in c.loaded_partners}
    late: dict[tuple[int, QueueKind, int], list[tuple[dt.date, str]]] = {}
    for couple_id, due in schedules_for(couples).items():
        for item in due:
            if item.kind == Kind.MEASURE and item.partner_id and item.status(today) == "overdue":
                key = (couple_id, QueueKind.OVERDUE_MEASURE, item.partner_id)
                late.setdefault(key, []).append((item.due_on, item.label))
    for (couple_id, partner_id), rows in _missed_checkins(couples, today).items():
        late[(couple_id, QueueKind.OVERDUE_CHECKIN, partner_id)] = rows
    for (couple_id, kind, partner_id), rows in sorted(late.items()):
        rows.sort()
        first = rows[0][0]
        yield QueueItem(
            kind=kind,
            title=_overdue_title(kind, [label for _day, label in rows]),
            since=dt.datetime.combine(first, dt.time.min, tzinfo=scope.organisation.tzinfo),
            url=reverse("couple_detail", args=[couple_id]) + "#schedule",
            couple_id=couple_id,
            couple_name=names[couple_id],
            partner_id=partner_id,
            partner_name=partners.get(partner_id, ""),
            due_on=first,
        )


def _missed_checkins(
    couples: list[Couple], today: dt.date
) -> dict[tuple[int, int], list[tuple[dt.date, str]]]:
    """Per couple and keeper, the periods of each live commitment that ended without their
    check-in (the commitments page shows them as blank), the latest PERIODS_SHOWN of its
    current wording: each as (its last day, the commitment). The current period is not late
    until it ends (the schedule shows it as due)."""
    by_id = {c.pk: c for c in couples}
    commitments = list(
        Commitment.objects.filter(couple_id__in=list(by_id), ended_at__isnull=True).only(
            "id", "couple_id"
        )
    )
    if not commitments:
        return {}
    current: dict[int, CommitmentRevision] = {}
    for revision in CommitmentRevision.objects.filter(commitment__in=commitments).order_by(
        "-created_at", "-id"
    ):
        current.setdefault(revision.commitment_id, revision)
    made = set(
        CheckIn.objects.filter(commitment__in=commitments).values_list(
            "commitment_id", "partner_id", "period_start"
        )
    )
    missed: dict[tuple[int, int], list[tuple[dt.date, str]]] = {}
    for commitment in commitments:
        revision = current[commitment.pk]
        length = dt.timedelta(days=CADENCE_DAYS[Cadence(revision.cadence)])
        ended = []
        start = revision.starts_on
        while start + length <= today:
            ended.append(start)
            start += length
        couple = by_id[commitment.couple_id]
        keepers = (
            [revision.partner_id]
            if revision.partner_id
            else [p.user_id for p in couple.loaded_partners]
        )
        label = _("Check in: %(what)s") % {"what": revision.description[:80]}
        for partner_id in keepers:
            for period in ended[-PERIODS_SHOWN:]:
                if (commitment.pk, partner_id, period) not in made:
                    missed.setdefault((couple.pk, partner_id), []).append(
                        (period + length - dt.timedelta(days=1), label)
                    )
    return missed


def _overdue_title(kind: QueueKind, labels: list[str]) -> str:
    what = "; ".join(labels[:3]) + ("; …" if len(labels) > 3 else "")
    if kind == QueueKind.OVERDUE_MEASURE:
        text = ngettext(
            "%(n)d questionnaire overdue: %(what)s",
            "%(n)d questionnaires overdue: %(what)s",
            len(labels),
        )
    else:
        text = ngettext(
            "%(n)d check-in overdue: %(what)s", "%(n)d check-ins overdue: %(what)s", len(labels)
        )
    return text % {"n": len(labels), "what": what}


def _credentials(viewer: Viewer, scope: QueueScope) -> Iterable[QueueItem]:
    today = timezone.localdate(timezone.now(), scope.organisation.tzinfo)
    credentials = (
        queue_credentials(viewer, scope)
        .filter(
            status=CredentialStatus.VERIFIED,
            expires_on__isnull=False,
            expires_on__lte=today + dt.timedelta(days=CREDENTIAL_WARNING_DAYS),
        )
        .select_related("facilitator")
    )
    own = viewer.user.pk
    for credential in credentials:
        assert credential.expires_on is not None
        days = (credential.expires_on - today).days
        values = {"kind": credential.get_kind_display(), "n": days}
        if days < 0:
            title = _("%(kind)s has expired") % values
        elif days == 0:
            title = _("%(kind)s expires today") % values
        else:
            title = (
                ngettext("%(kind)s expires in %(n)d day", "%(kind)s expires in %(n)d days", days)
                % values
            )
        opened = credential.expires_on - dt.timedelta(days=CREDENTIAL_WARNING_DAYS)
        url = reverse("facilitator_detail", args=[credential.facilitator_id])
        yield QueueItem(
            kind=QueueKind.CREDENTIAL_EXPIRING,
            title=title
            if credential.facilitator_id == own
            else f"{_name(credential.facilitator)}: {title}",
            since=dt.datetime.combine(opened, dt.time.min, tzinfo=scope.organisation.tzinfo),
            url=f"{url}?org={scope.organisation.pk}",
            record_type="credential",
            record_id=credential.pk,
            due_on=credential.expires_on,
        )


def _invitations(viewer: Viewer, scope: QueueScope, now: dt.datetime) -> Iterable[QueueItem]:
    invitations = (
        queue_invitations(viewer, scope)
        .filter(
            accepted_at__isnull=True, revoked_at__isnull=True, sent_at__lte=now - INVITATION_WAIT
        )
        .select_related("couple")
    )
    for invitation in invitations:
        if invitation.couple_id is None:
            title = _("%(name)s (%(role)s) has not accepted the invitation") % {
                "name": invitation.display_name or invitation.email,
                "role": Role(invitation.role).label,
            }
            url = reverse("team") + f"?org={scope.organisation.pk}"
        else:
            title = _("%(name)s has not accepted the invitation") % {
                "name": invitation.display_name or invitation.email
            }
            url = reverse("couple_invitations", args=[invitation.couple_id])
        yield QueueItem(
            kind=QueueKind.INVITATION_PENDING,
            title=title,
            since=invitation.sent_at,
            url=url,
            couple_id=invitation.couple_id,
            couple_name=invitation.couple.name if invitation.couple else "",
            record_type="invitation",
            record_id=invitation.pk,
        )


# Today's sessions ------------------------------------------------------------------------------


def _day_bounds(scope: QueueScope, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of DAY and of the day after, on the organisation's clock."""
    zone = scope.organisation.tzinfo
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def _sessions_of_day(viewer: Viewer, scope: QueueScope, day: dt.date) -> list[TodaySession]:
    start, end = _day_bounds(scope, day)
    records = opens_session_records(viewer, scope)
    sessions = [
        *_bookings(
            today_bookings(viewer, scope).filter(starts_at__gte=start, starts_at__lt=end), records
        ),
        *_medicine(viewer, scope, start, end, records),
        *_held(viewer, scope, start, end, records),
    ]
    # A facilitator booked for a session of a couple whose care team they are not in (standing
    # in) sees the session, without a link to a couple that does not exist for them.
    ids = {s.couple_id for s in sessions if s.couple_id is not None}
    opened = set(
        couples_visible_to(viewer, scope.organisation.pk)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    sessions = [s if s.couple_id in opened else replace(s, url="") for s in sessions]
    sessions.sort(key=lambda s: (s.starts_at, s.couple_name))
    return sessions


def _booking_url(booking: Booking, records: bool) -> str:
    if booking.couple_id is None:
        return ""
    if not records:
        return reverse("couple_detail", args=[booking.couple_id])
    medicine = getattr(booking, "medicine_session", None)
    if medicine is not None:
        return reverse("session_plan", args=[medicine.pk])
    if booking.kind == BookingKind.INTEGRATION:
        return reverse("integration", args=[booking.couple_id])
    return reverse("couple_detail", args=[booking.couple_id])


def _bookings(bookings: QuerySet[Booking], records: bool) -> Iterable[TodaySession]:
    found = bookings.select_related("couple", "room", "medicine_session").prefetch_related(
        "facilitator_links__user"
    )
    for booking in found:
        yield TodaySession(
            kind=BookingKind(booking.kind),
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            couple_id=booking.couple_id,
            couple_name=booking.couple.name if booking.couple else "",
            room=booking.room.name if booking.room else "",
            tentative=booking.status == BookingStatus.TENTATIVE,
            facilitators=[_name(link.user) for link in booking.facilitator_links.all()],
            url=_booking_url(booking, records),
            booking_id=booking.pk,
        )


def _medicine(
    viewer: Viewer, scope: QueueScope, start: dt.datetime, end: dt.datetime, records: bool
) -> Iterable[TodaySession]:
    sessions = (
        today_medicine_sessions(viewer, scope)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("couple")
        .prefetch_related("facilitators__user")
    )
    for session in sessions:
        yield TodaySession(
            kind=BookingKind.MEDICINE,
            starts_at=session.starts_at,
            ends_at=session.ended_at,
            couple_id=session.couple_id,
            couple_name=session.couple.name,
            room=session.room,
            tentative=False,
            facilitators=[_name(f.user) for f in session.facilitators.all()],
            url=reverse("session_plan", args=[session.pk])
            if records
            else reverse("couple_detail", args=[session.couple_id]),
            session_id=session.pk,
        )


def _held(
    viewer: Viewer, scope: QueueScope, start: dt.datetime, end: dt.datetime, records: bool
) -> Iterable[TodaySession]:
    """Preparation and integration sessions of the day not on the calendar's bookings."""
    for kind, sessions in (
        (BookingKind.PREPARATION, today_preparation_sessions(viewer, scope)),
        (BookingKind.INTEGRATION, today_integration_sessions(viewer, scope)),
    ):
        for session in sessions.filter(held_at__gte=start, held_at__lt=end).select_related(
            "couple", "facilitator"
        ):
            url = (
                reverse("integration", args=[session.couple_id])
                if kind == BookingKind.INTEGRATION and records
                else reverse("couple_detail", args=[session.couple_id])
            )
            yield TodaySession(
                kind=kind,
                starts_at=session.held_at,
                ends_at=None,
                couple_id=session.couple_id,
                couple_name=session.couple.name,
                room="",
                tentative=False,
                facilitators=[_name(session.facilitator)],
                url=url,
                session_id=session.pk,
            )
