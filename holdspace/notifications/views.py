"""How a member of staff is told of safety alerts: the channel, never whether."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from holdspace.accounts.models import Organisation, Role
from holdspace.notifications import channels
from holdspace.notifications.models import Channel
from holdspace.notifications.services import (
    CHANNEL_ROLES,
    notification_preference_for,
    notification_preference_set,
)
from holdspace.policy import Viewer, deny, viewer_from_request


def _organisation(viewer: Viewer, requested: str | None) -> Organisation:
    """The organisation asked for, or the viewer's first where they are staff; a partner, a
    researcher or another organisation's staff meet a 404."""
    allowed = sorted(viewer.orgs_with(CHANNEL_ROLES))
    raw = (requested or "").strip()
    chosen = int(raw) if raw.isdigit() else (allowed[0] if allowed and not raw else None)
    if chosen is None or chosen not in allowed:
        raise deny(
            viewer,
            what="notification settings",
            object_id=raw,
            organisation_id=chosen if chosen is not None and viewer.role_in(chosen) else None,
        )
    return Organisation.objects.get(pk=chosen)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = _organisation(viewer, request.GET.get("org") or request.POST.get("org"))
    error = ""
    chosen = notification_preference_for(viewer, organisation.pk)
    if request.method == "POST":
        chosen = str(request.POST.get("channel", ""))
        try:
            notification_preference_set(viewer=viewer, organisation=organisation, channel=chosen)
        except ValidationError as exc:
            error = " ".join(m for ms in exc.message_dict.values() for m in ms)
        else:
            label = str(Channel(chosen).label)
            messages.success(
                request,
                _("Saved: you are told by %(channel)s.")
                % {"channel": label[:1].lower() + label[1:]},
            )
            return redirect(reverse("notification_settings") + f"?org={organisation.pk}")
    role = viewer.role_in(organisation.pk)
    return render(
        request,
        "notifications/settings.html",
        {
            "organisation": organisation,
            "role": role,
            "is_lead": role == Role.CLINICAL_LEAD,
            "receives_alerts": role in {Role.CLINICAL_LEAD, Role.FACILITATOR},
            "chosen": chosen,
            "choices": [(c, c.label, channels.available(c)) for c in Channel],
            "error": error,
        },
        status=422 if error else 200,
    )
