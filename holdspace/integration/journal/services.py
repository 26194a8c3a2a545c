"""The one write of the journal that is not an entry (entries are written by
`couples.services.entry_create`): when a partner first saw that what they write is not
monitored in real time."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from holdspace.audit.actions import Action
from holdspace.couples.models import Couple, Partner
from holdspace.policy.core import Viewer


def notice_seen(viewer: Viewer, couple: Couple) -> tuple[bool, dt.datetime | None]:
    """Whether VIEWER is a partner of COUPLE, and when they first saw the not-monitored
    notice: None the first time, which is recorded now, audited, once even if two pages open
    at the same moment."""
    found = (
        Partner.objects.filter(couple=couple, user=viewer.user)
        .values_list("pk", "notice_seen_at")
        .first()
    )
    if found is None:
        return False, None
    partner_id, seen_at = found
    if seen_at is None:
        with transaction.atomic():
            first = Partner.objects.filter(pk=partner_id, notice_seen_at__isnull=True).update(
                notice_seen_at=timezone.now()
            )
            if first:
                viewer.audit(
                    Action.NOTICE_SEEN,
                    organisation_id=couple.organisation_id,
                    couple_id=couple.pk,
                    object_type="partner",
                    object_id=partner_id,
                )
    return True, seen_at
