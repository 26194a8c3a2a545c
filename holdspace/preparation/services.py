"""Recording preparation: a partner's forms (consents, plans, contacts, themes) and the
preparation sessions the care team holds; and the couple's stage, which every write of the
journey keeps in step with the records (`couple_stage_sync`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingKind
from holdspace.bookings.services import (
    DEFAULT_MINUTES,
    booking_cancel,
    booking_reserve,
    couple_slot_check,
)
from holdspace.couples.models import Couple, Stage
from holdspace.lib.dates import held_error, planned_error
from holdspace.policy.core import Viewer
from holdspace.policy.preparation import (
    entered_with_care_team,
    preparation_facilitators,
    require_partner_form_write,
    require_preparation_session_record,
)
from holdspace.preparation.clientdata import client_data_clean, is_coded
from holdspace.preparation.forms import FORMS
from holdspace.preparation.models import (
    FormKind,
    PartnerForm,
    PreparationKind,
    PreparationSession,
    PreparationStatus,
)
from holdspace.preparation.readiness import stage_for
from holdspace.preparation.signatures.gate import require_session_signed
from holdspace.screening.profiles import Profile, get_profile


def partner_form_submit(
    *,
    viewer: Viewer,
    couple: Couple,
    partner_id: int,
    kind: str,
    data: Mapping[str, Any],
) -> PartnerForm:
    """Store a new version of one partner's form; the newest version counts. Touch consent is
    revoked the same way: a new version that says no."""
    if kind not in FormKind.values:
        raise ValidationError({"kind": [_("Unknown form: %(kind)s.") % {"kind": kind}]})
    require_partner_form_write(viewer, couple, partner_id, kind)
    required = get_profile(couple.organisation.profile).required(kind)
    if required is not None and required.signed:
        raise ValidationError(
            {
                "kind": [
                    _("%(form)s is signed, not ticked: read it and sign it with your full name.")
                    % {"form": required.name}
                ]
            }
        )
    profile = get_profile(couple.organisation.profile)
    payload = _payload(kind, data, profile)
    if kind in {FormKind.INFORMED_CONSENT, FormKind.BILL_OF_RIGHTS}:
        payload["profile"] = profile.id
        payload["profile_version"] = profile.version
    with transaction.atomic():
        record = PartnerForm.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            partner_id=partner_id,
            kind=kind,
            data=payload,
            recorded_by=viewer.user,
        )
        viewer.audit(
            Action.PREPARATION_FORM,
            record,
            kind=kind,
            partner=partner_id,
            with_staff=entered_with_care_team(viewer, couple),
            # Which version of the client data form, and whether it is withheld; no answer.
            **(
                {"version": payload["version"], "withheld": payload["withheld"]}
                if is_coded(payload)
                else {}
            ),
        )
        couple_stage_sync(viewer=viewer, couple=couple)
    return record


def client_data_submit(
    *, viewer: Viewer, couple: Couple, partner_id: int, body: Mapping[str, Any]
) -> PartnerForm:
    """A partner's coded client data form (Oregon's 303), from the API's BODY (`version`,
    `answers`, `other`, `withheld`, `opt_out_offered`): refused naming `kind` where the
    organisation's profile has no coded form."""
    if get_profile(couple.organisation.profile).client_data is None:
        require_partner_form_write(viewer, couple, partner_id, FormKind.DEMOGRAPHIC_FORM)
        raise ValidationError(
            {"kind": [_("This organisation's profile has no coded client data form.")]}
        )
    return partner_form_submit(
        viewer=viewer,
        couple=couple,
        partner_id=partner_id,
        kind=FormKind.DEMOGRAPHIC_FORM,
        data=body,
    )


def _payload(kind: str, data: Mapping[str, Any], profile: Profile) -> dict[str, Any]:
    """DATA as stored for KIND, or a ValidationError naming each bad field. The demographic
    form is the coded client data form where the profile has one (its body: `version`,
    `answers`, `other`, `withheld`, `opt_out_offered`); every other form is its Django form."""
    if kind == FormKind.DEMOGRAPHIC_FORM and profile.client_data is not None:
        return client_data_clean(profile.client_data, data)
    form = FORMS[kind](data=data)
    if not form.is_valid():
        raise ValidationError(
            {
                field: [str(error["message"]) for error in errors]
                for field, errors in form.errors.get_json_data(escape_html=False).items()
            }
        )
    return form.cleaned_payload()


def _session_people_errors(
    couple: Couple, kind: str, partner_id: int | None, facilitator_id: int
) -> tuple[dict[str, list[str]], int | None]:
    """Who a preparation session is with and who holds it, by field; and the partner it keeps
    (none for a joint session)."""
    errors: dict[str, list[str]] = {}
    partner_ids = {p.user_id for p in couple.loaded_partners}
    team_ids = {user_id for user_id, _name in preparation_facilitators(couple)}
    if kind not in PreparationKind.values:
        errors["kind"] = [_("Choose private or joint.")]
    elif kind == PreparationKind.PRIVATE and partner_id not in partner_ids:
        errors["partner"] = [_("Choose which partner the private session was with.")]
    elif kind == PreparationKind.JOINT:
        partner_id = None
    if facilitator_id not in team_ids:
        errors["facilitator"] = [
            _("Choose a facilitator on this couple's care team, or a clinical lead.")
        ]
    return errors, partner_id


def preparation_session_record(
    *,
    viewer: Viewer,
    couple: Couple,
    kind: str,
    held_at: dt.datetime,
    facilitator_id: int,
    partner_id: int | None = None,
    notes: str = "",
    booking: Booking | None = None,
) -> PreparationSession:
    """The care team records a preparation session held, privately with one partner or
    joint: for BOOKING, the session booked on the calendar; without one, it is booked as held
    (history, not checked for conflicts). Where the profile asks for a form signed before
    each preparation session (Colorado), it is recorded only for a booking whose forms
    everyone has signed (book it ahead, `preparation_session_schedule`, and hold it)."""
    require_preparation_session_record(viewer, couple)
    errors, partner_id = _session_people_errors(couple, kind, partner_id, facilitator_id)
    held_problem = held_error(_("A preparation session"), held_at, joined=couple.created_at)
    if held_problem:
        errors["held_at"] = [held_problem]
    if booking is not None and (booking.couple_id != couple.pk or booking.kind != "preparation"):
        errors["booking"] = [_("Not a preparation session booked for this couple.")]
    if errors:
        raise ValidationError(errors)
    require_session_signed(
        couple=couple,
        kind="preparation",
        booking=booking,
        partner_ids=[partner_id] if partner_id is not None else None,
    )
    with transaction.atomic():
        if booking is None:
            booking = booking_reserve(
                viewer=viewer,
                organisation=couple.organisation,
                couple=couple,
                kind=BookingKind.PREPARATION,
                starts_at=held_at,
                ends_at=held_at + dt.timedelta(minutes=DEFAULT_MINUTES),
                room=None,
                facilitator_ids=[facilitator_id],
                held=True,
            )
        session = PreparationSession.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            kind=kind,
            partner_id=partner_id,
            held_at=held_at,
            facilitator_id=facilitator_id,
            notes=notes.strip(),
            recorded_by=viewer.user,
            booking=booking,
        )
        viewer.audit(
            Action.PREPARATION_SESSION,
            session,
            kind=kind,
            partner=partner_id,
            facilitator=facilitator_id,
        )
        couple_stage_sync(viewer=viewer, couple=couple)
    return session


def preparation_session_schedule(
    *,
    viewer: Viewer,
    couple: Couple,
    kind: str,
    starts_at: dt.datetime,
    facilitator_id: int,
    partner_id: int | None = None,
    ends_at: dt.datetime | None = None,
    room: str = "",
) -> PreparationSession:
    """Book a preparation session ahead (status scheduled): its time, end (DEFAULT_MINUTES
    after the start unless given), room (a name or id of the organisation's) and facilitator,
    refused as a BookingConflict when the room or the facilitator is taken then. It counts
    for readiness only once recorded as held (`preparation_session_hold`)."""
    require_preparation_session_record(viewer, couple)
    errors, partner_id = _session_people_errors(couple, kind, partner_id, facilitator_id)
    problem = planned_error(_("A preparation session"), starts_at)
    if problem:
        errors["starts_at"] = [problem]
    end, place = couple_slot_check(
        couple=couple,
        starts_at=starts_at,
        ends_at=ends_at,
        default_minutes=DEFAULT_MINUTES,
        room=room,
        errors=errors,
    )
    with transaction.atomic():
        booking = booking_reserve(
            viewer=viewer,
            organisation=couple.organisation,
            couple=couple,
            kind=BookingKind.PREPARATION,
            starts_at=starts_at,
            ends_at=end,
            room=place,
            facilitator_ids=[facilitator_id],
        )
        session = PreparationSession.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            kind=kind,
            partner_id=partner_id,
            held_at=starts_at,
            status=PreparationStatus.SCHEDULED,
            facilitator_id=facilitator_id,
            recorded_by=viewer.user,
            booking=booking,
        )
        viewer.audit(
            Action.PREPARATION_SCHEDULE,
            session,
            kind=kind,
            partner=partner_id,
            facilitator=facilitator_id,
            starts_at=starts_at.isoformat(),
        )
    return session


def preparation_session_hold(
    *, viewer: Viewer, couple: Couple, session: PreparationSession, notes: str = ""
) -> PreparationSession:
    """A preparation session booked ahead, now recorded as held (once its time has come)."""
    require_preparation_session_record(viewer, couple)
    if session.couple_id != couple.pk or session.status != PreparationStatus.SCHEDULED:
        raise ValidationError({"session": [_("Only a session booked ahead can be recorded.")]})
    if session.held_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"session": [_("Record a session once it has been held.")]})
    require_session_signed(
        couple=couple,
        kind="preparation",
        booking=session.booking,
        partner_ids=[session.partner_id] if session.partner_id is not None else None,
    )
    with transaction.atomic():
        session.status = PreparationStatus.HELD
        session.notes = notes.strip()
        session.save(update_fields=["status", "notes"])
        viewer.audit(Action.PREPARATION_HOLD, session)
        couple_stage_sync(viewer=viewer, couple=couple)
    return session


def preparation_session_cancel(
    *, viewer: Viewer, couple: Couple, session: PreparationSession, reason: str
) -> PreparationSession:
    """A preparation session booked ahead, cancelled with a reason: its slot is free again."""
    require_preparation_session_record(viewer, couple)
    if session.couple_id != couple.pk or session.status != PreparationStatus.SCHEDULED:
        raise ValidationError({"session": [_("Only a session booked ahead can be cancelled.")]})
    with transaction.atomic():
        if session.booking is not None:
            booking_cancel(viewer=viewer, booking=session.booking, reason=reason)
        elif not reason.strip():
            raise ValidationError({"reason": [_("Say why the session is cancelled.")]})
        session.status = PreparationStatus.CANCELLED
        session.save(update_fields=["status"])
        viewer.audit(Action.PREPARATION_CANCEL, session, reason=reason.strip())
    return session


def couple_stage_sync(*, viewer: Viewer, couple: Couple) -> str:
    """Store the stage that follows from the records (the console lists by it), inside the
    transaction of the write that moved it; a change is audited as the viewer's."""
    stage = Stage(stage_for(couple))
    if stage != couple.stage:
        before = couple.stage
        Couple.objects.filter(pk=couple.pk).update(stage=stage)
        couple.stage = stage
        viewer.audit(Action.COUPLE_STAGE, couple, detail={"from": before, "to": stage.value})
    return stage
