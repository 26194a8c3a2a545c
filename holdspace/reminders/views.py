"""One-tap sign-in from a reminder, the partner's calendar feed, the staff's e-mail outbox
(reminders and safety-alert notifications), and recording a couple's withdrawal."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from holdspace.accounts.middleware import user_has_staff_role, user_has_totp
from holdspace.couples.views import _console_organisation
from holdspace.notifications.selectors import outbox_page
from holdspace.policy import (
    get_couple_for,
    outbox_scope_for,
    require_partner,
    viewer_from_request,
)
from holdspace.reminders.models import SignInLink
from holdspace.reminders.services import (
    _hash,
    calendar_feed_active,
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_ics,
    couple_withdraw,
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
        known = SignInLink.objects.filter(token_hash=_hash(token)).values_list("path", flat=True)
        path = known.first() or reverse("portal")
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
    body = calendar_ics(token)
    if body is None:
        raise Http404("No such calendar")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="holdspace.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                calendar_feed_revoke(viewer=viewer, couple=couple)
                messages.success(request, _("The calendar address no longer works."))
            else:
                request.session[_FEED_ONCE] = calendar_feed_create(viewer=viewer, couple=couple)
                messages.success(request, _("Your new calendar address is below."))
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        return redirect("calendar_settings", couple.pk)
    active = calendar_feed_active(viewer=viewer, couple=couple)
    if active is None and not couple.withdrawn_at:
        # Only a partner may have a feed; asking for the page says no to anyone else.
        require_partner(viewer, couple, action="see the calendar feed of")
    return render(
        request,
        "reminders/calendar.html",
        {
            "couple": couple,
            "active": active,
            "address": request.session.pop(_FEED_ONCE, None),
        },
    )


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """The partners' reminders and the staff's safety-alert notifications, newest first."""
    viewer = viewer_from_request(request)
    requested = request.GET.get("org", "")
    if requested.isdigit():
        # An organisation's outbox exists only for its staff: 404 for anyone else.
        outbox_scope_for(viewer, int(requested))
    organisation = _console_organisation(request, viewer)
    page = outbox_page(
        viewer=viewer,
        organisation_id=organisation.pk,
        facilitator_id=outbox_scope_for(viewer, organisation.pk),
    )
    return render(
        request,
        "reminders/outbox.html",
        {"rows": page.items, "count": page.count, "organisation": organisation},
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    try:
        couple_withdraw(viewer=viewer, couple=couple, reason=str(request.POST.get("reason", "")))
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(
            request, _("The withdrawal was recorded. No more reminders will be sent to them.")
        )
    return redirect("couple_detail", couple.pk)
