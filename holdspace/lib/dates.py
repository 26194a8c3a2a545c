"""Plausible windows for the dates and times people type in. Each service checks its own fields
with these, so the web form and the API refuse the same value with the same words; each
message names the bound it crossed."""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

# A tablet's clock a few minutes fast does not make a time "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)
# A session is recorded soon after it is held: one more than a year back is a typing mistake.
RECORD_LOOKBACK = dt.timedelta(days=365)
# Sessions are scheduled, and commitments start, at most a year ahead (or back, for a start).
PLAN_AHEAD = dt.timedelta(days=365)
COMMITMENT_LOOKBACK = dt.timedelta(days=365)
# A credential issued more than fifty years ago, or expiring more than ten years ahead, is a
# mistyped year (licences, certifications and insurance run for one to five years).
CREDENTIAL_LOOKBACK = dt.timedelta(days=round(365.25 * 50))
CREDENTIAL_AHEAD = dt.timedelta(days=round(365.25 * 10))


def day_text(day: dt.date | dt.datetime) -> str:
    """A day as people write it, "3 Nov 2026" (a datetime in the current time zone)."""
    if isinstance(day, dt.datetime):
        day = timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return dateformat.format(day, "j M Y")


def _aware(at: dt.datetime) -> dt.datetime:
    return timezone.make_aware(at) if timezone.is_naive(at) else at


def held_error(
    what: str, at: dt.datetime, *, joined: dt.datetime, now: dt.datetime | None = None
) -> str | None:
    """Why AT cannot be when WHAT ("A preparation session") was held by a couple that joined
    at JOINED, or None: not in the future, not before the day they joined, not more than a
    year ago."""
    now = now or timezone.now()
    at = _aware(at)
    if at > now + CLOCK_SKEW:
        return _("Record a session once it has been held: this time is in the future.")
    if timezone.localdate(at) < timezone.localdate(joined):
        return _("%(what)s cannot be before the couple joined on %(day)s.") % {
            "what": what,
            "day": day_text(joined),
        }
    if at < now - RECORD_LOOKBACK:
        return _("%(what)s cannot be more than a year ago (before %(day)s).") % {
            "what": what,
            "day": day_text(now - RECORD_LOOKBACK),
        }
    return None


def planned_error(what: str, at: dt.datetime, *, now: dt.datetime | None = None) -> str | None:
    """Why AT cannot be when WHAT ("An integration session") is scheduled, or None: in the
    future, and not more than a year ahead."""
    now = now or timezone.now()
    at = _aware(at)
    if at <= now:
        return _("Schedule a session in the future; record one already held.")
    if at > now + PLAN_AHEAD:
        return _("%(what)s cannot be scheduled more than a year ahead (after %(day)s).") % {
            "what": what,
            "day": day_text(now + PLAN_AHEAD),
        }
    return None


def commitment_start_error(day: dt.date, *, today: dt.date | None = None) -> str | None:
    """A commitment starts within a year either side of today."""
    today = today or timezone.localdate()
    if day < today - COMMITMENT_LOOKBACK:
        return _("A commitment cannot start more than a year ago (before %(day)s).") % {
            "day": day_text(today - COMMITMENT_LOOKBACK)
        }
    if day > today + PLAN_AHEAD:
        return _("A commitment cannot start more than a year ahead (after %(day)s).") % {
            "day": day_text(today + PLAN_AHEAD)
        }
    return None


def credential_date_errors(
    issued_on: dt.date | None, expires_on: dt.date | None, *, today: dt.date | None = None
) -> dict[str, list[str]]:
    """A credential is issued on or before today, within fifty years; it expires after it was
    issued and within ten years from today."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if issued_on is not None:
        if issued_on > today:
            errors["issued_on"] = [_("A credential cannot be issued in the future.")]
        elif issued_on < today - CREDENTIAL_LOOKBACK:
            errors["issued_on"] = [
                _("A credential cannot be issued more than 50 years ago (before %(day)s).")
                % {"day": day_text(today - CREDENTIAL_LOOKBACK)}
            ]
    if expires_on is not None:
        if issued_on is not None and expires_on < issued_on:
            errors["expires_on"] = [_("The expiry date is before the issue date.")]
        elif expires_on > today + CREDENTIAL_AHEAD:
            errors["expires_on"] = [
                _("A credential cannot expire more than 10 years ahead (after %(day)s).")
                % {"day": day_text(today + CREDENTIAL_AHEAD)}
            ]
        elif expires_on < today - CREDENTIAL_LOOKBACK:
            errors["expires_on"] = [
                _("A credential cannot have expired more than 50 years ago (before %(day)s).")
                % {"day": day_text(today - CREDENTIAL_LOOKBACK)}
            ]
    return errors
