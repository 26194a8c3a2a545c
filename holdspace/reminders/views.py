"""One-tap sign-in from a reminder, and the partner's calendar feed."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.accounts.middleware import user_has_staff_role, user_has_totp
from holdspace.lib.http import post_only
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.reminders import require_calendar_page
from holdspace.reminders.services import (
    calendar_feed_active,
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_ics,
    signin_link_path,
    signin_link_use,
)

_FEED_ONCE = "holdspace_calendar_address"


@never_cache
@require_http_methods(["GET", "POST"])
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a page that continues by itself (a POST from a script), so that mail scanners
    which fetch links do not spend a single-use link; POST signs in and opens the item."""
    if request.method == "GET":
        return render(request, "reminders/signin_link.html", {"token": token})
    link = signin_link_use(token)
    if link is None:
        path = signin_link_path(token) or reverse("portal")
        login_url = reverse("account_login") + "?" + urlencode({"next": path})
        return render(
            request, "reminders/signin_link_dead.html", {"login_url": login_url}, status=410
        )
    user = link.user
    if not user.is_active or user_has_staff_role(user) or user_has_totp(user):
        # Accounts with a second step, and staff, sign in the usual way.
        return redirect(reverse("account_login") + "?" + urlencode({"next": link.path}))
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    if not request.user.is_authenticated:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(link.path)


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    response = HttpResponse(calendar_ics(token), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="holdspace.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def calendar_settings(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    active = calendar_feed_active(viewer=viewer, couple=couple)
    require_calendar_page(viewer, couple, has_feed=active is not None)
    return render(
        request,
        "reminders/calendar.html",
        {
            "couple": couple,
            "active": active,
            "address": request.session.pop(_FEED_ONCE, None),
        },
    )


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))


@login_required
@post_only
def calendar_create(request: HttpRequest, couple_id: int) -> HttpResponse:
    """A new calendar address, shown once on the page it returns to."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    try:
        request.session[_FEED_ONCE] = calendar_feed_create(viewer=viewer, couple=couple)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Your new calendar address is below."))
    return redirect("calendar_settings", couple.pk)


@login_required
@post_only
def calendar_revoke(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    try:
        calendar_feed_revoke(viewer=viewer, couple=couple)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The calendar address no longer works."))
    return redirect("calendar_settings", couple.pk)
