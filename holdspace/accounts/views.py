from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.accounts.models import Organisation, suggested_time_zone
from holdspace.accounts.services import (
    invitation_accept,
    invitation_lookup,
    organisation_profile_set,
    organisation_time_zone_set,
)
from holdspace.lib.http import post_only
from holdspace.lib.when import zone_names
from holdspace.policy.accounts import (
    can_set_time_zone,
    get_organisation_settings_for,
    get_organisation_time_zone_for,
    landing_for,
)
from holdspace.policy.core import client_ip, viewer_from_request
from holdspace.policy.reports import can_export
from holdspace.screening.profiles import all_profiles


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    viewer = viewer_from_request(request)
    landing = landing_for(viewer)
    if landing:
        return redirect(landing)
    exporter = any(can_export(viewer, org) for org in viewer.roles)
    return render(request, "accounts/no_access.html", {"can_export": exporter}, status=200)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = invitation_lookup(token)  # 404 when used, expired or unknown
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        password = request.POST.get("password", "")
        if password != request.POST.get("password_again", ""):
            errors["password_again"] = ["The two passwords are not the same."]
        else:
            try:
                user = invitation_accept(raw=token, password=password, ip=client_ip(request))
            except ValidationError as exc:
                errors = exc.message_dict
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("home")
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": found, "errors": errors},
        status=422 if errors else 200,
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 in the caller's language: JSON under /api/, the calm page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found"}, status=404)
    return render(request, "404.html", status=404)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001  (any failure means the database is not usable)
        return JsonResponse(
            {"status": "error", "database": str(exc.__class__.__name__)}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_settings(request: HttpRequest) -> HttpResponse:
    """The org admin or clinical lead chooses the organisation's jurisdiction profile."""
    viewer = viewer_from_request(request)
    organisation = get_organisation_settings_for(viewer, request.GET.get("org"))
    error = ""
    if request.method == "POST":
        try:
            organisation_profile_set(
                viewer=viewer, organisation=organisation, profile=str(request.POST.get("profile"))
            )
        except ValidationError as exc:
            error = "; ".join(exc.message_dict.get("profile", []))
        else:
            messages.success(request, _("The profile was changed."))
            return redirect(f"{request.path}?org={organisation.pk}")
    return _organisation_page(request, organisation, error=error)


def _organisation_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    error: str = "",
    zone_error: str = "",
    zone_typed: str | None = None,
) -> HttpResponse:
    viewer = viewer_from_request(request)
    return render(
        request,
        "accounts/organisation.html",
        {
            "organisation": organisation,
            "profiles": all_profiles(),
            "error": error,
            "zone_error": zone_error,
            "zone_typed": organisation.time_zone if zone_typed is None else zone_typed,
            "zone_names": sorted(zone_names()),
            "suggested_zone": suggested_time_zone(organisation.profile),
            "zone_now": timezone.localtime(timezone.now(), organisation.tzinfo),
            "sets_time_zone": can_set_time_zone(viewer, organisation.pk),
        },
        status=422 if error or zone_error else 200,
    )


@login_required
@post_only
def organisation_time_zone(request: HttpRequest) -> HttpResponse:
    """The org admin sets the organisation's time zone."""
    viewer = viewer_from_request(request)
    organisation = get_organisation_time_zone_for(viewer, request.GET.get("org"))
    typed = str(request.POST.get("time_zone", ""))
    try:
        organisation_time_zone_set(viewer=viewer, organisation=organisation, time_zone=typed)
    except ValidationError as exc:
        problem = "; ".join(exc.message_dict.get("time_zone", []))
        return _organisation_page(request, organisation, zone_error=problem, zone_typed=typed)
    messages.success(
        request,
        _("Times are now shown and typed in %(zone)s.") % {"zone": organisation.time_zone},
    )
    return redirect(f"{reverse('organisation_settings')}?org={organisation.pk}")
