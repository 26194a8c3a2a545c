"""The pages of a medicine session: scheduling it, its plan, the live console, an event posted
without JavaScript, discharge and the summary. Each view parses, calls a selector or a
service, and renders or redirects.

The live console shows both partners side by side on a tablet (stacked on a phone), each with
a timeline and quick forms; its script (static/js/session-console.js) queues events in the
browser and sends them to the API's event endpoint, `POST /api/v1/sessions/<id>/events`, with
the signed-in session and its CSRF token. Without JavaScript every form still posts here, to
`event_form`, and saves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from holdspace.couples.models import Partner
from holdspace.lib import when
from holdspace.lib.forms import errors_onto
from holdspace.policy.core import Viewer, require_care_team, viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.sessions import (
    get_medicine_session_for,
    get_session_partner_for,
    require_session_care,
)
from holdspace.preparation.forms import LEAVING
from holdspace.preparation.models import FormKind, PartnerForm
from holdspace.screening.profiles import get_profile
from holdspace.sessions.forms import (
    DischargeForm,
    EventForm,
    PartnerPlanForm,
    PlanForm,
    ScheduleForm,
)
from holdspace.sessions.limits import hours_text
from holdspace.sessions.models import EventKind, MedicineSession, PartnerPlan
from holdspace.sessions.recording import EventConflict, dose_clock, session_event_record
from holdspace.sessions.selectors import console_now, console_page
from holdspace.sessions.services import (
    NotReady,
    PlanLine,
    discharge_record,
    medicine_session_plan,
    medicine_session_schedule,
)
from holdspace.sessions.summary import session_summary_read

# Scheduling ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def medicine_session_new(request: HttpRequest, couple_id: int) -> HttpResponse:
    """Schedule a medicine session: refused, with what is missing, until the couple is ready."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_care_team(viewer, couple, action="schedule medicine sessions for")
    form = ScheduleForm(request.POST or None)
    form.fields["facilitators"].choices = [  # type: ignore[attr-defined]
        (m.user_id, m.user.display_name) for m in couple.loaded_care_team
    ]
    missing: list[dict[str, object]] = []
    if request.method == "POST" and form.is_valid():
        try:
            session = medicine_session_schedule(
                viewer=viewer,
                couple=couple,
                starts_at=form.cleaned_data["starts_at"],
                room=form.cleaned_data["room"],
                facilitator_ids=form.cleaned_data["facilitators"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        except NotReady as exc:
            missing = exc.missing
        else:
            messages.success(
                request,
                _("The medicine session is scheduled for %(when)s.")
                % {"when": when.when(session.starts_at)},
            )
            return redirect("couple_detail", couple.pk)
    return render(
        request,
        "sessions/schedule.html",
        {"couple": couple, "form": form, "missing": missing},
        status=409 if missing else (422 if request.method == "POST" else 200),
    )


# The live console ---------------------------------------------------------------------------


@login_required
@require_GET
def console(request: HttpRequest, session_id: int) -> HttpResponse:
    page = console_page(viewer=viewer_from_request(request), session_id=session_id)
    return render(
        request,
        "sessions/console.html",
        {**vars(page), "ended": page.ended, "closed": page.closed, **console_now()},
    )


@login_required
@require_POST
def event_form(request: HttpRequest, session_id: int) -> HttpResponse:
    """One console form posted without JavaScript: saved (once, by the form's id) and back to
    the console with what happened, or with why it was not saved."""
    viewer, session = _care_of(request, session_id, action="record events for")
    form = EventForm(request.POST)
    if not form.is_valid():
        return _refused(request, session, form.errors.get_json_data(escape_html=False))
    try:
        recorded = session_event_record(
            viewer=viewer,
            session=session,
            event_id=form.cleaned_data["id"],
            kind=form.cleaned_data["kind"],
            occurred_at=_taken_at(form.cleaned_data["taken_at"]),
            data=event_data(request.POST),
            partner_id=form.cleaned_data["partner_id"],
        )
    except EventConflict:
        messages.error(request, _("That form was already saved."))
        return redirect("session_console", session.pk)
    except ValidationError as exc:
        return _refused(request, session, exc.message_dict)
    if recorded.alerts:
        messages.warning(request, " ".join(a.message for a in recorded.alerts))
    else:
        kind = EventKind(recorded.event.kind).label
        messages.success(request, _("Saved: %(kind)s.") % {"kind": kind})
    return redirect("session_console", session.pk)


def _care_of(
    request: HttpRequest, session_id: int, *, action: str
) -> tuple[Viewer, MedicineSession]:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    require_session_care(viewer, session, action=action)
    return viewer, session


def _taken_at(clock: dt.time | None) -> dt.datetime:
    """The time a reading was taken, typed as HH:MM today, or now."""
    now = timezone.localtime()
    if clock is None:
        return now
    return now.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)


def _refused(request: HttpRequest, session: MedicineSession, problems: Any) -> HttpResponse:
    for field, found in problems.items():
        for problem in found:
            message = problem["message"] if isinstance(problem, dict) else str(problem)
            messages.error(request, f"{field}: {message}" if field != "__all__" else message)
    return redirect("session_console", session.pk)


# Data fields posted by the console's forms as data.<name>; empty ones are left out.
_NUMBERS = {"amount_mg", "units", "systolic", "diastolic", "heart_rate", "temperature_c", "minutes"}
_FLAGS = {"emergency_services", "medical_care"}


def event_data(post: Any) -> dict[str, Any]:
    """The `data.<name>` fields of a console form as the event's data (`data.data.<name>`:
    a correction's corrected values); a number that is not one is left for the schema to
    refuse, naming the field."""
    data: dict[str, Any] = {}
    for key in post:
        if not key.startswith("data."):
            continue
        path = key[5:].split(".")
        name = path[-1]
        target = data
        for part in path[:-1]:
            target = target.setdefault(part, {})
        value = str(post.get(key, "")).strip()
        if name in _FLAGS:
            target[name] = value in {"on", "true", "yes", "1"}
        elif value == "":
            continue
        elif name in _NUMBERS:
            try:
                target[name] = float(value) if "." in value or name == "amount_mg" else int(value)
            except ValueError:
                target[name] = value
        else:
            target[name] = value
    if post.get("kind") == EventKind.ADVERSE_EVENT:
        for flag in _FLAGS:
            data.setdefault(flag, False)
    return data


# The plan -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, session_id: int) -> HttpResponse:
    viewer, session = _care_of(request, session_id, action="run")
    form, partner_forms = _plan_forms(session, request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and all(f.is_valid() for _p, f in partner_forms)
    ):
        try:
            _plan_save(viewer, session, form, partner_forms)
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                form.add_error(None, errors)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("session_console", session.pk)
    return render(
        request,
        "sessions/plan.html",
        {**_plan_limits(session), "form": form, "partner_forms": partner_forms},
        status=422 if request.method == "POST" else 200,
    )


def _plan_forms(
    session: MedicineSession, data: Any
) -> tuple[PlanForm, list[tuple[Partner, PartnerPlanForm]]]:
    """The plan's form and one form per partner, filled with what is stored."""
    music = session.music_plan or {}
    form = PlanForm(
        data,
        initial={
            "room": session.room,
            "facilitators": list(session.facilitators.values_list("user_id", flat=True)),
            "music_entries": "\n".join(music.get("entries", [])),
            "music_link": music.get("link", ""),
            "music_changed_by": music.get("changed_by", "facilitator"),
        },
    )
    form.fields["facilitators"].choices = [  # type: ignore[attr-defined]
        (m.user_id, m.user.display_name) for m in session.couple.loaded_care_team
    ]
    stored = {p.partner_id: p for p in PartnerPlan.objects.filter(session=session)}
    partner_forms = []
    for partner in session.couple.loaded_partners:
        current = stored.get(partner.user_id)
        initial = (
            {name: getattr(current, name) for name in PartnerPlanForm.base_fields}
            if current
            else None
        )
        prefix = f"p{partner.user_id}"
        partner_forms.append((partner, PartnerPlanForm(data, prefix=prefix, initial=initial)))
    return form, partner_forms


def _plan_save(
    viewer: Viewer,
    session: MedicineSession,
    form: PlanForm,
    partner_forms: list[tuple[Partner, PartnerPlanForm]],
) -> None:
    entries = form.cleaned_data["music_entries"].splitlines()
    medicine_session_plan(
        viewer=viewer,
        session=session,
        lines=[PlanLine(partner_id=p.user_id, **f.cleaned_data) for p, f in partner_forms],
        facilitator_ids=form.cleaned_data["facilitators"],
        room=form.cleaned_data["room"],
        music_plan={
            "entries": [line.strip() for line in entries if line.strip()],
            "link": form.cleaned_data["music_link"],
            "changed_by": form.cleaned_data["music_changed_by"],
        },
    )


def _plan_limits(session: MedicineSession) -> dict[str, Any]:
    """The profile's rules the plan is checked against, shown above the form."""
    profile = get_profile(session.profile)
    substance = session.substance
    return {
        "session": session,
        "couple": session.couple,
        "profile": profile,
        "limit": profile.dose_limit(substance),
        "timing": profile.supplemental_timing(substance),
        "durations": next((t for t in profile.minimum_duration if t.substance == substance), None),
        "ratios": next((t for t in profile.facilitator_ratio if t.substance == substance), None),
    }


# Discharge ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def discharge(request: HttpRequest, session_id: int, partner_id: int) -> HttpResponse:
    viewer, session = _care_of(request, session_id, action="run")
    partner = get_session_partner_for(viewer, session, partner_id)
    form = _discharge_form(session, partner_id, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            discharge_record(
                viewer=viewer,
                session=session,
                partner_id=partner_id,
                criteria_confirmed=form.cleaned_data["criteria_confirmed"],
                transport_confirmed=form.cleaned_data["transport_confirmed"],
                transport_deviation=form.cleaned_data["transport_deviation"],
                left_at=form.cleaned_data["left_at"] or timezone.now(),
                notes=form.cleaned_data["notes"],
                declined_dose=form.cleaned_data.get("declined_dose", False),
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            name = partner.user.display_name
            messages.success(request, _("%(name)s was discharged.") % {"name": name})
            return redirect("session_console", session.pk)
    return render(
        request,
        "sessions/discharge.html",
        {**_discharge_context(session, partner), "form": form},
        status=422 if request.method == "POST" else 200,
    )


def _discharge_form(session: MedicineSession, partner_id: int, data: Any) -> DischargeForm:
    """The profile's criteria as checkboxes; no "declined the dose" for a partner dosed."""
    form = DischargeForm(data, initial={"left_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    profile = get_profile(session.profile)
    form.fields["criteria_confirmed"].choices = [  # type: ignore[attr-defined]
        (criterion.id, criterion.label) for criterion in profile.discharge.criteria
    ]
    if dose_clock(session, profile, partner_id) is not None:
        del form.fields["declined_dose"]
    return form


def _discharge_context(session: MedicineSession, partner: Partner) -> dict[str, Any]:
    """What the discharge page shows beside the form: the transportation plan and the dose
    clock with the earliest time the partner may leave."""
    plan_record = (
        PartnerForm.objects.filter(
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
            partner_id=partner.user_id,
            kind=FormKind.TRANSPORTATION_PLAN,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    clock = dose_clock(session, get_profile(session.profile), partner.user_id)
    leaving_by = str(plan_record.data.get("leaving_by", "")) if plan_record else ""
    return {
        "session": session,
        "couple": session.couple,
        "partner": partner,
        "transport": plan_record.data if plan_record else None,
        "leaving_by": dict(LEAVING).get(leaving_by, ""),
        "clock": clock,
        "minimum_text": hours_text(clock.minimum) if clock and clock.minimum else "",
        "leave_from": (
            clock.first.occurred_at + dt.timedelta(minutes=clock.minimum)
            if clock and clock.minimum
            else None
        ),
        "transfer": session.end_reason == "emergency_transfer",
    }


# The summary --------------------------------------------------------------------------------


@login_required
@require_GET
def session_summary(request: HttpRequest, session_id: int) -> HttpResponse:
    """The whole record of one medicine session, for its care team."""
    summary = session_summary_read(viewer=viewer_from_request(request), session_id=session_id)
    return render(request, "sessions/summary.html", summary)
