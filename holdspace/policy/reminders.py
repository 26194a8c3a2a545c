"""Reminders: whose reminders a viewer sees in the outbox, and the partners' calendar feeds.

- The outbox's reminders follow the outbox's rule (`notifications.outbox_rows_scope`): every
  row for org admins and clinical leads, a facilitator's own couples' for a facilitator.
- A calendar feed is a partner's own: only a partner of the couple makes, sees or revokes
  theirs (403 for anyone else who sees the couple); once the couple has withdrawn, its
  calendar page tells whoever sees the couple so. A feed's address is its only key: an
  unknown or revoked address is a 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer, require_partner
from holdspace.policy.notifications import outbox_rows_scope
from holdspace.reminders.models import CalendarFeed, Reminder


def reminders_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[Reminder]:
    """The outbox's reminders of ORGANISATION_ID that VIEWER sees."""
    scope = outbox_rows_scope(viewer, organisation_id)
    rows = Reminder.objects.all()
    return rows.filter(scope) if scope is not None else rows.none()


def calendar_feeds_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[CalendarFeed]:
    """VIEWER's own live calendar feeds for COUPLE (none for anyone but its partners)."""
    return CalendarFeed.objects.filter(couple=couple, partner=viewer.user, revoked_at__isnull=True)


def get_calendar_feed_for_address(token_hash: str) -> CalendarFeed:
    """The live feed behind a calendar address (the hash of its token), with its couple and
    organisation; anything else is a 404. The address is the key: no one is signed in."""
    feed = (
        CalendarFeed.objects.filter(token_hash=token_hash, revoked_at__isnull=True)
        .select_related("couple__organisation")
        .first()
    )
    if feed is None:
        raise Http404("No such calendar")
    return feed


def require_calendar_feed_change(viewer: Viewer, couple: Couple, *, action: str) -> None:
    """Making or revoking a calendar feed is for the couple's partners alone (403)."""
    require_partner(viewer, couple, action=action)


def require_calendar_page(viewer: Viewer, couple: Couple, *, has_feed: bool) -> None:
    """The calendar page is a partner's; once the couple has withdrawn, it says so to anyone
    who sees the couple (403 otherwise)."""
    if not has_feed and couple.withdrawn_at is None:
        require_partner(viewer, couple, action="see the calendar feed of")
