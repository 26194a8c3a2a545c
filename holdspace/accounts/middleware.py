from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from holdspace.accounts.models import STAFF_ROLES, Membership, User
from holdspace.accounts.zones import activate_for_request
from holdspace.policy.core import client_ip, viewer_for

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


class RequireStaffMFAMiddleware:
    """Outside demo mode, staff must set up TOTP before they reach anything else."""

    _ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not settings.DEMO_MODE
            and request.user.is_authenticated
            and not request.path.startswith(self._ALLOWED_PREFIXES)
            and not request.session.get("holdspace_mfa_ok")
        ):
            if user_has_staff_role(request.user) and not user_has_totp(request.user):
                messages.info(
                    request,
                    _(
                        "Staff accounts need two-factor authentication. Set it up once with an "
                        "authenticator app; then you will go on to your page."
                    ),
                )
                return redirect(reverse("mfa_activate_totp") + "?next=" + request.path)
            request.session["holdspace_mfa_ok"] = True
        return self.get_response(request)


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
