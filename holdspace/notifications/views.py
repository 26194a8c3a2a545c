"""How a member of staff is told of safety alerts (the channel, never whether), and the staff's
e-mail outbox: the partners' reminders and the safety-alert notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.notifications import channels
from holdspace.notifications.models import Channel
from holdspace.notifications.selectors import outbox_page
from holdspace.notifications.services import (
    notification_preference_for,
    notification_preference_set,
)
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import CONSOLE_ORGANISATION
from holdspace.policy.notifications import (
    AlertDuty,
    alert_duty,
    get_notification_settings_for,
    get_outbox_for,
)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_notification_settings_for(
        viewer, request.GET.get("org") or request.POST.get("org")
    )
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
    duty = alert_duty(viewer, organisation.pk)
    return render(
        request,
        "notifications/settings.html",
        {
            "organisation": organisation,
            "is_lead": duty == AlertDuty.EVERY_COUPLE,
            "receives_alerts": duty != AlertDuty.NONE,
            "chosen": chosen,
            "choices": [(c, c.label, channels.available(c)) for c in Channel],
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """The partners' reminders and the staff's safety-alert notifications, newest first: of
    `?org=`, else of the organisation whose console the viewer looked at last."""
    viewer = viewer_from_request(request)
    organisation = get_outbox_for(
        viewer, request.GET.get("org") or request.session.get(CONSOLE_ORGANISATION)
    )
    page = outbox_page(viewer=viewer, organisation_id=organisation.pk)
    return render(
        request,
        "reminders/outbox.html",
        {"rows": page.items, "count": page.count, "organisation": organisation},
    )
