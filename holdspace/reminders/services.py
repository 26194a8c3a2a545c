"""Reminders by e-mail with one-tap sign-in links, and the partners' calendar feeds.

`reminders_run` is the worker's job. Each run, whatever the clock or how often it runs:
1. plans a Reminder for each partner and each item of the schedule that has come due (the
   (partner, item) pair is unique in the database, so no item is reminded twice);
2. cancels what is still unsent but no longer due: the item was done, or the couple withdrew
   or closed;
3. sends what is waiting, claiming each row first so that two workers never send the same
   one; a failure is retried later with a growing pause, up to MAX_ATTEMPTS.
No e-mail holds clinical content: it names the kind of item only and carries a link that
signs the partner in once, within 24 hours, onto the page of that item.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from holdspace.accounts.models import Organisation, User
from holdspace.accounts.zones import org_localtime, organisation_clock
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record
from holdspace.couples.models import Couple, Stage
from holdspace.integration.schedule import REMINDED, DueItem, Kind, schedules_for
from holdspace.lib.when import day
from holdspace.policy.core import Viewer
from holdspace.policy.reminders import (
    calendar_feeds_visible_to,
    get_calendar_feed_for_address,
    require_calendar_feed_change,
)
from holdspace.reminders.models import CalendarFeed, Reminder, ReminderStatus, SignInLink

MAX_ATTEMPTS = 5
FIRST_RETRY = dt.timedelta(minutes=5)
LINK_LIFETIME = dt.timedelta(hours=24)
BATCH = 500
UNSENT = (ReminderStatus.PENDING, ReminderStatus.RETRYING)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# One-tap sign-in links ---------------------------------------------------------------------


def _unsaved_link(
    *,
    user: User,
    organisation_id: int,
    path: str,
    reminder: Reminder | None = None,
    lifetime: dt.timedelta = LINK_LIFETIME,
) -> tuple[SignInLink, str]:
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError("A sign-in link opens a path on this site")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    row = SignInLink(
        organisation_id=organisation_id,
        user=user,
        token_hash=_hash(token),
        path=path,
        reminder=reminder,
        created_at=now,
        expires_at=now + min(lifetime, LINK_LIFETIME),
    )
    return row, settings.SITE_URL + reverse("signin_link", args=[token])


def signin_link_create(
    *,
    user: User,
    organisation_id: int,
    path: str,
    reminder: Reminder | None = None,
    lifetime: dt.timedelta = LINK_LIFETIME,
) -> str:
    """A new single-use link for USER onto PATH; returns its full address. The lifetime is
    capped at 24 hours."""
    row, address = _unsaved_link(
        user=user, organisation_id=organisation_id, path=path, reminder=reminder, lifetime=lifetime
    )
    row.save()
    return address


def signin_link_path(token: str) -> str | None:
    """Where the link of TOKEN opened, used or not (to offer signing in onto it again)."""
    return SignInLink.objects.filter(token_hash=_hash(token)).values_list("path", flat=True).first()


def signin_link_use(token: str) -> SignInLink | None:
    """The link for TOKEN, marked used, if it was unused and alive; else None. The mark is one
    conditional UPDATE, so of two simultaneous taps only one signs in."""
    now = timezone.now()
    hashed = _hash(token)
    claimed = SignInLink.objects.filter(
        token_hash=hashed, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:
        return None
    link = SignInLink.objects.select_related("user").get(token_hash=hashed)
    audit_record(
        action=Action.SIGNIN_LINK_USE,
        organisation_id=link.organisation_id,
        actor_id=link.user_id,
        object_type="signin_link",
        object_id=link.pk,
        detail={"path": link.path},
    )
    return link


# The job -----------------------------------------------------------------------------------


@dataclass
class RunResult:
    planned: int = 0
    cancelled: int = 0
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"planned {self.planned}, cancelled {self.cancelled}, "
            f"sent {len(self.sent)}, failed {len(self.failed)}"
        )


def reminders_run(*, organisation_id: int | None = None) -> RunResult:
    """Plan, cancel and send (see the module's note). Safe to run at any time, any number of
    times, by more than one worker."""
    result = RunResult()
    due: set[tuple[int, str]] = set()
    organisations = Organisation.objects.order_by("pk")
    if organisation_id is not None:
        organisations = organisations.filter(pk=organisation_id)
    for organisation in organisations:
        # An organisation's items come due on its own day, counted on its own clock.
        with organisation_clock(organisation):
            result.planned += _plan(organisation, due)
    result.cancelled = _cancel_undue(due, organisation_id)
    _send_waiting(result, organisation_id)
    return result


def _plan(organisation: Organisation, due: set[tuple[int, str]]) -> int:
    """Write the reminders of ORGANISATION's couples that have come due and were not planned
    before; add every (partner, item) still due to DUE. The number written."""
    planned = 0
    couples = Couple.objects.filter(organisation=organisation, withdrawn_at__isnull=True).exclude(
        stage=Stage.CLOSED
    )
    today = timezone.localdate()
    last = 0
    while True:
        batch = list(
            Couple.with_people(
                couples.filter(pk__gt=last).select_related("organisation").order_by("pk")
            )[:BATCH]
        )
        if not batch:
            break
        last = batch[-1].pk
        schedules = schedules_for(batch)
        rows = []
        for couple in batch:
            partners = {p.user_id for p in couple.loaded_partners}
            for item in schedules[couple.pk]:
                if item.kind not in REMINDED:
                    continue
                for partner_id in [item.partner_id] if item.partner_id else sorted(partners):
                    due.add((partner_id, item.key))
                    if item.remind_on <= today:
                        rows.append(_planned(couple, partner_id, item))
        if rows:
            # Most due items were reminded on an earlier run: only new ones are written. The
            # unique (partner, item) pair still turns a race between two workers into nothing.
            known = set(
                Reminder.objects.filter(
                    couple_id__in=[c.pk for c in batch], due_on__gte=min(r.due_on for r in rows)
                ).values_list("partner_id", "item_key")
            )
            new = [r for r in rows if (r.partner_id, r.item_key) not in known]
            Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=BATCH)
            planned += len(new)
    return planned


def _planned(couple: Couple, partner_id: int, item: DueItem) -> Reminder:
    return Reminder(
        organisation_id=couple.organisation_id,
        couple=couple,
        partner_id=partner_id,
        item_key=item.key,
        kind=item.kind,
        due_on=item.due_on,
        subject=item.public_label,
        path=item.path,
    )


def _cancel_undue(due: set[tuple[int, str]], organisation_id: int | None) -> int:
    waiting = Reminder.objects.filter(status__in=UNSENT).select_related("couple")
    if organisation_id is not None:
        waiting = waiting.filter(organisation_id=organisation_id)
    cancelled = 0
    for reminder in waiting.only(
        "id", "partner_id", "item_key", "couple__withdrawn_at", "couple__stage"
    ):
        if reminder.couple.withdrawn_at is not None:
            reason = "withdrawn"
        elif reminder.couple.stage == Stage.CLOSED:
            reason = "closed"
        elif (reminder.partner_id, reminder.item_key) not in due:
            reason = "done"
        else:
            continue
        cancelled += Reminder.objects.filter(pk=reminder.pk, status__in=UNSENT).update(
            status=ReminderStatus.CANCELLED, cancelled_reason=reason
        )
    return cancelled


def _send_waiting(result: RunResult, organisation_id: int | None) -> None:
    """One e-mail per partner for everything waiting for them, with a link per item."""
    now = timezone.now()
    waiting = Reminder.objects.filter(status__in=UNSENT, next_attempt_at__lte=now)
    if organisation_id is not None:
        waiting = waiting.filter(organisation_id=organisation_id)
    by_partner: dict[int, list[int]] = {}
    for reminder_id, partner_id in waiting.order_by("due_on", "id").values_list("pk", "partner_id"):
        by_partner.setdefault(partner_id, []).append(reminder_id)
    for ids in by_partner.values():
        # The partner's claims and their links in one commit, before anything is sent.
        with transaction.atomic():
            live = _claim(ids)
            links = _links_for(live)
        if live:
            _send_to_partner(live, links, result)


def _claim(ids: list[int]) -> list[Reminder]:
    """The reminders of IDS this worker claimed and may send (run inside a transaction)."""
    claimed = [
        reminder_id
        for reminder_id in ids
        # Only the worker whose UPDATE changes the row sends it.
        if Reminder.objects.filter(pk=reminder_id, status__in=UNSENT).update(
            status=ReminderStatus.SENDING
        )
    ]
    live = []
    for reminder in (
        Reminder.objects.filter(pk__in=claimed)
        .select_related("partner", "couple", "organisation")
        .order_by("due_on", "id")
    ):
        if reminder.couple.withdrawn_at is not None:  # withdrew while this run planned
            Reminder.objects.filter(pk=reminder.pk).update(
                status=ReminderStatus.CANCELLED, cancelled_reason="withdrawn"
            )
        else:
            live.append(reminder)
    return live


def _links_for(reminders: list[Reminder]) -> list[str]:
    made = [
        _unsaved_link(user=r.partner, organisation_id=r.organisation_id, path=r.path, reminder=r)
        for r in reminders
    ]
    SignInLink.objects.bulk_create([row for row, _address in made])
    return [address for _row, address in made]


def _sentence(reminder: Reminder) -> str:
    if reminder.kind == Kind.SESSION:
        return _("Your next Holdspace appointment is on %(day)s.") % {
            "day": day(reminder.due_on, "l j F")
        }
    if reminder.kind == Kind.CHECKIN:
        return _("It is time to check in on a commitment.")
    return _("A questionnaire is waiting for you.")


def reminder_message(reminders: list[Reminder], links: list[str]) -> tuple[str, str]:
    """The subject and text of one partner's e-mail: the kind of each item and its link,
    nothing clinical."""
    first = reminders[0]
    name = first.partner.display_name or _("there")
    if len(reminders) == 1:
        subject = f"[Holdspace] {first.subject}"
        intro = _sentence(first)
    else:
        subject = _("[Holdspace] %(n)d things are waiting for you") % {"n": len(reminders)}
        intro = _("A few things are waiting for you in Holdspace.")
    items = "\n\n".join(
        f"{_sentence(r)}\n{link}" if len(reminders) > 1 else link
        for r, link in zip(reminders, links, strict=True)
    )
    body = _(
        "Hello %(name)s,\n\n"
        "%(intro)s\n\n"
        "Open it with one tap (each link signs you in once and works for 24 hours):\n\n"
        "%(items)s\n\n"
        "If a link has expired, sign in as usual at %(site)s and you will find it there.\n\n"
        "If you are in crisis or danger now, call your local emergency number "
        "(in the US, call or text 988). This mailbox is not watched.\n\n"
        "You get this because your care team uses Holdspace. If you did not expect it, "
        "you can ignore it."
    ) % {"name": name, "intro": intro, "items": items, "site": settings.SITE_URL}
    return subject, body


def _send_to_partner(reminders: list[Reminder], links: list[str], result: RunResult) -> None:
    ids = [r.pk for r in reminders]
    try:
        with organisation_clock(reminders[0].organisation):
            subject, body = reminder_message(reminders, links)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [reminders[0].partner.email])
    except Exception as exc:  # noqa: BLE001 - any mail failure is retried, then reported
        SignInLink.objects.filter(reminder_id__in=ids, used_at__isnull=True).delete()
        for reminder in reminders:
            attempts = reminder.attempts + 1
            Reminder.objects.filter(pk=reminder.pk).update(
                status=ReminderStatus.FAILED
                if attempts >= MAX_ATTEMPTS
                else ReminderStatus.RETRYING,
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:300],
                next_attempt_at=timezone.now() + FIRST_RETRY * 2 ** (attempts - 1),
            )
            result.failed.append(reminder.pk)
        return
    now = timezone.now()
    first = reminders[0]
    with transaction.atomic():
        Reminder.objects.filter(pk__in=ids).update(
            status=ReminderStatus.SENT, attempts=F("attempts") + 1, sent_at=now, last_error=""
        )
        result.sent.extend(ids)
        # One event per e-mail, naming each reminder it carried.
        audit_record(
            action=Action.REMINDER_SEND,
            organisation_id=first.organisation_id,
            actor_label="reminders",
            object_type="reminder",
            object_id=first.pk,
            couple_id=first.couple_id,
            detail={
                "to": first.partner_id,
                "reminders": ids,
                "kinds": sorted({r.kind for r in reminders}),
            },
        )


def reminders_cancel_for(couple: Couple, reason: str) -> int:
    """Cancel COUPLE's unsent reminders (when it withdraws, through `reminders.signals`)."""
    return Reminder.objects.filter(couple=couple, status__in=UNSENT).update(
        status=ReminderStatus.CANCELLED, cancelled_reason=reason
    )


# Calendar feeds ----------------------------------------------------------------------------


def calendar_feed_create(*, viewer: Viewer, couple: Couple) -> str:
    """A new private calendar address for this partner; any earlier one stops working. The
    address is returned once: only its hash is kept."""
    require_calendar_feed_change(viewer, couple, action="make a calendar feed for")
    if couple.withdrawn_at is not None:
        raise ValidationError({"couple": [_("This couple has withdrawn.")]})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        revoked = _revoke(viewer, couple)
        feed = CalendarFeed.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            partner=viewer.user,
            token_hash=_hash(token),
        )
        viewer.audit(Action.CALENDAR_CREATE, feed, revoked=revoked)
    return settings.SITE_URL + reverse("calendar_feed", args=[token])


def _revoke(viewer: Viewer, couple: Couple) -> int:
    return calendar_feeds_visible_to(viewer, couple).update(revoked_at=timezone.now())


def calendar_feed_revoke(*, viewer: Viewer, couple: Couple) -> int:
    require_calendar_feed_change(viewer, couple, action="revoke the calendar feed of")
    with transaction.atomic():
        revoked = _revoke(viewer, couple)
        viewer.audit(
            Action.CALENDAR_REVOKE,
            organisation_id=couple.organisation_id,
            object_type="calendar_feed",
            couple_id=couple.pk,
            revoked=revoked,
        )
    return revoked


def calendar_feed_active(*, viewer: Viewer, couple: Couple) -> CalendarFeed | None:
    return calendar_feeds_visible_to(viewer, couple).first()


def calendar_ics(token: str) -> bytes:
    """The iCalendar document of the live feed for TOKEN (a 404 for any other address). It
    lists the partner's upcoming appointments and due items by their plain labels: no clinical
    content, no names, no places. Each fetch is noted on the feed."""
    feed = get_calendar_feed_for_address(_hash(token))
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    couple = Couple.with_people(
        Couple.objects.filter(pk=feed.couple_id).select_related("organisation")
    ).get()
    cal = Calendar()
    cal.add("prodid", "-//Holdspace//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Holdspace")
    cal.add("x-published-ttl", "PT1H")
    organisation = couple.organisation
    cal.add("x-wr-timezone", organisation.tzinfo.key)
    stamp = timezone.now()
    home = settings.SITE_URL + reverse("couple_detail", args=[couple.pk])
    # Due days are the organisation's days; appointments keep its clock (TZID and VTIMEZONE).
    with organisation_clock(organisation):
        schedule = schedules_for([couple])[couple.pk]
    for item in schedule:
        if item.partner_id not in (None, feed.partner_id):
            continue
        event = Event()
        uid = hashlib.sha256((item.event_key or item.key).encode()).hexdigest()[:24]
        event.add("uid", f"{uid}@holdspace")
        event.add("dtstamp", stamp)
        event.add("summary", item.public_label)
        if item.starts_at is not None:
            starts = org_localtime(organisation, item.starts_at)
            event.add("dtstart", starts)
            ends = org_localtime(organisation, item.ends_at) if item.ends_at else None
            event.add("dtend", ends or starts + dt.timedelta(hours=1))
        else:
            event.add("dtstart", item.due_on)
            event.add("dtend", item.due_on + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        # The couple's page, not the item's: an item's address names the questionnaire.
        event.add("url", home)
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
