"""The calendar page (/calendar/): a day or a week of the organisation's bookings on its clock,
by room or by facilitator, filtered by room and facilitator. A grid of columns on a desktop, a
list per day on a phone (the stylesheet turns one into the other)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from holdspace.bookings.selectors import calendar_read
from holdspace.policy.bookings import calendar_organisation
from holdspace.policy.core import viewer_from_request

VIEWS = ("week", "day")
GROUPINGS = ("room", "facilitator")


def _number(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def _date(raw: str | None) -> tuple[dt.date, str]:
    """The day asked for (today on the organisation's clock when none), and why a bad one was
    set aside."""
    text = (raw or "").strip()
    today = timezone.localdate()
    if not text:
        return today, ""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return today, _("“%(text)s” is not a date (YYYY-MM-DD): showing today.") % {
            "text": text[:40]
        }
    if not 1900 <= day.year <= 2999:
        return today, _("%(text)s is out of range: showing today.") % {"text": text[:40]}
    return day, ""


@login_required
@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = calendar_organisation(
        viewer, request.GET.get("org"), attempted="open the calendar"
    )
    day, problem = _date(request.GET.get("date"))
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "week"
    by = request.GET.get("by") if request.GET.get("by") in GROUPINGS else "room"
    if view == "week":
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=7)
        step = dt.timedelta(days=7)
    else:
        start, end, step = day, day + dt.timedelta(days=1), dt.timedelta(days=1)
    room_id = _number(request.GET.get("room"))
    facilitator_id = _number(request.GET.get("facilitator"))
    days = calendar_read(
        viewer=viewer,
        organisation=organisation,
        start=start,
        end=end,
        room_id=room_id,
        facilitator_id=facilitator_id,
    )
    return render(
        request,
        "bookings/calendar.html",
        {
            "calendar": days,
            "organisation": organisation,
            "day": day,
            "view": view,
            "by": by,
            "room_id": room_id,
            "facilitator_id": facilitator_id,
            "previous": start - step,
            "next": start + step,
            "today": timezone.localdate(),
            "last": end - dt.timedelta(days=1),
            "problem": problem,
            "keep": urlencode(
                {
                    k: v
                    for k, v in (
                        ("room", room_id),
                        ("facilitator", facilitator_id),
                        ("by", by),
                        ("org", request.GET.get("org")),
                    )
                    if v
                }
            ),
        },
        status=400 if problem else 200,
    )
