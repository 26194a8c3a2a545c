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
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.bookings.models import BookingStatus
from holdspace.bookings.services import BookingConflict
from holdspace.couples.models import Partner
from holdspace.lib import when
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import Viewer, require_care_team, viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.sessions import get_medicine_session_for, require_session_care
from holdspace.reports.regulator.colorado.selectors import (
    keeps_admin_log,
    session_participant_records,
)
from holdspace.sessions.forms import (
    CancelForm,
    DischargeForm,
    EventForm,
    MoveForm,
    PartnerPlanForm,
    PlanForm,
    ScheduleForm,
    SessionDetailsForm,
)
from holdspace.sessions.models import DOSE_KINDS, EventKind, MedicineSession, SessionStatus
from holdspace.sessions.recording import EventConflict, session_event_record
from holdspace.sessions.selectors import (
    DischargePage,
    PlanPage,
    console_now,
    console_page,
    discharge_page,
    plan_page,
    room_names,
    session_booking_read,
)
from holdspace.sessions.services import (
    DETAILS_AFTER,
    NotReady,
    PlanLine,
    discharge_record,
    medicine_session_cancel,
    medicine_session_confirm,
    medicine_session_details_record,
    medicine_session_plan,
    medicine_session_reschedule,
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
    conflict = False
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
        except BookingConflict as exc:
            conflict = True
            errors_onto(form, exc.as_validation_error(facilitators="facilitators"))
        else:
            booked = when.when(session.starts_at)
            if session.booking is not None and session.booking.status == BookingStatus.TENTATIVE:
                messages.success(
                    request,
                    _(
                        "The medicine session is booked for %(when)s as tentative: confirm it "
                        "once the couple is ready."
                    )
                    % {"when": booked},
                )
                return redirect("session_booking", session.pk)
            messages.success(
                request,
                _("The medicine session is scheduled for %(when)s.") % {"when": booked},
            )
            return redirect("couple_detail", couple.pk)
    return render(
        request,
        "sessions/schedule.html",
        {"couple": couple, "form": form, "rooms": room_names(couple.organisation_id)},
        status=409 if conflict else (422 if request.method == "POST" else 200),
    )


# The booking: move, confirm, cancel -----------------------------------------------------------


@login_required
@require_GET
def session_booking(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session's booking: its time and room, tentative or confirmed, and what is missing."""
    viewer = viewer_from_request(request)
    return _booking_page(request, viewer, session_id)


def _booking_page(
    request: HttpRequest,
    viewer: Viewer,
    session_id: int,
    *,
    move: MoveForm | None = None,
    cancel: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    page = session_booking_read(viewer=viewer, session_id=session_id)
    session = page.session
    if move is None:
        move = MoveForm(
            initial={
                "starts_at": timezone.localtime(session.starts_at).strftime("%Y-%m-%dT%H:%M"),
                "room": page.booking.room.name if page.booking and page.booking.room else "",
            }
        )
    return render(
        request,
        "sessions/booking.html",
        {
            **vars(page),
            "move": move,
            "cancel": cancel or CancelForm(),
            "scheduled": session.status == SessionStatus.SCHEDULED,
        },
        status=status,
    )


@login_required
@post_only
def session_move(request: HttpRequest, session_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    form = MoveForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            medicine_session_reschedule(
                viewer=viewer,
                session=session,
                starts_at=form.cleaned_data["starts_at"],
                room=form.cleaned_data["room"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        except BookingConflict as exc:
            status = 409
            errors_onto(form, exc.as_validation_error(facilitators="starts_at"))
        else:
            messages.success(
                request,
                _("The medicine session is moved to %(when)s.")
                % {"when": when.when(session.starts_at)},
            )
            return redirect("session_booking", session.pk)
    return _booking_page(request, viewer, session_id, move=form, status=status)


@login_required
@post_only
def session_confirm(request: HttpRequest, session_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    try:
        medicine_session_confirm(viewer=viewer, session=session)
    except NotReady:
        messages.error(
            request, _("Not confirmed: the couple is not ready yet. See what is missing below.")
        )
        return _booking_page(request, viewer, session_id, status=409)
    messages.success(request, _("The medicine session is confirmed."))
    return redirect("session_booking", session.pk)


@login_required
@post_only
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            medicine_session_cancel(
                viewer=viewer, session=session, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The medicine session is cancelled."))
            return redirect("couple_detail", session.couple_id)
    return _booking_page(request, viewer, session_id, cancel=form, status=422)


# The live console ---------------------------------------------------------------------------


@login_required
@require_GET
def console(request: HttpRequest, session_id: int) -> HttpResponse:
    return _console(request, session_id)


def _console(
    request: HttpRequest,
    session_id: int,
    *,
    refused: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    page = console_page(viewer=viewer_from_request(request), session_id=session_id)
    return render(
        request,
        "sessions/console.html",
        {
            **vars(page),
            "ended": page.ended,
            "closed": page.closed,
            "refused": refused,
            **console_now(),
        },
        status=status,
    )


@login_required
@post_only
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
        if form.cleaned_data["kind"] in DOSE_KINDS and form.cleaned_data["partner_id"]:
            # A refused dose: the console again, the message beside its field and the
            # form as it was typed.
            return _console(
                request,
                session.pk,
                refused=_dose_refusal(request.POST, form, exc.message_dict),
                status=422,
            )
        return _refused(request, session, exc.message_dict)
    if recorded.alerts:
        messages.warning(request, " ".join(a.message for a in recorded.alerts))
    else:
        kind = EventKind(recorded.event.kind).label
        messages.success(request, _("Saved: %(kind)s.") % {"kind": kind})
    return redirect("session_console", session.pk)


def _dose_refusal(post: Any, form: EventForm, problems: dict[str, list[str]]) -> dict[str, Any]:
    """A refused dose as its form shows it again: what was typed, and each message beside its
    field (lot, amount_mg, units, product; the rest above the form)."""
    errors: dict[str, str] = {}
    for field, found in problems.items():
        name = field.removeprefix("data.")
        key = name if name in {"lot", "amount_mg", "units", "product"} else "other"
        errors[key] = " ".join([errors[key], *found]) if key in errors else " ".join(found)
    taken = form.cleaned_data["taken_at"]
    return {
        "partner": form.cleaned_data["partner_id"],
        "kind": form.cleaned_data["kind"],
        "lot": str(post.get("data.lot", "")),
        "product": str(post.get("data.product", "")),
        "amount_mg": str(post.get("data.amount_mg", "")),
        "taken_at": taken.strftime("%H:%M") if taken else "",
        "errors": errors,
    }


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
    viewer = viewer_from_request(request)
    page = plan_page(viewer=viewer, session_id=session_id)
    form, partner_forms = _plan_forms(page, request.POST or None)
    valid = form.is_valid() and all(f.is_valid() for _p, f in partner_forms)
    if request.method == "POST" and valid:
        try:
            _plan_save(viewer, page.session, form, partner_forms)
        except ValidationError as exc:
            _plan_errors_onto(form, partner_forms, exc)
        except BookingConflict as exc:
            errors_onto(form, exc.as_validation_error(facilitators="facilitators"))
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("session_console", page.session.pk)
    return render(
        request,
        "sessions/plan.html",
        {
            **vars(page),
            "form": form,
            "partner_forms": partner_forms,
            "rooms": room_names(page.session.organisation_id),
        },
        status=422 if request.method == "POST" else 200,
    )


def _plan_forms(
    page: PlanPage, data: Any
) -> tuple[PlanForm, list[tuple[Partner, PartnerPlanForm]]]:
    """The plan's form and one form per partner, filled with what is stored."""
    session = page.session
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
        (m.user_id, m.user.display_name) for m in page.couple.loaded_care_team
    ]
    partner_forms = []
    for partner in page.couple.loaded_partners:
        current = page.stored.get(partner.user_id)
        initial = (
            {name: getattr(current, name) for name in PartnerPlanForm.base_fields}
            if current
            else None
        )
        prefix = f"p{partner.user_id}"
        partner_form = PartnerPlanForm(data, prefix=prefix, initial=initial)
        if page.profile.ledger_required:
            choices = page.lot_choices
            chosen = str(data.get(f"{prefix}-lot", "")).strip() if data else ""
            if chosen and chosen not in {value for value, _label in choices}:
                choices = [*choices, (chosen, chosen)]  # kept as typed, refused beside it
            partner_form.from_ledger(choices)
        partner_forms.append((partner, partner_form))
    return form, partner_forms


def _plan_errors_onto(
    form: PlanForm, partner_forms: list[tuple[Partner, PartnerPlanForm]], exc: ValidationError
) -> None:
    """The service's refusals beside their fields: `plans.<n>.<field>` on partner n's form,
    the rest above the form."""
    for key, errors in exc.message_dict.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "plans" and parts[1].isdigit():
            index, name = int(parts[1]), parts[2]
            if index < len(partner_forms) and name in partner_forms[index][1].fields:
                partner_forms[index][1].add_error(name, errors)
                continue
        form.add_error(None, errors)


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


# Discharge ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def discharge(request: HttpRequest, session_id: int, partner_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    page = discharge_page(viewer=viewer, session_id=session_id, partner_id=partner_id)
    form = _discharge_form(page, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            discharge_record(
                viewer=viewer,
                session=page.session,
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
            name = page.partner.user.display_name
            messages.success(request, _("%(name)s was discharged.") % {"name": name})
            return redirect("session_console", page.session.pk)
    return render(
        request,
        "sessions/discharge.html",
        {**vars(page), "form": form},
        status=422 if request.method == "POST" else 200,
    )


def _discharge_form(page: DischargePage, data: Any) -> DischargeForm:
    """The profile's criteria as checkboxes; no "declined the dose" for a partner dosed."""
    form = DischargeForm(data, initial={"left_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    form.fields["criteria_confirmed"].choices = page.criteria  # type: ignore[attr-defined]
    if page.clock is not None:
        del form.fields["declined_dose"]
    return form


# The summary --------------------------------------------------------------------------------


@login_required
@require_GET
def session_summary(request: HttpRequest, session_id: int) -> HttpResponse:
    """The whole record of one medicine session, for its care team."""
    summary = session_summary_read(viewer=viewer_from_request(request), session_id=session_id)
    return render(request, "sessions/summary.html", _with_details(summary, None))


def _with_details(summary: dict[str, Any], form: SessionDetailsForm | None) -> dict[str, Any]:
    """Where the organisation keeps Colorado's administration-session log: the session's
    details form and each participant's record (4 CCR 755-1 §6.3)."""
    session: MedicineSession = summary["session"]
    if not keeps_admin_log(session.organisation):
        return summary
    names = {r.partner.user_id: r.partner.user.display_name for r in summary["partners"]}
    return {
        **summary,
        "details_form": form
        or SessionDetailsForm(
            initial={"intention": session.intention, "food_and_drink": session.food_and_drink}
        ),
        "details_open": session.status in DETAILS_AFTER,
        "participant_records": [
            (record, names.get(record.partner_id, ""))
            for record in session_participant_records(session)
        ],
    }


@login_required
@post_only
def session_details(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session's details for Colorado's log (intention, other food or drink): saved and
    back to the summary, or the summary again with the reasons beside the fields (422)."""
    viewer, session = _care_of(request, session_id, action="record the details of")
    form = SessionDetailsForm(request.POST)
    if form.is_valid():
        try:
            medicine_session_details_record(
                viewer=viewer,
                session=session,
                intention=form.cleaned_data["intention"],
                food_and_drink=form.cleaned_data["food_and_drink"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Saved: the session's details for the state's log."))
            return redirect("session_summary", session.pk)
    summary = session_summary_read(viewer=viewer, session_id=session_id)
    return render(request, "sessions/summary.html", _with_details(summary, form), status=422)
