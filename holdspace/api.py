"""The JSON API at /api/v1, with bearer tokens and the same policy as the web UI.

Every error answers `{"detail": …}` (docs/api.md, "Answers"): a sentence, or for invalid input
(422) the list of problems."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import Throttled
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle

from holdspace.accounts.api import organisation_router
from holdspace.accounts.api import router as accounts_router
from holdspace.accounts.services import api_token_user
from holdspace.accounts.zones import activate_for_request
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record
from holdspace.bookings.api import router as calendar_router
from holdspace.bookings.services import BookingConflict
from holdspace.couples.api import router as couples_router
from holdspace.facilitators.api import router as facilitators_router
from holdspace.integration.api import router as integration_router
from holdspace.integration.journal.api import router as journal_router
from holdspace.inventory.api import router as inventory_router
from holdspace.inventory.services import LotNumberTaken
from holdspace.measures.api import responses_router
from holdspace.measures.api import router as instruments_router
from holdspace.notifications.api import router as outbox_router
from holdspace.pages.today.api import router as today_router
from holdspace.policy.core import client_ip, viewer_for
from holdspace.preparation.api import router as preparation_router
from holdspace.preparation.signatures.api import router as signatures_router
from holdspace.readings.api import router as readings_router
from holdspace.reports.progress.api import router as progress_router
from holdspace.reports.regulator.api import router as regulator_router
from holdspace.reports.regulator.colorado.api import router as colorado_log_router
from holdspace.screening.api import router as screening_router
from holdspace.sessions.api import couple_router as session_scheduling_router
from holdspace.sessions.api import router as sessions_router

logger = logging.getLogger(__name__)


class FailedTokens(SimpleRateThrottle):
    """Failed bearer tokens from one client address, in django-ninja's throttle and the shared
    `throttle` cache (every server process counts together). Only failures count: once an
    address has had `API_TOKEN_FAILURE_LIMIT` in `API_TOKEN_FAILURE_WINDOW_SECONDS`, every bearer
    request from it, right token or wrong, answers 429 until the oldest failure leaves the
    window, so guessing tokens there learns nothing. One instance a request (it keeps state)."""

    scope = "failed_token"

    def __init__(self) -> None:
        super().__init__(
            rate=f"{settings.API_TOKEN_FAILURE_LIMIT}/{settings.API_TOKEN_FAILURE_WINDOW_SECONDS}s"
        )
        self.cache = caches["throttle"]

    def get_cache_key(self, request: HttpRequest) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}

    def exhausted(self, request: HttpRequest) -> bool:
        """Whether the address has used up its failures; counts nothing."""
        self.key = self.get_cache_key(request)
        self.now = time.time()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]  # type: ignore[operator]
        return len(self.history) >= self.num_requests  # type: ignore[operator]

    def seconds_left(self) -> int:
        """After `exhausted`: until the oldest failure leaves the window."""
        left: float = self.history[-1] + self.duration - self.now  # type: ignore[operator]
        return max(1, math.ceil(left))

    def count_failure(self, request: HttpRequest) -> None:
        self.allow_request(request)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        failures = FailedTokens()
        if failures.exhausted(request):
            raise Throttled(wait=failures.seconds_left())
        user = api_token_user(token)
        if user is None:
            failures.count_failure(request)
            audit_record(
                action=Action.AUTH_TOKEN_FAILED,
                organisation_id=None,
                actor_label="api token",
                ip=client_ip(request),
            )
            return None
        request.viewer = viewer_for(user, client_ip(request))  # type: ignore[attr-defined]
        # The caller's organisation's clock: naive times sent are read in it, days counted in it.
        activate_for_request(request, user)
        return user


class SignedInBrowser(SessionAuth):
    """The browser's own scripts (the live console) call the API with the signed-in session,
    CSRF-checked; ViewerMiddleware has set `request.viewer` and the organisation's clock.
    A request without a signed-in session is left to the other methods (401 if none)."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


api = NinjaAPI(
    title="Holdspace API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    description=(
        "Every request carries `Authorization: Bearer TOKEN` (a token from "
        "`holdspace api-token EMAIL`). A record the caller may not see answers 404, exactly "
        "like one that does not exist."
    ),
)
api.add_router("/", accounts_router)
api.add_router("/organisation", organisation_router)
api.add_router("/couples", couples_router)
api.add_router("/instruments", instruments_router)
api.add_router("/couples", responses_router)
api.add_router("/couples", screening_router)
api.add_router("/couples", preparation_router)
api.add_router("/couples", signatures_router)
api.add_router("/couples", session_scheduling_router)
# The live console posts its events with the signed-in session: bearer tokens or the session.
api.add_router("/sessions", sessions_router, auth=[BearerToken(), SignedInBrowser()])
api.add_router("/", facilitators_router)
api.add_router("/", integration_router)
api.add_router("/", journal_router)
api.add_router("/", readings_router)
api.add_router("/", progress_router)
api.add_router("/", colorado_log_router)
api.add_router("/", regulator_router)
api.add_router("/", outbox_router)
api.add_router("/", today_router)
api.add_router("/", calendar_router)
api.add_router("/inventory", inventory_router)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(SchemaValidationError)
def _schema_invalid(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    """Invalid input as the schema finds it: each problem's place, reason and type, as the
    services' own refusals give them (pydantic's `ctx` repeats what `msg` says)."""
    detail = [{key: problem[key] for key in ("loc", "msg", "type")} for problem in exc.errors]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = api.create_response(request, {"detail": "Too many requests"}, status=429)
    if exc.wait is not None:
        response["Retry-After"] = str(math.ceil(exc.wait))
    return response


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug answers 500 in the same shape, logged with its traceback and announced as Django
    announces its own (error reporters and the test client hear of it); DEBUG keeps Django's
    page."""
    if settings.DEBUG:
        raise exc
    logger.error("API error on %s", request.path, exc_info=exc)
    got_request_exception.send(sender=None, request=request)
    return api.create_response(request, {"detail": "Server error"}, status=500)


@api.exception_handler(BookingConflict)
def _booked(request: HttpRequest, exc: BookingConflict) -> HttpResponse:
    """A room or facilitator already held then: 409 naming the conflict."""
    return api.create_response(request, {"detail": exc.message}, status=409)


@api.exception_handler(LotNumberTaken)
def _lot_number_taken(request: HttpRequest, exc: LotNumberTaken) -> HttpResponse:
    """A lot number already in the organisation's ledger: 409 naming it."""
    return api.create_response(request, {"detail": exc.message}, status=409)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Service-level validation answers 422 in the same shape as schema validation."""
    where: dict[str, list[str]] = (
        exc.message_dict if hasattr(exc, "error_dict") else {"": list(exc.messages)}
    )
    detail = [
        {
            "loc": ["body", "payload", field] if field else ["body", "payload"],
            "msg": message,
            "type": "value_error",
        }
        for field, messages in where.items()
        for message in messages
    ]
    return api.create_response(request, {"detail": detail}, status=422)
