from __future__ import annotations

from django.conf import settings
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

from holdspace.accounts.forms import (
    OrganisationDetailsForm,
    RoomForm,
    RoomRenameForm,
    StaffInviteForm,
)
from holdspace.accounts.models import Organisation, suggested_time_zone
from holdspace.accounts.selectors import profile_change, room_list, team_page
from holdspace.accounts.services import (
    invitation_accept,
    invitation_lookup,
    invitation_resend,
    invitation_revoke,
    member_deactivate,
    member_reactivate,
    organisation_profile_set,
    organisation_time_zone_set,
    organisation_update,
    room_archive,
    room_create,
    room_restore,
    room_update,
    staff_invite,
)
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.lib.when import zone_names
from holdspace.policy.accounts import (
    can_set_time_zone,
    get_organisation_settings_for,
    get_organisation_time_zone_for,
    get_organisation_to_edit_for,
    landing_for,
)
from holdspace.policy.core import client_ip, viewer_from_request
from holdspace.policy.reports import can_export
from holdspace.policy.team import (
    get_member_for,
    get_room_for,
    get_staff_invitation_for,
    get_team_for,
)
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
    """The organisation page: its details, rooms, time zone and jurisdiction profile. A new
    profile is chosen in two steps: the page first says what it changes for the couples there
    are, and changes it only once that is confirmed."""
    viewer = viewer_from_request(request)
    organisation = get_organisation_settings_for(viewer, request.GET.get("org"))
    error = ""
    if request.method == "POST":
        profile = str(request.POST.get("profile", ""))
        if profile in all_profiles() and not request.POST.get("confirm"):
            change = profile_change(organisation, profile)
            if not change.same:
                return render(
                    request,
                    "accounts/profile_confirm.html",
                    {"organisation": organisation, "change": change},
                )
        try:
            organisation_profile_set(viewer=viewer, organisation=organisation, profile=profile)
        except ValidationError as exc:
            error = "; ".join(exc.message_dict.get("profile", []))
        else:
            messages.success(request, _("The profile was changed."))
            return redirect(_organisation_url(organisation))
    return _organisation_page(request, organisation, error=error)


def _organisation_url(organisation: Organisation) -> str:
    return f"{reverse('organisation_settings')}?org={organisation.pk}"


# Long because the page gathers five forms, each of which may come back refused with what was
# typed; the parts stay keyword arguments so each action passes only its own.
def _organisation_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    error: str = "",
    zone_error: str = "",
    zone_typed: str | None = None,
    details: OrganisationDetailsForm | None = None,
    room_form: RoomForm | None = None,
    rename: tuple[int, RoomRenameForm] | None = None,
) -> HttpResponse:
    viewer = viewer_from_request(request)
    edits = can_set_time_zone(viewer, organisation.pk)
    if details is None:
        details = OrganisationDetailsForm(
            initial={
                "name": organisation.name,
                "address": organisation.address,
                "phone": organisation.phone,
            }
        )
    refused = bool(
        error
        or zone_error
        or details.errors
        or (room_form is not None and room_form.errors)
        or (rename is not None and rename[1].errors)
    )
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
            "sets_time_zone": edits,
            "edits": edits,
            "details": details,
            "rooms": room_list(organisation),
            "room_form": room_form or RoomForm(),
            "rename_id": rename[0] if rename else None,
            "rename_form": rename[1] if rename else None,
        },
        status=422 if refused else 200,
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
    return redirect(_organisation_url(organisation))


@login_required
@post_only
def organisation_details(request: HttpRequest) -> HttpResponse:
    """The org admin changes the organisation's name, address and phone."""
    viewer = viewer_from_request(request)
    organisation = get_organisation_to_edit_for(
        viewer, request.GET.get("org"), what="organisation details"
    )
    form = OrganisationDetailsForm(request.POST)
    form.is_valid()
    try:
        organisation_update(
            viewer=viewer,
            organisation=organisation,
            name=form.cleaned_data.get("name", ""),
            address=form.cleaned_data.get("address", ""),
            phone=form.cleaned_data.get("phone", ""),
        )
    except ValidationError as exc:
        errors_onto(form, exc)
        return _organisation_page(request, organisation, details=form)
    messages.success(request, _("The organisation's details were saved."))
    return redirect(_organisation_url(organisation))


@login_required
@post_only
def room_add(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_organisation_to_edit_for(viewer, request.GET.get("org"), what="rooms")
    form = RoomForm(request.POST)
    form.is_valid()
    try:
        room = room_create(
            viewer=viewer,
            organisation=organisation,
            name=form.cleaned_data.get("name", ""),
            notes=form.cleaned_data.get("notes", ""),
        )
    except ValidationError as exc:
        errors_onto(form, exc)
        return _organisation_page(request, organisation, room_form=form)
    messages.success(request, _("The room %(name)s was added.") % {"name": room.name})
    return redirect(_organisation_url(organisation) + "#rooms")


@login_required
@post_only
def room_rename(request: HttpRequest, room_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_organisation_to_edit_for(viewer, request.GET.get("org"), what="rooms")
    room = get_room_for(viewer, organisation, room_id)
    form = RoomRenameForm(request.POST)
    form.is_valid()
    try:
        room_update(viewer=viewer, room=room, name=form.cleaned_data.get("name", ""))
    except ValidationError as exc:
        errors_onto(form, exc)
        return _organisation_page(request, organisation, rename=(room.pk, form))
    messages.success(request, _("The room is now called %(name)s.") % {"name": room.name})
    return redirect(_organisation_url(organisation) + "#rooms")


@login_required
@post_only
def room_archive_view(request: HttpRequest, room_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_organisation_to_edit_for(viewer, request.GET.get("org"), what="rooms")
    room = room_archive(viewer=viewer, room=get_room_for(viewer, organisation, room_id))
    messages.success(
        request,
        _("%(name)s was archived: it is no longer offered for new bookings.") % {"name": room},
    )
    return redirect(_organisation_url(organisation) + "#rooms")


@login_required
@post_only
def room_restore_view(request: HttpRequest, room_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_organisation_to_edit_for(viewer, request.GET.get("org"), what="rooms")
    room = room_restore(viewer=viewer, room=get_room_for(viewer, organisation, room_id))
    messages.success(request, _("%(name)s is offered for bookings again.") % {"name": room})
    return redirect(_organisation_url(organisation) + "#rooms")


# The Team page ------------------------------------------------------------------------------


def _team_url(organisation: Organisation) -> str:
    return f"{reverse('team')}?org={organisation.pk}"


@login_required
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    """The org admin's Team page: members, pending invitations, and inviting someone."""
    organisation = get_team_for(viewer_from_request(request), request.GET.get("org"))
    return _team_page(request, organisation, StaffInviteForm(initial={"role": "facilitator"}))


def _team_page(
    request: HttpRequest, organisation: Organisation, form: StaffInviteForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "accounts/team.html",
        {
            "page": team_page(organisation),
            "organisation": organisation,
            "form": form,
            "now": timezone.now(),
            "me": request.user.pk,
            "hours": settings.INVITATION_VALID_HOURS,
        },
        status=status,
    )


@login_required
@post_only
def team_invite(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_team_for(viewer, request.GET.get("org"))
    form = StaffInviteForm(request.POST)
    form.is_valid()
    try:
        invitation, _link = staff_invite(
            viewer=viewer,
            organisation=organisation,
            email=form.cleaned_data.get("email", ""),
            role=str(request.POST.get("role", "")),
            display_name=form.cleaned_data.get("display_name", ""),
        )
    except ValidationError as exc:
        errors_onto(form, exc)
        return _team_page(request, organisation, form, status=422)
    messages.success(
        request,
        _("%(email)s was invited as %(role)s.")
        % {"email": invitation.email, "role": invitation.get_role_display()},
    )
    return redirect(_team_url(organisation))


def _member_action(request: HttpRequest, membership_id: int, *, reactivate: bool) -> HttpResponse:
    viewer = viewer_from_request(request)
    membership = get_member_for(viewer, membership_id)
    try:
        if reactivate:
            member_reactivate(viewer=viewer, membership=membership)
            messages.success(
                request, _("%(name)s can work here again.") % {"name": membership.user}
            )
        else:
            member_deactivate(viewer=viewer, membership=membership)
            messages.success(
                request,
                _("%(name)s was deactivated and signed out; their records are kept.")
                % {"name": membership.user},
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_team_url(membership.organisation))


@login_required
@post_only
def member_deactivate_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _member_action(request, membership_id, reactivate=False)


@login_required
@post_only
def member_reactivate_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _member_action(request, membership_id, reactivate=True)


@login_required
@post_only
def team_invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    invitation = get_staff_invitation_for(viewer, invitation_id)
    try:
        invitation, _link = invitation_resend(viewer=viewer, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("A new link was sent to %(email)s.") % {"email": invitation.email}
        )
    return redirect(_team_url(invitation.organisation))


@login_required
@post_only
def team_invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    invitation = get_staff_invitation_for(viewer, invitation_id)
    try:
        invitation_revoke(viewer=viewer, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s was revoked.") % {"email": invitation.email},
        )
    return redirect(_team_url(invitation.organisation))
