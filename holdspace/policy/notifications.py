"""Notifications: who is told of safety alerts and chooses how, and whose rows of the e-mail
outbox a viewer sees.

- Clinical leads are told of every couple's alerts, facilitators of their couples'; neither may
  turn them off, only choose the channel. An org admin chooses a channel too (for what reaches
  them later); partners and researchers have no notification settings (404).
- The outbox (reminders and notifications, `reminders_visible_to` beside this module's
  `notifications_visible_to`) shows org admins and clinical leads the whole organisation's
  rows and a facilitator their own couples' on the page; the API refuses a facilitator (403).
  Anyone else, of any organisation, meets a 404.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet

from holdspace.accounts.models import Organisation, Role
from holdspace.notifications.models import Notification
from holdspace.policy.core import _ORG_WIDE_ROLES, Viewer, denial_chain, deny, refuse

# Staff who choose how they are told, and who see an outbox.
CHANNEL_ROLES = frozenset({Role.CLINICAL_LEAD, Role.FACILITATOR, Role.ORG_ADMIN})
OUTBOX_ROLES = CHANNEL_ROLES


class AlertDuty(StrEnum):
    """Which safety alerts a member of staff is told of."""

    EVERY_COUPLE = "every_couple"  # a clinical lead
    OWN_COUPLES = "own_couples"  # a facilitator, for the couples in their care
    NONE = "none"


def alert_duty(viewer: Viewer, organisation_id: int) -> AlertDuty:
    role = viewer.role_in(organisation_id)
    if role == Role.CLINICAL_LEAD:
        return AlertDuty.EVERY_COUPLE
    if role == Role.FACILITATOR:
        return AlertDuty.OWN_COUPLES
    return AlertDuty.NONE


def chooses_a_channel(viewer: Viewer) -> bool:
    """Whether VIEWER has notification settings in any organisation (the staff menu's link)."""
    return bool(viewer.orgs_with(CHANNEL_ROLES))


def get_notification_settings_for(viewer: Viewer, requested: object) -> Organisation:
    """The organisation whose notification settings VIEWER asks for (REQUESTED, `?org=`), or
    their first where they have any; for anyone else, of any organisation, a 404, audited
    (`denial_chain`)."""
    allowed = sorted(viewer.orgs_with(CHANNEL_ROLES))
    raw = str(requested or "").strip()
    chosen = int(raw) if raw.isdigit() else (allowed[0] if allowed and not raw else None)
    if chosen is None or chosen not in allowed:
        raise deny(
            viewer,
            what="notification settings",
            object_id=raw,
            organisation_id=denial_chain(viewer, chosen),
        )
    return Organisation.objects.get(pk=chosen)


def require_notification_preference_set(viewer: Viewer, organisation: Organisation) -> None:
    if viewer.role_in(organisation.pk) not in CHANNEL_ROLES:
        raise refuse(
            viewer,
            action="choose the notification channel in",
            what="organisation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
        )


# The outbox ----------------------------------------------------------------------------


def outbox_rows_scope(viewer: Viewer, organisation_id: int) -> Q | None:
    """The condition on an outbox row (a reminder or a notification, each with its couple) for
    VIEWER in ORGANISATION_ID: every row for org admins and clinical leads, a facilitator's own
    couples' for a facilitator, None (no row) for anyone else."""
    role = viewer.role_in(organisation_id)
    if role in _ORG_WIDE_ROLES:
        return Q(organisation_id=organisation_id)
    if role == Role.FACILITATOR:
        return Q(organisation_id=organisation_id, couple__care_team__user_id=viewer.user.pk)
    return None


def notifications_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[Notification]:
    """The outbox's safety-alert notifications of ORGANISATION_ID that VIEWER sees."""
    scope = outbox_rows_scope(viewer, organisation_id)
    rows = Notification.objects.all()
    return rows.filter(scope) if scope is not None else rows.none()


def get_outbox_for(viewer: Viewer, requested: object) -> Organisation:
    """The organisation whose outbox VIEWER asks for (REQUESTED, `?org=`), or by default the
    first they manage (org admin, clinical lead), else the first they facilitate in, else their
    first. Only its org admins,
    clinical leads and facilitators have one: anyone else, of any organisation, meets a 404,
    audited (`denial_chain`)."""
    raw = str(requested or "").strip()
    if raw.isdigit():
        organisation_id = int(raw)
    else:
        managed = sorted(viewer.orgs_with(_ORG_WIDE_ROLES)) or sorted(
            viewer.orgs_with(OUTBOX_ROLES)
        )
        organisation_id = managed[0] if managed else min(viewer.roles, default=0)
    if viewer.role_in(organisation_id) not in OUTBOX_ROLES:
        raise deny(
            viewer,
            what="outbox",
            object_id=organisation_id,
            organisation_id=denial_chain(viewer, organisation_id),
        )
    return Organisation.objects.get(pk=organisation_id)


def require_outbox_api(viewer: Viewer, organisation: Organisation) -> None:
    """The API's outbox is for org admins and clinical leads: a facilitator, who sees their own
    couples' rows on the page, is refused (403)."""
    if viewer.role_in(organisation.pk) not in _ORG_WIDE_ROLES:
        raise refuse(
            viewer,
            action="read through the API the e-mail outbox of",
            what="organisation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
        )
