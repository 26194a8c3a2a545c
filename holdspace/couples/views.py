"""The couple's own pages that need no other app: adding a couple, the portal's choice of
couple, an entry, a withdrawal. The couple page and the console gather several apps: they are
built in holdspace/pages/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from holdspace.couples.forms import CoupleForm, EntryForm, VisibilityForm
from holdspace.couples.selectors import entry_read, facilitators_of, partner_couples
from holdspace.couples.services import (
    PartnerInvite,
    couple_create_with_invitations,
    couple_withdraw,
    entry_update,
)
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_console_for, get_couple_for, require_couple_create
from holdspace.policy.entries import can_change_entry, get_entry_for


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@login_required
@require_http_methods(["GET", "POST"])
def couple_new(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_console_for(viewer, request).organisation
    require_couple_create(viewer, organisation)
    form = CoupleForm(request.POST or None)
    form.fields["facilitators"].choices = [  # type: ignore[attr-defined]
        (str(m.user_id), m.user.display_name or m.user.email) for m in facilitators_of(organisation)
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            couple = couple_create_with_invitations(
                viewer=viewer,
                organisation=organisation,
                name=data["name"],
                facilitator_ids=[int(i) for i in data["facilitators"]],
                partners=(
                    PartnerInvite(data["partner_a_name"], data["partner_a_email"]),
                    PartnerInvite(data["partner_b_name"], data["partner_b_email"]),
                ),
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request, _("Couple added. Both partners have been sent an invitation.")
            )
            return redirect("couple_detail", couple_id=couple.pk)
    status = 422 if form.errors else 200
    return render(
        request,
        "couples/couple_new.html",
        {"form": form, "organisation": organisation},
        status=status,
    )


@login_required
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    couples = partner_couples(viewer=viewer)
    if len(couples) == 1:
        return redirect("couple_detail", couple_id=couples[0].pk)
    return render(request, "couples/portal_choose.html", {"couples": couples})


@login_required
@require_http_methods(["GET", "POST"])
def entry_detail(request: HttpRequest, couple_id: int, entry_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    if request.method == "POST":
        couple = get_couple_for(viewer, couple_id)
        entry = get_entry_for(viewer, couple, entry_id)
    else:
        couple, entry = entry_read(viewer=viewer, couple_id=couple_id, entry_id=entry_id)
    can_change = can_change_entry(viewer, entry)
    form = EntryForm(
        request.POST or None,
        initial={
            "kind": entry.kind,
            "visibility": entry.visibility,
            "body": entry.body,
        },
    )
    # A voice note may stand alone: its words are then optional.
    form.fields["body"].required = not entry.audio
    if request.method == "POST":
        if form.is_valid():
            try:
                entry_update(viewer=viewer, entry=entry, **form.cleaned_data)
            except ValidationError as exc:
                errors_onto(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("couple_detail", couple_id=couple.pk)
    return render(
        request,
        "couples/entry.html",
        {"couple": couple, "entry": entry, "form": form, "can_change": can_change},
        status=422 if form.errors else 200,
    )


@login_required
@post_only
def entry_visibility(request: HtmxHttpRequest, couple_id: int, entry_id: int) -> HttpResponse:
    """Change who can see an entry (HTMX swaps the entry card; plain POST redirects)."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    entry = get_entry_for(viewer, couple, entry_id)
    form = VisibilityForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            entry = entry_update(
                viewer=viewer, entry=entry, visibility=form.cleaned_data["visibility"]
            )
        except ValidationError as exc:
            error = "; ".join(m for ms in exc.message_dict.values() for m in ms)
    else:
        error = _("Choose private, team or couple.")
    if request.htmx:
        return render(
            request,
            "couples/_entry_card.html",
            {
                "entry": entry,
                "couple": couple,
                "mine": True,
                "error": error,
                "visibility_choices": VisibilityForm.base_fields["visibility"].choices,  # type: ignore[attr-defined]
                "just_saved": not error,
            },
            status=422 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Visibility changed."))
    return redirect("couple_detail", couple_id=couple.pk)


@login_required
@post_only
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
