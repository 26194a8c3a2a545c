"""Scheduling a medicine session, only through the readiness gate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.couples.models import Couple
from holdspace.policy import Viewer, require_care_team
from holdspace.preparation.readiness import Readiness, couple_stage_sync, readiness
from holdspace.screening.profiles import SUBSTANCE_LABELS, get_profile
from holdspace.sessions.models import MedicineSession, SessionFacilitator


class NotReady(Exception):
    """The couple does not meet the profile's requirements for a session at that time."""

    def __init__(self, result: Readiness) -> None:
        super().__init__("The couple is not ready for a medicine session")
        self.readiness = result
        self.missing = result.missing()


def medicine_session_schedule(
    *,
    viewer: Viewer,
    couple: Couple,
    starts_at: dt.datetime,
    room: str = "",
    facilitator_ids: Iterable[int] = (),
    substance: str | None = None,
) -> MedicineSession:
    """Schedule a session for COUPLE at STARTS_AT: the care team only (checked first), with
    valid input, and only when both partners meet every requirement of the profile at that
    time (otherwise NotReady lists what is missing)."""
    require_care_team(viewer, couple, action="schedule medicine sessions for")
    profile = get_profile(couple.organisation.profile)
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at < timezone.now():
        errors["starts_at"] = [_("Choose a start time in the future.")]
    if substance is not None and substance not in profile.substances:
        allowed = ", ".join(SUBSTANCE_LABELS.get(s, s) for s in profile.substances)
        errors["substance"] = [
            _("%(profile)s does not allow %(substance)s; choose %(allowed)s.")
            % {"profile": profile.name, "substance": substance, "allowed": allowed}
        ]
    facilitators = list(dict.fromkeys(facilitator_ids))
    team = {m.user_id for m in couple.loaded_care_team}
    strangers = [f for f in facilitators if f not in team]
    if strangers:
        errors["facilitator_ids"] = [
            _("Not on this couple's care team: %(ids)s.")
            % {"ids": ", ".join(str(f) for f in strangers)}
        ]
    if len(room) > 120:
        errors["room"] = [_("At most 120 characters.")]
    if errors:
        raise ValidationError(errors)
    result = readiness(couple, at=starts_at, substance=substance)
    if not result.ready:
        viewer.audit(
            action="medicine_session.refused",
            organisation_id=couple.organisation_id,
            object_type="couple",
            object_id=couple.pk,
            couple_id=couple.pk,
            detail={
                "starts_at": starts_at.isoformat(),
                "missing": [m["code"] for m in result.missing()],
            },
        )
        raise NotReady(result)
    with transaction.atomic():
        session = MedicineSession.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            substance=result.substance,
            starts_at=starts_at,
            room=room.strip(),
            profile=profile.id,
            profile_version=profile.version,
            scheduled_by=viewer.user,
        )
        SessionFacilitator.objects.bulk_create(
            SessionFacilitator(organisation_id=couple.organisation_id, session=session, user_id=f)
            for f in facilitators
        )
        viewer.audit(
            action="medicine_session.schedule",
            organisation_id=couple.organisation_id,
            object_type="medicine_session",
            object_id=session.pk,
            couple_id=couple.pk,
            detail={
                "starts_at": starts_at.isoformat(),
                "substance": result.substance,
                "facilitators": facilitators,
                "profile": f"{profile.id}@{profile.version}",
            },
        )
        couple_stage_sync(couple)
    return session
