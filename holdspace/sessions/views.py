"""The live console: both partners side by side on a tablet (stacked on a phone), each with a
timeline and quick forms; events queue in the browser and are sent when the connection allows
(static/js/session-console.js). Without JavaScript every form still posts and saves."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from holdspace.audit.actions import Action
from holdspace.lib.forms import errors_onto
from holdspace.policy import get_medicine_session_for, require_session_care, viewer_from_request
from holdspace.preparation.forms import LEAVING
from holdspace.preparation.models import PartnerForm
from holdspace.screening.profiles import get_profile
from holdspace.sessions.api import event_out
from holdspace.sessions.limits import hours_text
from holdspace.sessions.models import Discharge, MedicineSession, PartnerPlan, SessionStatus
from holdspace.sessions.recording import EventConflict, dose_clock, session_event_record
from holdspace.sessions.selectors import describe, session_timeline
from holdspace.sessions.services import (
    PlanLine,
    discharge_record,
    medicine_session_plan,
)

# Data fields posted by the console's forms as data.<name>; empty ones are left out.
_NUMBERS = {"amount_mg", "units", "systolic", "diastolic", "heart_rate", "temperature_c", "minutes"}
_FLAGS = {"emergency_services", "medical_care"}


def _data_from_form(post: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in post:
        if not key.startswith("data."):
            continue
        path = key[5:].split(".")
        name = path[-1]
        target = data
        for part in path[:-1]:  # data.data.amount_mg: a correction's corrected values
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
                target[name] = value  # refused by the schema, naming the field
        else:
            target[name] = value
    for flag in _FLAGS:
        if f"data.{flag}" not in post and post.get("kind") == "adverse_event":
            data[flag] = False
    return data


def _session(request: HttpRequest, session_id: int) -> tuple[Any, MedicineSession]:
    viewer = viewer_from_request(request)
    session = get_medicine_session_for(viewer, session_id)
    require_session_care(viewer, session, action="run")
    return viewer, session


@login_required
@require_GET
def console(request: HttpRequest, session_id: int) -> HttpResponse:
    viewer, session = _session(request, session_id)
    events = session_timeline(session)
    for event in events:
        event.text = describe(event)  # type: ignore[attr-defined]
        event.correction_id = str(uuid.uuid4())  # type: ignore[attr-defined]
    profile = get_profile(session.profile)
    plans = {p.partner_id: p for p in PartnerPlan.objects.filter(session=session)}
    touch: dict[int, dict[str, Any]] = {}
    for record in PartnerForm.objects.filter(
        organisation_id=session.organisation_id, couple_id=session.couple_id, kind="touch_consent"
    ).order_by("-created_at", "-id"):
        touch.setdefault(record.partner_id, record.data)
    discharged = {d.partner_id: d for d in Discharge.objects.filter(session=session)}
    columns = []
    for partner in session.couple.loaded_partners:
        columns.append(
            {
                "partner": partner,
                "plan": plans.get(partner.user_id),
                "touch": touch.get(partner.user_id, {}),
                "events": [e for e in events if e.partner_id == partner.user_id],
                "discharge": discharged.get(partner.user_id),
                "forms": _new_ids(),
            }
        )
    # Each open alert with the name of the partner it is about, as the console's columns say.
    names = {p.user_id: p.user.display_name for p in session.couple.loaded_partners}
    open_alerts = [
        (names.get(alert.partner_id, ""), alert)
        for e in events
        for alert in getattr(e, "alert_list", [])
        if not alert.acknowledged_at
    ]
    viewer.audit(
        Action.MEDICINE_SESSION_CONSOLE,
        organisation_id=session.organisation_id,
        object_type="medicine_session",
        object_id=session.pk,
        couple_id=session.couple_id,
    )
    return render(
        request,
        "sessions/console.html",
        {
            "session": session,
            "couple": session.couple,
            "profile": profile,
            "columns": columns,
            "joint": [e for e in events if e.partner_id is None],
            "joint_forms": _new_ids(),
            "alerts": open_alerts,
            "facilitators": list(session.facilitators.select_related("user")),
            "ended": session.status in {SessionStatus.ENDED, SessionStatus.CLOSED},
            "closed": session.status == SessionStatus.CLOSED,
            "now": timezone.localtime(),
            "server_time_zone": timezone.get_current_timezone_name(),
            "events_json": json.dumps(
                [str(e.uuid) for e in events]  # what the server holds, for the queue
            ),
        },
    )


def _new_ids() -> dict[str, str]:
    """A fresh client id per form, so a form posted twice without JavaScript saves once."""
    kinds = (
        "dose",
        "supplemental_dose",
        "vitals",
        "observation",
        "touch",
        "adverse_event",
        "note",
        "music",
        "monitoring_break",
        "end",
    )
    return {kind: str(uuid.uuid4()) for kind in kinds}


@login_required
@require_POST
def event_post(request: HttpRequest, session_id: int) -> HttpResponse:
    """One event from the console: JSON from the browser queue (answered as the API answers:
    201, 200 for a replay, 409, 422), or a plain form post (redirected back to the console)."""
    viewer, session = _session(request, session_id)
    is_json = request.content_type == "application/json"
    if is_json:
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return JsonResponse({"detail": "The body is not a JSON object."}, status=400)
        raw_data = body.get("data") or {}
        partner = body.get("partner_id")
        kind, raw_id, raw_time = body.get("kind"), body.get("id"), body.get("occurred_at")
    else:
        raw_data = _data_from_form(request.POST)
        partner = request.POST.get("partner_id") or None
        kind, raw_id = request.POST.get("kind"), request.POST.get("id")
        raw_time = request.POST.get("occurred_at") or _taken_at(request.POST.get("taken_at"))
    problems: dict[str, list[str]] = {}
    try:
        event_id = uuid.UUID(str(raw_id))
    except ValueError:
        problems["id"] = [_("Send a UUID as the event id.")]
    occurred_at = parse_datetime(str(raw_time)) if raw_time else None
    if occurred_at is None:
        problems["occurred_at"] = [_("Send the time the event was taken, in ISO 8601.")]
    try:
        partner_id = int(str(partner)) if partner not in (None, "") else None
    except (TypeError, ValueError):
        problems["partner_id"] = [_("Send a partner id.")]
    if not isinstance(raw_data, dict):
        problems["data"] = [_("Send the event's data as an object.")]
    if problems:
        return _answer(request, session, is_json, problems=problems)
    assert occurred_at is not None
    try:
        recorded = session_event_record(
            viewer=viewer,
            session=session,
            event_id=event_id,
            kind=str(kind),
            occurred_at=occurred_at,
            data=raw_data,
            partner_id=partner_id,
        )
    except EventConflict as exc:
        stored = session_timeline(session, uuids=[exc.stored.uuid])[0]
        if is_json:
            return JsonResponse(
                {
                    "detail": _("A different event was already recorded under this id."),
                    "stored": event_out(stored).model_dump(mode="json"),
                },
                status=409,
            )
        messages.error(request, _("That form was already saved."))
        return redirect("session_console", session.pk)
    except ValidationError as exc:
        return _answer(request, session, is_json, problems=exc.message_dict)
    event = session_timeline(session, uuids=[recorded.event.uuid])[0]
    if is_json:
        return JsonResponse(
            event_out(event).model_dump(mode="json"), status=201 if recorded.created else 200
        )
    if recorded.alerts:
        messages.warning(request, " ".join(a.message for a in recorded.alerts))
    else:
        messages.success(request, _("Saved: %(kind)s.") % {"kind": event.get_kind_display()})
    return redirect("session_console", session.pk)


def _taken_at(clock: str | None) -> str:
    """The time a reading was taken, typed as HH:MM today, or now."""
    now = timezone.localtime()
    if clock:
        try:
            hours, minutes = (int(part) for part in clock.split(":")[:2])
            return now.replace(hour=hours, minute=minutes, second=0, microsecond=0).isoformat()
        except ValueError:
            return "not a time"
    return now.isoformat()


def _answer(
    request: HttpRequest, session: MedicineSession, is_json: bool, *, problems: dict[str, Any]
) -> HttpResponse:
    if is_json:
        detail = [
            {"loc": ["body", field], "msg": message, "type": "value_error"}
            for field, messages_ in problems.items()
            for message in messages_
        ]
        return JsonResponse({"detail": detail}, status=422)
    for field, messages_ in problems.items():
        for message in messages_:
            messages.error(request, f"{field}: {message}" if field != "__all__" else message)
    return redirect("session_console", session.pk)


# The plan -----------------------------------------------------------------------------------


class PlanForm(forms.Form):
    room = forms.CharField(label=gettext_lazy("Room"), required=False, max_length=120)
    facilitators = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Facilitators present"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    music_entries = forms.CharField(
        label=gettext_lazy("Music: playlist, one entry per line"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    music_link = forms.URLField(
        label=gettext_lazy("Music: a link to the playlist"), required=False, assume_scheme="https"
    )
    music_changed_by = forms.ChoiceField(
        label=gettext_lazy("Who may change the music"),
        choices=[
            ("facilitator", gettext_lazy("The facilitator")),
            ("partners", gettext_lazy("The partners, by asking")),
            ("anyone", gettext_lazy("Anyone present")),
        ],
    )


class PartnerPlanForm(forms.Form):
    product = forms.CharField(label=gettext_lazy("Product"), max_length=200)
    lot = forms.CharField(label=gettext_lazy("Lot number"), max_length=100)
    mg_per_unit = forms.FloatField(label=gettext_lazy("mg per unit"), min_value=0.001)
    planned_mg = forms.FloatField(label=gettext_lazy("Planned dose (mg)"), min_value=0.001)
    supplemental_mg = forms.FloatField(
        label=gettext_lazy("Supplemental dose (mg)"), required=False, min_value=0.001
    )
    supplemental_after_minutes = forms.IntegerField(
        label=gettext_lazy("Supplemental dose, minutes after the first"),
        required=False,
        min_value=0,
        max_value=24 * 60,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, session_id: int) -> HttpResponse:
    viewer, session = _session(request, session_id)
    profile = get_profile(session.profile)
    existing = {p.partner_id: p for p in PartnerPlan.objects.filter(session=session)}
    music = session.music_plan or {}
    form = PlanForm(
        request.POST or None,
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
    partner_forms = []
    for partner in session.couple.loaded_partners:
        current = existing.get(partner.user_id)
        initial = (
            {
                "product": current.product,
                "lot": current.lot,
                "mg_per_unit": current.mg_per_unit,
                "planned_mg": current.planned_mg,
                "supplemental_mg": current.supplemental_mg,
                "supplemental_after_minutes": current.supplemental_after_minutes,
            }
            if current
            else None
        )
        partner_forms.append(
            (
                partner,
                PartnerPlanForm(
                    request.POST or None, prefix=f"p{partner.user_id}", initial=initial
                ),
            )
        )
    if (
        request.method == "POST"
        and form.is_valid()
        and all(f.is_valid() for _p, f in partner_forms)
    ):
        try:
            medicine_session_plan(
                viewer=viewer,
                session=session,
                lines=[
                    PlanLine(partner_id=partner.user_id, **f.cleaned_data)
                    for partner, f in partner_forms
                ],
                facilitator_ids=form.cleaned_data["facilitators"],
                room=form.cleaned_data["room"],
                music_plan={
                    "entries": [
                        line.strip()
                        for line in form.cleaned_data["music_entries"].splitlines()
                        if line.strip()
                    ],
                    "link": form.cleaned_data["music_link"],
                    "changed_by": form.cleaned_data["music_changed_by"],
                },
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                form.add_error(None, errors)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("session_console", session.pk)
    return render(
        request,
        "sessions/plan.html",
        {
            "session": session,
            "couple": session.couple,
            "profile": profile,
            "form": form,
            "partner_forms": partner_forms,
            "limit": profile.dose_limit(session.substance),
            "timing": profile.supplemental_timing(session.substance),
            "durations": next(
                (t for t in profile.minimum_duration if t.substance == session.substance), None
            ),
            "ratios": next(
                (t for t in profile.facilitator_ratio if t.substance == session.substance), None
            ),
        },
        status=422 if request.method == "POST" else 200,
    )


# Discharge ------------------------------------------------------------------------------------


class DischargeForm(forms.Form):
    # The profile's criteria, each a checkbox; the service says which are missing and why.
    criteria_confirmed = forms.MultipleChoiceField(
        label=gettext_lazy("Before they leave, confirm"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    transport_confirmed = forms.BooleanField(
        label=gettext_lazy("Leaving as the transportation plan says"), required=False
    )
    transport_deviation = forms.CharField(
        label=gettext_lazy("If not: how they are leaving instead"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    declined_dose = forms.BooleanField(
        label=gettext_lazy("They chose not to take the medicine (no dose was given)"),
        required=False,
        help_text=gettext_lazy(
            "Say so in the notes. A partner who was dosed cannot leave this way."
        ),
    )
    left_at = forms.DateTimeField(
        label=gettext_lazy("Left at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def discharge(request: HttpRequest, session_id: int, partner_id: int) -> HttpResponse:
    viewer, session = _session(request, session_id)
    partner = next((p for p in session.couple.loaded_partners if p.user_id == partner_id), None)
    if partner is None:
        from django.http import Http404

        raise Http404("No such partner")
    plan_record = (
        PartnerForm.objects.filter(
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
            partner_id=partner_id,
            kind="transportation_plan",
        )
        .order_by("-created_at", "-id")
        .first()
    )
    form = DischargeForm(
        request.POST or None, initial={"left_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    )
    profile = get_profile(session.profile)
    form.fields["criteria_confirmed"].choices = [  # type: ignore[attr-defined]
        (criterion.id, criterion.label) for criterion in profile.discharge.criteria
    ]
    clock = dose_clock(session, profile, partner_id)
    if clock is not None:  # a partner with a dose recorded cannot have declined it
        del form.fields["declined_dose"]
    if request.method == "POST" and form.is_valid():
        left_at = form.cleaned_data["left_at"] or timezone.now()
        try:
            discharge_record(
                viewer=viewer,
                session=session,
                partner_id=partner_id,
                criteria_confirmed=form.cleaned_data["criteria_confirmed"],
                transport_confirmed=form.cleaned_data["transport_confirmed"],
                transport_deviation=form.cleaned_data["transport_deviation"],
                left_at=left_at,
                notes=form.cleaned_data["notes"],
                declined_dose=form.cleaned_data.get("declined_dose", False),
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s was discharged.") % {"name": partner.user.display_name},
            )
            return redirect("session_console", session.pk)
    return render(
        request,
        "sessions/discharge.html",
        {
            "session": session,
            "couple": session.couple,
            "partner": partner,
            "form": form,
            "transport": plan_record.data if plan_record else None,
            "leaving_by": dict(LEAVING).get(
                str(plan_record.data.get("leaving_by", "")) if plan_record else "", ""
            ),
            "clock": clock,
            "minimum_text": hours_text(clock.minimum) if clock and clock.minimum else "",
            "leave_from": (
                clock.first.occurred_at + dt.timedelta(minutes=clock.minimum)
                if clock and clock.minimum
                else None
            ),
            "transfer": session.end_reason == "emergency_transfer",
        },
        status=422 if request.method == "POST" else 200,
    )
