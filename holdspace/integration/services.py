"""Commitments the couple makes, their revisions, and the partners' check-ins."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.couples.models import Couple
from holdspace.integration.models import (
    CADENCE_DAYS,
    Cadence,
    CheckIn,
    Commitment,
    CommitmentRevision,
)
from holdspace.policy import Viewer, is_care_team_of, is_partner_of, refuse

MAX_TEXT = 4000


def _require_commitment_write(viewer: Viewer, couple: Couple) -> None:
    """The partners write their commitments, or their care team with them."""
    if not (is_partner_of(viewer, couple) or is_care_team_of(viewer, couple)):
        raise refuse(
            viewer,
            action="write the commitments of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


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
    if start < timezone.localdate() - dt.timedelta(days=365):
        errors["starts_on"] = [_("Start within the last year.")]
    if errors:
        raise ValidationError(errors)
    return description, partner, cadence, start


def commitment_create(
    *,
    viewer: Viewer,
    couple: Couple,
    description: str,
    who: str | int,
    cadence: str,
    starts_on: dt.date | None = None,
) -> Commitment:
    _require_commitment_write(viewer, couple)
    description, partner, cadence, start = _clean(couple, description, who, cadence, starts_on)
    with transaction.atomic():
        commitment = Commitment.objects.create(
            organisation_id=couple.organisation_id, couple=couple, created_by=viewer.user
        )
        CommitmentRevision.objects.create(
            organisation_id=couple.organisation_id,
            commitment=commitment,
            description=description,
            partner_id=partner,
            cadence=cadence,
            starts_on=start,
            revised_by=viewer.user,
        )
        viewer.audit(
            action="commitment.create",
            organisation_id=couple.organisation_id,
            object_type="commitment",
            object_id=commitment.pk,
            couple_id=couple.pk,
            detail={"who": partner or "both", "cadence": cadence},
        )
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
    _require_commitment_write(viewer, couple)
    description, partner, cadence, start = _clean(couple, description, who, cadence, starts_on)
    with transaction.atomic():
        revision = CommitmentRevision.objects.create(
            organisation_id=couple.organisation_id,
            commitment=commitment,
            description=description,
            partner_id=partner,
            cadence=cadence,
            starts_on=start,
            revised_by=viewer.user,
        )
        viewer.audit(
            action="commitment.revise",
            organisation_id=couple.organisation_id,
            object_type="commitment",
            object_id=commitment.pk,
            couple_id=couple.pk,
            detail={"revision": revision.pk},
        )
    return revision


def current_period(revision: CommitmentRevision, day: dt.date | None = None) -> dt.date:
    """The start of the period DAY falls in (the first period before it starts)."""
    day = day or timezone.localdate()
    if day <= revision.starts_on:
        return revision.starts_on
    length = CADENCE_DAYS[Cadence(revision.cadence)]
    return revision.starts_on + dt.timedelta(
        days=((day - revision.starts_on).days // length) * length
    )


def checkin_record(
    *, viewer: Viewer, couple: Couple, commitment: Commitment, status: str, note: str = ""
) -> CheckIn:
    """A partner who keeps the commitment says whether they kept it this period."""
    revision = commitment.revisions.order_by("-created_at", "-id").first()
    assert revision is not None
    keeps = revision.partner_id is None or revision.partner_id == viewer.user.pk
    if not (is_partner_of(viewer, couple) and keeps):
        raise refuse(
            viewer,
            action="check in on",
            what="commitment",
            object_id=commitment.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    errors: dict[str, list[str]] = {}
    if status not in {CheckIn.DONE, CheckIn.MISSED}:
        errors["status"] = [_("Choose done or missed.")]
    if len(note) > MAX_TEXT:
        errors["note"] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    if commitment.ended_at is not None:
        errors["commitment"] = [_("This commitment has ended.")]
    if timezone.localdate() < revision.starts_on:
        errors["commitment"] = [_("This commitment starts on %(d)s.") % {"d": revision.starts_on}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        checkin = CheckIn.objects.create(
            organisation_id=couple.organisation_id,
            commitment=commitment,
            partner=viewer.user,
            period_start=current_period(revision),
            status=status,
            note=note.strip(),
        )
        viewer.audit(
            action="commitment.checkin",
            organisation_id=couple.organisation_id,
            object_type="commitment",
            object_id=commitment.pk,
            couple_id=couple.pk,
            detail={"status": status, "period": checkin.period_start.isoformat()},
        )
    return checkin
