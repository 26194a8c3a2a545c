"""The couple's own pages that need no other app: adding a couple, the portal's choice of
couple, an entry, a withdrawal. The couple page and the console gather several apps: they are
built in holdspace/pages/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from holdspace.accounts.services import invitation_revoke as revoke_invitation
from holdspace.couples.forms import (
    CoupleEditForm,
    CoupleForm,
    EntryForm,
    InvitationEmailForm,
    PartnerInviteForm,
    ReplyForm,
    VisibilityForm,
)
from holdspace.couples.models import Couple, Entry
from holdspace.couples.selectors import (
    care_team_candidates,
    couple_still_seen,
    entry_read,
    invitations_page,
    partner_couples,
)
from holdspace.couples.services import (
    PartnerElsewhere,
    PartnerInvite,
    couple_create_with_invitations,
    couple_update,
    couple_withdraw,
    entry_mark_team_read,
    entry_reply,
    entry_update,
    partner_invitation_resend,
    partner_invite,
)
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import (
    couple_access_for,
    get_console_for,
    get_couple_for,
    get_partner_invitation_for,
    require_couple_create,
    require_couple_edit,
)
from holdspace.policy.entries import can_change_entry, can_reply_to_entry, get_entry_for


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@login_required
@require_http_methods(["GET", "POST"])
def couple_new(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = get_console_for(viewer, request).organisation
    require_couple_create(viewer, organisation)
    form = CoupleForm(request.POST or None)
    form.fields["facilitators"].choices = _care_team_choices(organisation.pk)  # type: ignore[attr-defined]
    warnings: list[str] = []
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
                confirm=data["confirm"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        except PartnerElsewhere as warning:
            warnings = [
                f"{form.fields[field].label}: {warning.warning_for(field)}"
                for field in sorted(warning.found)
            ]
        else:
            messages.success(
                request, _("Couple added. Both partners have been sent an invitation.")
            )
            return redirect("couple_detail", couple_id=couple.pk)
    status = 422 if form.errors else (409 if warnings else 200)
    return render(
        request,
        "couples/couple_new.html",
        {"form": form, "organisation": organisation, "warnings": warnings},
        status=status,
    )


def _care_team_choices(organisation_id: int) -> list[tuple[str, str]]:
    return [
        (str(m.user_id), m.user.display_name or m.user.email)
        for m in care_team_candidates(organisation_id)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def couple_edit(request: HttpRequest, couple_id: int) -> HttpResponse:
    """The couple's name and care team; a refused change shows the page again with the
    problems beside the fields and what was chosen."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_couple_edit(viewer, couple)
    current = [str(m.user_id) for m in couple.loaded_care_team]
    form = CoupleEditForm(request.POST or None, initial={"name": couple.name, "care_team": current})
    form.fields["care_team"].choices = _care_team_choices(couple.organisation_id)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            couple_update(
                viewer=viewer,
                couple=couple,
                name=form.cleaned_data["name"],
                facilitator_ids=[int(i) for i in form.cleaned_data["care_team"]],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Saved."))
            if couple_still_seen(viewer, couple):
                return redirect("couple_detail", couple_id=couple.pk)
            return redirect("console")
    return render(
        request,
        "couples/couple_edit.html",
        {"form": form, "couple": couple},
        status=422 if form.errors else 200,
    )


# Partner invitations ----------------------------------------------------------------------


def _invitations_page(
    request: HttpRequest, couple_id: int, *, status: int = 200, **failed: object
) -> HttpResponse:
    """The couple's partner invitations; FAILED says which form was refused, with what was
    typed and why (`invite_form`, or `failed_id` with `email_form`)."""
    viewer = viewer_from_request(request)
    page = invitations_page(viewer=viewer, couple_id=couple_id)
    context: dict[str, object] = {
        "couple": page.couple,
        "page": page,
        "invite_form": PartnerInviteForm(),
        **failed,
    }
    return render(request, "couples/invitations.html", context, status=status)


@login_required
@require_GET
def invitations(request: HttpRequest, couple_id: int) -> HttpResponse:
    return _invitations_page(request, couple_id)


@login_required
@post_only
def invitation_new(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    form = PartnerInviteForm(request.POST)
    warning = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            partner_invite(
                viewer=viewer,
                couple=couple,
                email=data["email"],
                display_name=data["display_name"],
                confirm=data["confirm"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        except PartnerElsewhere as found:
            warning = found.warning_for("email")
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": data["email"]})
            return redirect("couple_invitations", couple_id=couple.pk)
    return _invitations_page(
        request,
        couple_id,
        status=409 if warning else 422,
        invite_form=form,
        invite_warning=warning,
    )


@login_required
@post_only
def invitation_resend(request: HttpRequest, couple_id: int, invitation_id: int) -> HttpResponse:
    """Send again, to the same address or (when the form carries one) a corrected one."""
    viewer = viewer_from_request(request)
    invitation = get_partner_invitation_for(
        viewer, get_couple_for(viewer, couple_id), invitation_id
    )
    correcting = "email" in request.POST
    form = InvitationEmailForm(request.POST)
    warning = ""
    if not correcting or form.is_valid():
        try:
            sent, _link = partner_invitation_resend(
                viewer=viewer,
                invitation=invitation,
                email=form.cleaned_data["email"] if correcting else None,
                confirm=bool(form.cleaned_data.get("confirm")) if correcting else False,
            )
        except ValidationError as exc:
            if not correcting:
                messages.error(request, " ".join(exc.messages))
                return redirect("couple_invitations", couple_id=couple_id)
            errors_onto(form, exc)
        except PartnerElsewhere as found:
            warning = found.warning_for("email")
        else:
            messages.success(
                request, _("A new link was sent to %(email)s.") % {"email": sent.email}
            )
            return redirect("couple_invitations", couple_id=couple_id)
    return _invitations_page(
        request,
        couple_id,
        status=409 if warning else 422,
        failed_id=invitation.pk,
        email_form=form,
        email_warning=warning,
    )


@login_required
@post_only
def invitation_revoke(request: HttpRequest, couple_id: int, invitation_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    invitation = get_partner_invitation_for(
        viewer, get_couple_for(viewer, couple_id), invitation_id
    )
    try:
        revoke_invitation(viewer=viewer, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The invitation to %(email)s was revoked: its link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("couple_invitations", couple_id=couple_id)


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
        entry_mark_team_read(viewer=viewer, entry=entry)
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
                return redirect("journal", couple.pk)
    return _entry_page(request, couple, entry, form=form, can_change=can_change)


def _entry_page(
    request: HttpRequest,
    couple: Couple,
    entry: Entry,
    *,
    form: EntryForm | None = None,
    can_change: bool = False,
    reply_form: ReplyForm | None = None,
) -> HttpResponse:
    viewer = viewer_from_request(request)
    failed = bool((form and form.errors) or (reply_form and reply_form.errors))
    return render(
        request,
        "couples/entry.html",
        {
            "couple": couple,
            "entry": entry,
            "form": form,
            "can_change": can_change,
            "can_reply": can_reply_to_entry(viewer, entry),
            "reply_form": reply_form or ReplyForm(),
            "viewer_is_partner": couple_access_for(viewer, couple).is_partner,
        },
        status=422 if failed else 200,
    )


@login_required
@post_only
def reply_new(request: HttpRequest, couple_id: int, entry_id: int) -> HttpResponse:
    """The care team replies beneath an entry; back to where they wrote it (the couple page or
    the entry), or the entry page again with the problem and what was typed."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    entry = get_entry_for(viewer, couple, entry_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            entry_reply(viewer=viewer, entry=entry, body=form.cleaned_data["body"])
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Reply sent."))
            if request.POST.get("back") == "couple":
                return redirect(reverse("couple_detail", args=[couple.pk]) + f"#entry-{entry.pk}")
            return redirect("entry_detail", couple_id=couple.pk, entry_id=entry.pk)
    return _entry_page(request, couple, entry, reply_form=form)


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
    return redirect("journal", couple.pk)


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
