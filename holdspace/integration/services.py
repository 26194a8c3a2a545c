"""Integration's writes, each in one transaction with its audit event: commitments, their
revisions and the partners' check-ins; after a medicine session, the integration offer,
integration sessions (recorded, scheduled, closed as held or cancelled) and the follow-up
contacts."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingKind, BookingStatus
from holdspace.bookings.services import (
    DEFAULT_MINUTES,
    booking_cancel,
    booking_reserve,
    couple_slot_check,
)
from holdspace.couples.models import Couple
from holdspace.integration.models import (
    MAX_NOTES,
    MAX_TEXT,
    Cadence,
    CheckIn,
    CheckInStatus,
    Commitment,
    CommitmentRevision,
    FollowUpContact,
    IntegrationOffer,
    IntegrationSession,
    IntegrationSessionStatus,
    OfferAnswer,
    current_period,
)
from holdspace.integration.selectors import ENDED_STATUSES
from holdspace.lib.dates import commitment_start_error, held_error, planned_error
from holdspace.policy.core import Viewer
from holdspace.policy.integration import (
    require_commitment_checkin,
    require_commitment_write,
    require_integration_record,
)
from holdspace.preparation.signatures.gate import require_session_signed
from holdspace.screening.profiles import get_profile
from holdspace.sessions.models import MedicineSession


def _clean(
    couple: Couple, description: str, who: str | int, cadence: str, starts_on: dt.date | None
) -> tuple[str, int | None, str, dt.date]:
    errors: dict[str, list[str]] = {}
    description = description.strip()
    if not description:
        errors["description"] = [_("Say what you commit to.")]
    elif len(description) > MAX_TEXT:
        errors["description"] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    partner_ids = {p.user_id for p in couple.loaded_partners}
    partner: int | None = None
    if str(who) != "both":
        try:
            partner = int(who)
        except (TypeError, ValueError):
            partner = -1
        if partner not in partner_ids:
            errors["who"] = [_("Choose both, or one of the two partners.")]
    if cadence not in Cadence.values:
        errors["cadence"] = [_("Choose daily, weekly, fortnightly or monthly.")]
    start = starts_on or timezone.localdate()
    start_problem = commitment_start_error(start)
    if start_problem:
        errors["starts_on"] = [start_problem]
    if errors:
        raise ValidationError(errors)
    return description, partner, cadence, start


def _add_revision(
    viewer: Viewer,
    commitment: Commitment,
    description: str,
    partner: int | None,
    cadence: str,
    start: dt.date,
) -> CommitmentRevision:
    return CommitmentRevision.objects.create(
        organisation_id=commitment.organisation_id,
        commitment=commitment,
        description=description,
        partner_id=partner,
        cadence=cadence,
        starts_on=start,
        revised_by=viewer.user,
    )


def commitment_create(
    *,
    viewer: Viewer,
    couple: Couple,
    description: str,
    who: str | int,
    cadence: str,
    starts_on: dt.date | None = None,
) -> Commitment:
    require_commitment_write(viewer, couple)
    description, partner, cadence, start = _clean(couple, description, who, cadence, starts_on)
    with transaction.atomic():
        commitment = Commitment.objects.create(
            organisation_id=couple.organisation_id, couple=couple, created_by=viewer.user
        )
        _add_revision(viewer, commitment, description, partner, cadence, start)
        viewer.audit(Action.COMMITMENT_CREATE, commitment, who=partner or "both", cadence=cadence)
    return commitment


def commitment_revise(
    *,
    viewer: Viewer,
    couple: Couple,
    commitment: Commitment,
    description: str,
    who: str | int,
    cadence: str,
    starts_on: dt.date | None = None,
) -> CommitmentRevision:
    """A new revision; the earlier ones stay in the history."""
    require_commitment_write(viewer, couple)
    description, partner, cadence, start = _clean(couple, description, who, cadence, starts_on)
    with transaction.atomic():
        revision = _add_revision(viewer, commitment, description, partner, cadence, start)
        viewer.audit(Action.COMMITMENT_REVISE, commitment, revision=revision.pk)
    return revision


def checkin_record(
    *,
    viewer: Viewer,
    couple: Couple,
    commitment: Commitment,
    status: str,
    note: str = "",
    day: dt.date | None = None,
) -> CheckIn:
    """A partner who keeps the commitment says whether they kept it this period, or the
    period DAY falls in when they catch up on an earlier one (never one still to come)."""
    revision = commitment.revisions.order_by("-created_at", "-id").first()
    assert revision is not None
    commitment.couple = couple
    require_commitment_checkin(viewer, commitment, revision)
    errors: dict[str, list[str]] = {}
    if status not in CheckInStatus.values:
        errors["status"] = [_("Choose done or missed.")]
    if len(note) > MAX_TEXT:
        errors["note"] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    if commitment.ended_at is not None:
        errors["commitment"] = [_("This commitment has ended.")]
    if timezone.localdate() < revision.starts_on:
        errors["commitment"] = [_("This commitment starts on %(d)s.") % {"d": revision.starts_on}]
    elif day is not None and not revision.starts_on <= day <= timezone.localdate():
        errors["day"] = [_("Choose a day between the start and today.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        checkin = CheckIn.objects.create(
            organisation_id=couple.organisation_id,
            commitment=commitment,
            partner=viewer.user,
            period_start=current_period(revision, day),
            status=status,
            note=note.strip(),
        )
        viewer.audit(
            Action.COMMITMENT_CHECKIN,
            commitment,
            status=status,
            period=checkin.period_start.isoformat(),
        )
    return checkin


# After a medicine session ------------------------------------------------------------------


def integration_offer_record(
    *, viewer: Viewer, couple: Couple, session: MedicineSession, answer: str, note: str = ""
) -> IntegrationOffer:
    """The care team records that integration was offered after SESSION, and the answer."""
    require_integration_record(viewer, couple, action="record integration offers for")
    errors: dict[str, list[str]] = {}
    if session.couple_id != couple.pk:
        errors["session"] = [_("Not a session of this couple.")]
    elif session.status not in ENDED_STATUSES:
        errors["session"] = [_("Integration is offered after the session has ended.")]
    if answer not in OfferAnswer.values:
        errors["answer"] = [_("Choose accepted, declined or not decided yet.")]
    if len(note) > MAX_TEXT:
        errors["note"] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        offer = IntegrationOffer.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            session=session,
            answer=answer,
            note=note.strip(),
            offered_by=viewer.user,
        )
        viewer.audit(Action.INTEGRATION_OFFER, session, answer=answer)
    return offer


def _notes_errors(notes: str, carry_forward: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, text in (("notes", notes), ("carry_forward", carry_forward)):
        if len(text) > MAX_NOTES:
            errors[name] = [_("At most %(n)s characters.") % {"n": f"{MAX_NOTES:,}"}]
    return errors


def _people_errors(
    couple: Couple, partner_id: int | None, facilitator_id: int
) -> dict[str, list[str]]:
    """An integration session is with both partners (no partner) or one of them, led by a
    facilitator of the couple's care team."""
    errors: dict[str, list[str]] = {}
    if partner_id is not None and partner_id not in {p.user_id for p in couple.loaded_partners}:
        errors["partner"] = [_("Not a partner of this couple.")]
    if facilitator_id not in {m.user_id for m in couple.loaded_care_team}:
        errors["facilitator"] = [_("Choose a facilitator on this couple's care team.")]
    return errors


def integration_session_record(
    *,
    viewer: Viewer,
    couple: Couple,
    held_at: dt.datetime,
    facilitator_id: int,
    partner_id: int | None = None,
    medicine_session: MedicineSession | None = None,
    notes: str = "",
    carry_forward: str = "",
) -> IntegrationSession:
    """An integration session held, joint (no partner) or with one partner."""
    require_integration_record(viewer, couple, action="record integration sessions for")
    errors = _people_errors(couple, partner_id, facilitator_id)
    held_problem = held_error(_("An integration session"), held_at, joined=couple.created_at)
    if held_problem:
        errors["held_at"] = [held_problem]
    if medicine_session is not None and medicine_session.couple_id != couple.pk:
        errors["medicine_session"] = [_("Not a session of this couple.")]
    errors.update(_notes_errors(notes, carry_forward))
    if errors:
        raise ValidationError(errors)
    # Colorado's pre-session form is signed for a booked session: one recorded after the fact
    # without a booking is refused there (the profile says which sessions need it).
    require_session_signed(
        couple=couple,
        kind="integration",
        booking=None,
        partner_ids=[partner_id] if partner_id is not None else None,
    )
    with transaction.atomic():
        booking = booking_reserve(
            viewer=viewer,
            organisation=couple.organisation,
            couple=couple,
            kind=BookingKind.INTEGRATION,
            starts_at=held_at,
            ends_at=held_at + dt.timedelta(minutes=DEFAULT_MINUTES),
            room=None,
            facilitator_ids=[facilitator_id],
            held=True,
        )
        held = IntegrationSession.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            booking=booking,
            medicine_session=medicine_session,
            partner_id=partner_id,
            held_at=held_at,
            facilitator_id=facilitator_id,
            notes=notes.strip(),
            carry_forward=carry_forward.strip(),
            recorded_by=viewer.user,
        )
        viewer.audit(
            Action.INTEGRATION_RECORD, held, partner=partner_id, facilitator=facilitator_id
        )
    return held


def integration_session_schedule(
    *,
    viewer: Viewer,
    couple: Couple,
    at: dt.datetime,
    facilitator_id: int,
    partner_id: int | None = None,
    ends_at: dt.datetime | None = None,
    room: str = "",
) -> IntegrationSession:
    """An integration session to come, joint (no partner) or with one partner: it appears in
    the partners' schedule and calendars, and they are reminded the day before. It holds its
    room (a name or id of the organisation's) and facilitator from AT to ENDS_AT
    (DEFAULT_MINUTES unless given): a BookingConflict when either is taken then."""
    require_integration_record(viewer, couple, action="schedule integration sessions for")
    errors = _people_errors(couple, partner_id, facilitator_id)
    at_problem = planned_error(_("An integration session"), at)
    if at_problem:
        errors["at"] = [at_problem]
    end, place = couple_slot_check(
        couple=couple,
        starts_at=at,
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
            kind=BookingKind.INTEGRATION,
            starts_at=at,
            ends_at=end,
            room=place,
            facilitator_ids=[facilitator_id],
        )
        planned = IntegrationSession.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            partner_id=partner_id,
            held_at=at,
            status=IntegrationSessionStatus.SCHEDULED,
            facilitator_id=facilitator_id,
            recorded_by=viewer.user,
            booking=booking,
        )
        viewer.audit(
            Action.INTEGRATION_SCHEDULE,
            planned,
            partner=partner_id,
            facilitator=facilitator_id,
            at=at.isoformat(),
            room=place.pk if place else None,
        )
    return planned


def integration_session_close(
    *,
    viewer: Viewer,
    couple: Couple,
    planned: IntegrationSession,
    held: bool,
    notes: str = "",
    carry_forward: str = "",
) -> IntegrationSession:
    """A scheduled session, now held (with its notes and what the couple carries forward) or
    cancelled. Either way it leaves the schedule and any reminder not yet sent stops."""
    require_integration_record(viewer, couple, action="record integration sessions for")
    errors: dict[str, list[str]] = {}
    if planned.couple_id != couple.pk:
        errors["session"] = [_("Not a session of this couple.")]
    elif planned.status != IntegrationSessionStatus.SCHEDULED:
        errors["session"] = [_("This session is already %(s)s.") % {"s": planned.status}]
    elif held and planned.held_at > timezone.now() + dt.timedelta(minutes=5):
        errors["session"] = [_("Record a session once it has been held.")]
    errors.update(_notes_errors(notes, carry_forward))
    if errors:
        raise ValidationError(errors)
    if held:  # held only once the profile's per-session forms are signed for its booking
        require_session_signed(
            couple=couple,
            kind="integration",
            booking=planned.booking,
            partner_ids=[planned.partner_id] if planned.partner_id is not None else None,
        )
    with transaction.atomic():
        planned.status = (
            IntegrationSessionStatus.HELD if held else IntegrationSessionStatus.CANCELLED
        )
        planned.notes = notes.strip()
        planned.carry_forward = carry_forward.strip()
        planned.recorded_by = viewer.user
        planned.save(update_fields=["status", "notes", "carry_forward", "recorded_by"])
        if not held and planned.booking_id is not None:
            booking = Booking.objects.get(pk=planned.booking_id)
            if booking.status != BookingStatus.CANCELLED:
                booking_cancel(
                    viewer=viewer,
                    booking=booking,
                    reason=notes.strip() or _("Closed as not held."),
                )
        viewer.audit(Action.INTEGRATION_HOLD if held else Action.INTEGRATION_CANCEL, planned)
    return planned


def follow_ups_create(session: MedicineSession) -> list[FollowUpContact]:
    """The profile's follow-up contacts for each partner, counted from the session's end
    (idempotent: called when the session closes)."""
    rules = get_profile(session.profile).integration
    if rules is None or not rules.follow_up_contact_days or session.ended_at is None:
        return []
    end = timezone.localdate(session.ended_at)
    made = []
    for partner_id in session.couple.partners.values_list("user_id", flat=True):
        for days in rules.follow_up_contact_days:
            contact, created = FollowUpContact.objects.get_or_create(
                session=session,
                partner_id=partner_id,
                due_on=end + dt.timedelta(days=days),
                defaults={
                    "organisation_id": session.organisation_id,
                    "couple_id": session.couple_id,
                },
            )
            if created:
                made.append(contact)
    return made


def follow_up_done(
    *, viewer: Viewer, couple: Couple, contact: FollowUpContact, note: str = ""
) -> FollowUpContact:
    require_integration_record(viewer, couple, action="record follow-up contacts for")
    if contact.couple_id != couple.pk:
        raise ValidationError({"contact": [_("Not a contact of this couple.")]})
    if contact.done_at is not None:
        raise ValidationError({"contact": [_("This contact is already recorded.")]})
    with transaction.atomic():
        contact.done_at = timezone.now()
        contact.done_by = viewer.user
        contact.note = note.strip()[:MAX_TEXT]
        contact.save(update_fields=["done_at", "done_by", "note"])
        viewer.audit(Action.INTEGRATION_FOLLOW_UP, contact)
    return contact
