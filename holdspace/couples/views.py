from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from holdspace.accounts.models import STAFF_ROLES, Membership, Organisation, Role
from holdspace.accounts.services import invitation_create
from holdspace.couples.forms import CoupleForm, EntryForm, VisibilityForm
from holdspace.couples.models import Couple, Stage
from holdspace.couples.selectors import couple_list, couple_page, entry_read, partner_couples
from holdspace.couples.services import couple_create, entry_create, entry_update
from holdspace.facilitators.selectors import sessions_at_risk
from holdspace.integration.selectors import couple_commitments
from holdspace.lib.forms import errors_onto
from holdspace.measures.models import Timepoint
from holdspace.measures.selectors import (
    administrable_instruments,
    couple_measures,
    open_alerts,
    overdue_by_couple,
)
from holdspace.policy import (
    Viewer,
    can_change_entry,
    can_invite,
    get_couple_for,
    get_entry_for,
    viewer_from_request,
)
from holdspace.readings.selectors import couple_readings
from holdspace.screening.selectors import screenings_awaiting_decision

_CONSOLE_ROLES = STAFF_ROLES - {Role.RESEARCHER}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _console_organisation(request: HttpRequest, viewer: Viewer) -> Organisation:
    """The organisation whose console the viewer is looking at (they may belong to several)."""
    allowed = viewer.orgs_with(_CONSOLE_ROLES)
    if not allowed:
        raise Http404("No console for this account")
    wanted = request.GET.get("org") or request.session.get("holdspace_org")
    try:
        chosen = int(wanted) if wanted is not None else allowed[0]
    except ValueError:
        chosen = allowed[0]
    if chosen not in allowed:
        chosen = allowed[0]
    if request.session.get("holdspace_org") != chosen:  # a write only when it changes
        request.session["holdspace_org"] = chosen
    return Organisation.objects.get(pk=chosen)


@login_required
@require_GET
def console(request: HtmxHttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = _console_organisation(request, viewer)
    try:
        page_number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page_number = 1
    search = request.GET.get("q", "")[:100]
    page = couple_list(
        viewer=viewer, organisation_id=organisation.pk, search=search, page=page_number
    )
    organisations = Organisation.objects.filter(pk__in=viewer.orgs_with(_CONSOLE_ROLES))
    context = {
        "organisation": organisation,
        "organisations": organisations,
        "page": page,
        "search": search,
        "stages": Stage,
        "can_add_couple": can_invite(viewer, organisation.pk),
        "role": viewer.role_in(organisation.pk),
        "alerts": []
        if request.htmx
        else open_alerts(viewer=viewer, organisation_id=organisation.pk),
        # Screenings that need a clinical lead's decision (none for roles without screenings).
        "awaiting": []
        if request.htmx
        else screenings_awaiting_decision(viewer=viewer, organisation_id=organisation.pk),
        "overdue": overdue_by_couple(
            viewer=viewer, organisation=organisation, couple_ids=[c.id for c in page]
        ),
        # Sessions whose facilitators' credentials lapse before the day: the care roles only.
        "at_risk": []
        if request.htmx
        or viewer.role_in(organisation.pk) not in {Role.CLINICAL_LEAD, Role.FACILITATOR}
        else sessions_at_risk(
            organisation,
            care_team_of=None
            if viewer.role_in(organisation.pk) == Role.CLINICAL_LEAD
            else viewer.user.pk,
        ),
    }
    template = "couples/_couple_rows.html" if request.htmx else "couples/console.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def couple_new(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = _console_organisation(request, viewer)
    if not can_invite(viewer, organisation.pk):
        raise Http404("No such page")
    facilitators = Membership.objects.filter(
        organisation=organisation, role=Role.FACILITATOR
    ).select_related("user")
    form = CoupleForm(request.POST or None)
    form.fields["facilitators"].choices = [  # type: ignore[attr-defined]
        (str(m.user_id), m.user.display_name or m.user.email) for m in facilitators
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                couple = couple_create(
                    viewer=viewer,
                    organisation=organisation,
                    name=data["name"],
                    facilitator_ids=[int(i) for i in data["facilitators"]],
                )
                for slot in ("a", "b"):
                    try:
                        invitation_create(
                            viewer=viewer,
                            organisation=organisation,
                            couple=couple,
                            email=data[f"partner_{slot}_email"],
                            display_name=data[f"partner_{slot}_name"],
                        )
                    except ValidationError as exc:
                        # Name the form's field for this partner; other problems go on top.
                        fields = {
                            "email": f"partner_{slot}_email",
                            "display_name": f"partner_{slot}_name",
                        }
                        raise ValidationError(
                            {
                                fields.get(k, NON_FIELD_ERRORS): v
                                for k, v in exc.message_dict.items()
                            }
                        ) from exc
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


def _couple_context(
    request: HttpRequest, viewer: Viewer, couple_id: int, form: EntryForm | None = None
) -> dict[str, object]:
    page = couple_page(viewer=viewer, couple_id=couple_id)
    couple = page.couple
    return {
        "alerts": open_alerts(viewer=viewer, organisation_id=couple.organisation_id, couple=couple)
        if page.viewer_is_care_team
        else [],
        "trends": couple_measures(viewer=viewer, couple=couple),
        "administrable": administrable_instruments(couple=couple)
        if page.viewer_is_care_team
        else [],
        "timepoints": Timepoint.choices,
        "my_partner_row": next(
            (p for p in couple.loaded_partners if p.user_id == viewer.user.pk), None
        ),
        "cp": page,
        "couple": page.couple,
        "form": form or EntryForm(),
        "visibility_choices": VisibilityForm.base_fields["visibility"].choices,  # type: ignore[attr-defined]
        "stages": Stage,
        "commitments": couple_commitments(
            couple, viewer_id=viewer.user.pk if page.viewer_is_partner else None
        )
        if page.viewer_is_partner or page.viewer_is_care_team
        else [],
        "schedule": _schedule(viewer, couple, page.viewer_is_partner or page.viewer_is_care_team),
        # The partner's assigned readings, new or read (two queries).
        "assigned_readings": couple_readings(viewer, couple) if page.viewer_is_partner else [],
        # Partners see when their sessions are; the care team opens the console from here.
        "medicine_sessions": list(
            couple.medicine_sessions.exclude(status="cancelled").order_by("starts_at")
        ),
    }


def _schedule(viewer: Viewer, couple: Couple, allowed: bool) -> list[object]:
    from holdspace.integration.schedule import schedule_for, shown

    return list(shown(schedule_for(viewer, couple), couple)) if allowed else []


@login_required
@require_GET
def couple_detail(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    context = _couple_context(request, viewer, couple_id)
    template = "couples/portal.html" if context["cp"].viewer_is_partner else "couples/couple.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    couples = partner_couples(viewer=viewer)
    if len(couples) == 1:
        return redirect("couple_detail", couple_id=couples[0].pk)
    return render(request, "couples/portal_choose.html", {"couples": couples})


@login_required
@require_POST
def entry_new(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            entry_create(viewer=viewer, couple=couple, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("couple_detail", couple_id=couple.pk)
    context = _couple_context(request, viewer, couple_id, form=form)
    return render(request, "couples/portal.html", context, status=422)


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
@require_POST
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
