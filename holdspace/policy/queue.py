"""The Today view and the queue (what waits for a member of staff): whose they are, and which
records of one organisation land in each kind of item.

- Today is for the organisation's org admins, clinical leads and facilitators (a researcher
  only exports, a partner has the portal): anyone else meets a 404; another organisation's
  Today is refused (403), audited (`organisation_for`).
- Today's sessions: a clinical lead or org admin sees the organisation's; a facilitator those
  they are booked for or whose couple they care for.
- The queue, kind by kind:
  screenings awaiting a decision — the clinical leads';
  safety alerts to acknowledge — the couple's care team (its facilitators) and the clinical
  leads (`policy.measures.alerts_visible_to`);
  partners still to discharge, overdue questionnaires and check-ins — the couple's care team
  and the clinical leads;
  entries shared with the team or the couple and not yet read — the couple's own facilitators
  (a clinical lead reads them on the couple's page; the queue would hold every couple's);
  credentials expiring within 30 days — a facilitator's own, and everyone's for the clinical
  leads and org admins (`policy.facilitators.credentials_visible_to`);
  invitations not accepted after 72 hours — staff invitations for the org admins, a partner's
  for the couple's care team and the clinical leads.
  An org admin has no couples' clinical records in their queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q, QuerySet

from holdspace.accounts.models import Invitation, Organisation, Role
from holdspace.bookings.models import Booking, BookingStatus
from holdspace.couples.models import Couple, Entry, Visibility
from holdspace.facilitators.models import Credential
from holdspace.integration.models import IntegrationSession, IntegrationSessionStatus
from holdspace.measures.models import SafetyAlert
from holdspace.policy.core import _CARE_ROLES, Viewer, denial_chain, deny, organisation_for
from holdspace.policy.facilitators import credentials_visible_to
from holdspace.policy.measures import alerts_visible_to
from holdspace.preparation.models import PreparationSession, PreparationStatus
from holdspace.screening.models import Screening
from holdspace.sessions.models import MedicineSession, SessionStatus

# Staff who have a Today view: those who do the organisation's daily work.
TODAY_ROLES = frozenset({Role.ORG_ADMIN, Role.CLINICAL_LEAD, Role.FACILITATOR})
# Who sees every couple's sessions of the day and every facilitator's credentials.
_WHOLE_ORGANISATION = frozenset({Role.ORG_ADMIN, Role.CLINICAL_LEAD})


class QueueKind(StrEnum):
    """What an item of the queue asks of its reader, in the order the page shows them."""

    SAFETY_ALERT = "safety_alert"
    SCREENING_REVIEW = "screening_review"
    DISCHARGE = "discharge"
    UNREAD_ENTRY = "unread_entry"
    OVERDUE_MEASURE = "overdue_measure"
    OVERDUE_CHECKIN = "overdue_checkin"
    CREDENTIAL_EXPIRING = "credential_expiring"
    INVITATION_PENDING = "invitation_pending"


@dataclass(frozen=True)
class QueueScope:
    """The organisation whose Today VIEWER looks at, and what their role there shows them."""

    organisation: Organisation
    # Every organisation whose Today the viewer may open, to switch between them.
    organisations: list[Organisation]
    role: str
    kinds: frozenset[QueueKind]

    def shows(self, kind: QueueKind) -> bool:
        return kind in self.kinds


_KINDS_BY_ROLE: dict[str, frozenset[QueueKind]] = {
    Role.CLINICAL_LEAD: frozenset(QueueKind) - {QueueKind.UNREAD_ENTRY},
    Role.FACILITATOR: frozenset(QueueKind) - {QueueKind.SCREENING_REVIEW},
    Role.ORG_ADMIN: frozenset({QueueKind.CREDENTIAL_EXPIRING, QueueKind.INVITATION_PENDING}),
}


def get_queue_for(viewer: Viewer, requested: object) -> QueueScope:
    """The Today of REQUESTED (`?org=`), else of the viewer's first organisation where they
    have one. Someone with no Today anywhere meets a 404; asking for an organisation whose
    Today they may not open is refused (403); both audited."""
    allowed = sorted(viewer.orgs_with(TODAY_ROLES))
    if not allowed:
        raw = str(requested or "").strip()
        raise deny(
            viewer,
            what="today",
            object_id=raw[:32],
            organisation_id=denial_chain(viewer, int(raw) if raw.isdigit() else None),
        )
    organisation = organisation_for(viewer, requested, TODAY_ROLES, what="today")
    role = viewer.role_in(organisation.pk) or ""
    return QueueScope(
        organisation=organisation,
        organisations=list(Organisation.objects.filter(pk__in=allowed).order_by("pk")),
        role=role,
        kinds=_KINDS_BY_ROLE.get(role, frozenset()),
    )


def _whole_organisation(viewer: Viewer, scope: QueueScope) -> bool:
    return viewer.role_in(scope.organisation.pk) in _WHOLE_ORGANISATION


def _cared_for(viewer: Viewer, scope: QueueScope, path: str = "couple") -> Q:
    """The records (through PATH to their couple) of the couples the viewer cares for in the
    queue: every couple for a clinical lead, their own care team's for a facilitator."""
    if viewer.role_in(scope.organisation.pk) == Role.CLINICAL_LEAD:
        return Q()
    return Q(**{f"{path}__care_team__user" if path else "care_team__user": viewer.user})


# The queue's records, kind by kind -------------------------------------------------------------


def queue_screenings(viewer: Viewer, scope: QueueScope) -> QuerySet[Screening]:
    """The screenings among which those awaiting a clinical lead's decision are found."""
    screenings = Screening.objects.filter(organisation_id=scope.organisation.pk)
    return screenings if scope.shows(QueueKind.SCREENING_REVIEW) else screenings.none()


def queue_alerts(viewer: Viewer, scope: QueueScope) -> QuerySet[SafetyAlert]:
    if not scope.shows(QueueKind.SAFETY_ALERT):
        return SafetyAlert.objects.none()
    return alerts_visible_to(viewer, scope.organisation.pk)


def queue_ended_sessions(viewer: Viewer, scope: QueueScope) -> QuerySet[MedicineSession]:
    """Medicine sessions ended whose partners are being discharged."""
    sessions = MedicineSession.objects.filter(organisation_id=scope.organisation.pk)
    if not scope.shows(QueueKind.DISCHARGE):
        return sessions.none()
    return sessions.filter(_cared_for(viewer, scope)).distinct()


def queue_unread_entries(viewer: Viewer, scope: QueueScope) -> QuerySet[Entry]:
    """Entries shared with the team or the couple that nobody of the care team has read."""
    entries = Entry.objects.filter(
        organisation_id=scope.organisation.pk,
        visibility__in=[Visibility.TEAM, Visibility.COUPLE],
        team_read_at__isnull=True,
    )
    if not scope.shows(QueueKind.UNREAD_ENTRY):
        return entries.none()
    return entries.filter(couple__care_team__user=viewer.user)


def queue_couples(viewer: Viewer, scope: QueueScope) -> QuerySet[Couple]:
    """The couples whose overdue questionnaires and check-ins the viewer is shown."""
    couples = Couple.objects.filter(organisation_id=scope.organisation.pk)
    if not (scope.shows(QueueKind.OVERDUE_MEASURE) or scope.shows(QueueKind.OVERDUE_CHECKIN)):
        return couples.none()
    return couples.filter(_cared_for(viewer, scope, path="")).distinct()


def queue_credentials(viewer: Viewer, scope: QueueScope) -> QuerySet[Credential]:
    if not scope.shows(QueueKind.CREDENTIAL_EXPIRING):
        return Credential.objects.none()
    return credentials_visible_to(viewer, scope.organisation.pk)


def queue_invitations(viewer: Viewer, scope: QueueScope) -> QuerySet[Invitation]:
    """Invitations the viewer is the one to chase: staff invitations for an org admin, a
    partner's for the couple's care team and the clinical leads."""
    invitations = Invitation.objects.filter(organisation_id=scope.organisation.pk)
    if not scope.shows(QueueKind.INVITATION_PENDING):
        return invitations.none()
    role = viewer.role_in(scope.organisation.pk)
    if role == Role.ORG_ADMIN:
        return invitations.filter(couple__isnull=True)
    if role == Role.CLINICAL_LEAD:
        return invitations.filter(couple__isnull=False)
    return invitations.filter(couple__care_team__user=viewer.user).distinct()


# Today's sessions ------------------------------------------------------------------------------


def opens_session_records(viewer: Viewer, scope: QueueScope) -> bool:
    """Whether today's sessions link to their records (a medicine session's plan, the couple's
    integration): for the care roles; an org admin's links go to the couple's page."""
    return viewer.role_in(scope.organisation.pk) in _CARE_ROLES


def today_bookings(viewer: Viewer, scope: QueueScope) -> QuerySet[Booking]:
    """Bookings held (not cancelled): the organisation's for a clinical lead or org admin; for a
    facilitator those they are booked for or whose couple they care for."""
    bookings = Booking.objects.filter(organisation_id=scope.organisation.pk).exclude(
        status=BookingStatus.CANCELLED
    )
    if _whole_organisation(viewer, scope):
        return bookings
    return bookings.filter(
        Q(facilitator_links__user=viewer.user) | Q(couple__care_team__user=viewer.user)
    ).distinct()


def today_medicine_sessions(viewer: Viewer, scope: QueueScope) -> QuerySet[MedicineSession]:
    """Medicine sessions not cancelled and not on the calendar's bookings (those are read as
    bookings), the viewer's as for bookings."""
    sessions = MedicineSession.objects.filter(
        organisation_id=scope.organisation.pk, booking__isnull=True
    ).exclude(status=SessionStatus.CANCELLED)
    if _whole_organisation(viewer, scope):
        return sessions
    return sessions.filter(
        Q(facilitators__user=viewer.user) | Q(couple__care_team__user=viewer.user)
    ).distinct()


def today_preparation_sessions(viewer: Viewer, scope: QueueScope) -> QuerySet[PreparationSession]:
    sessions = PreparationSession.objects.filter(
        organisation_id=scope.organisation.pk, booking__isnull=True
    ).exclude(status=PreparationStatus.CANCELLED)
    if _whole_organisation(viewer, scope):
        return sessions
    return sessions.filter(
        Q(facilitator=viewer.user) | Q(couple__care_team__user=viewer.user)
    ).distinct()


def today_integration_sessions(viewer: Viewer, scope: QueueScope) -> QuerySet[IntegrationSession]:
    sessions = IntegrationSession.objects.filter(
        organisation_id=scope.organisation.pk, booking__isnull=True
    ).exclude(status=IntegrationSessionStatus.CANCELLED)
    if _whole_organisation(viewer, scope):
        return sessions
    return sessions.filter(
        Q(facilitator=viewer.user) | Q(couple__care_team__user=viewer.user)
    ).distinct()
