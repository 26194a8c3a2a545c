from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext, gettext_lazy

from holdspace.accounts.models import STAFF_ROLES, Membership, User
from holdspace.accounts.zones import activate_for_request
from holdspace.policy.accounts import mfa_required
from holdspace.policy.core import client_ip, viewer_for, viewer_from_request
from holdspace.policy.team import is_deactivated_everywhere

_STARTED = "holdspace_session_started"
_SEEN = "holdspace_session_seen"
TOUCH_SECONDS = 60


class ViewerMiddleware:
    """Sets `request.viewer` (the policy's Viewer) for a signed-in person, built on first use, so
    web views and API endpoints reach the policy the same way. A bearer token's check sets it
    again for that token's person."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            request.viewer = SimpleLazyObject(  # type: ignore[attr-defined]
                lambda: viewer_for(request.user, client_ip(request))  # type: ignore[arg-type]
            )
        return self.get_response(request)


class DeactivatedSignOutMiddleware:
    """Signs out, on their next request, a signed-in person an org admin has deactivated in
    every organisation they belong to (after MessageMiddleware, to tell them why)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            viewer = viewer_from_request(request)
            if not viewer.roles and is_deactivated_everywhere(request.user):
                logout(request)
                messages.error(request, deactivated_message())
                return redirect(reverse("account_login"))
        return self.get_response(request)


def deactivated_message() -> str:
    return gettext(
        "Your access to Holdspace was deactivated by your organisation's admin. Ask them to "
        "reactivate it if you still work there."
    )


class SessionLifetimeMiddleware:
    """Ends a session after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after
    sign-in however active it has been.

    The idle expiry is the session's age (SESSION_COOKIE_AGE), which restarts whenever the
    session is saved; saving it when it was last saved over a minute ago keeps the idle
    limit accurate to a minute without a database write on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(_STARTED)
            now = int(time.time())
            if started is None:
                request.session[_STARTED] = now
            elif now - int(started) > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                return redirect(reverse("account_login"))
            if now - int(request.session.get(_SEEN, 0)) >= TOUCH_SECONDS:
                request.session[_SEEN] = now
        return self.get_response(request)


def user_has_staff_role(user: Any) -> bool:
    return Membership.objects.filter(user=user, role__in=STAFF_ROLES).exists()


def user_has_totp(user: Any) -> bool:
    return bool(Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists())


# Set once a member of staff has an authenticator app: they cannot remove it (MFAAdapter).
_MFA_OK = "holdspace_mfa_ok"
# What a member of staff still without an authenticator app may open: its set-up (and the
# password check allauth may ask first), signing out, and the static files those pages use.
_SET_UP_PAGES = ("mfa_activate_totp", "mfa_reauthenticate", "account_reauthenticate")
_SET_UP_PREFIXES = ("/static/", "/healthz")


class RequireStaffMFAMiddleware:
    """Outside demo mode, staff (`policy.accounts.mfa_required`) set up an authenticator app
    before they reach anything else: every page leads to its set-up. Partners are not asked
    (they may set one up from the Security page). API calls with a token are the token's
    business; the browser's own calls to the API are refused until the set-up is done."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.session.get(_MFA_OK):
            refusal = self._before_set_up(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _before_set_up(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.startswith(_SET_UP_PREFIXES) or request.path in _set_up_paths():
            return None
        if request.path.startswith("/api/") and "HTTP_AUTHORIZATION" in request.META:
            return None
        if not mfa_required(viewer_from_request(request)):
            return None
        if user_has_totp(request.user):
            request.session[_MFA_OK] = True
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _NEEDS_SET_UP}, status=403)
        messages.info(request, _NEEDS_SET_UP)
        return redirect("mfa_activate_totp")


_NEEDS_SET_UP = gettext_lazy(
    "Staff accounts sign in with an authenticator app as well as a password. Set it up once "
    "here; then you go on to your page."
)


def _set_up_paths() -> set[str]:
    return {reverse(name) for name in (*_SET_UP_PAGES, "account_logout")}


class OrganisationTimeZoneMiddleware:
    """Shows, parses and counts days in the zone of the organisation the request is about, for
    a signed-in person (the API's token authentication does the same for its callers), and
    turns it off once the response is made, so no zone outlives its request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        if isinstance(request.user, User):
            activate_for_request(request, request.user)
        return None
