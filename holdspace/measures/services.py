"""Submitting measure responses (scored on save, alerts raised at once) and acknowledging
safety alerts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import User
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple, Partner
from holdspace.measures.library import Instrument, InstrumentError, get_instrument
from holdspace.measures.models import MeasureResponse, SafetyAlert, Timepoint
from holdspace.measures.scoring import AnswerError, Change, Result, reliable_change, score
from holdspace.policy.core import Viewer
from holdspace.policy.measures import require_measures_share, require_response_submit

# A form's token or an API caller's idempotency key: URL-safe, long enough not to collide.
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Submitted:
    response: MeasureResponse
    alerts: list[SafetyAlert]
    change_from_baseline: Change | None
    created: bool = True  # False: the same form (or key) sent again; nothing new was stored


class SubmissionConflict(Exception):
    """Other answers (or another questionnaire) under a submission key already used."""

    def __init__(self, stored: MeasureResponse) -> None:
        super().__init__("Other answers were already sent under this submission key")
        self.stored = stored


def current_response(
    *, couple: Couple, partner_id: int, instrument: str, timepoint: str
) -> MeasureResponse | None:
    """The newest response at that timepoint (the one nothing supersedes)."""
    return (
        MeasureResponse.objects.filter(
            organisation_id=couple.organisation_id,
            couple=couple,
            partner_id=partner_id,
            instrument=instrument,
            timepoint=timepoint,
            superseded_by__isnull=True,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def response_submit(
    *,
    viewer: Viewer,
    couple: Couple,
    instrument: str,
    timepoint: str,
    answers: Mapping[str, float | None],
    partner_id: int | None = None,
    taken_at: datetime | None = None,
    submission_key: str | None = None,
) -> Submitted:
    """Score and store one response; raise its safety alerts in the same transaction.

    A response already at that timepoint for that partner and instrument is superseded, not
    changed. Unknown instruments, timepoints and off-scale answers are refused by name.
    TAKEN_AT records when a questionnaire answered earlier (on paper, say) was taken; it
    defaults to now. SUBMISSION_KEY (the open form's token, or an API idempotency key) makes a
    second send the same response: the stored one comes back (created False), and other
    answers under a used key raise SubmissionConflict. The database's unique constraint
    decides when two sends arrive at once.
    """
    partner_id = viewer.user.pk if partner_id is None else partner_id
    require_response_submit(viewer, couple, partner_id)
    if submission_key is not None and not SUBMISSION_KEY.match(submission_key):
        raise ValidationError(
            {"submission_key": _("Use 16 to 64 letters, digits, hyphens or underscores.")}
        )
    replay = _replayed(couple, partner_id, submission_key, instrument, timepoint, answers)
    if replay is not None:
        return replay
    definition, result = _scored(instrument, timepoint, answers)
    administered_by = None if partner_id == viewer.user.pk else viewer.user
    for attempt in (1, 2):
        try:
            response, alerts = _store(
                viewer=viewer,
                couple=couple,
                definition=definition,
                timepoint=timepoint,
                result=result,
                partner_id=partner_id,
                administered_by=administered_by,
                taken_at=taken_at,
                submission_key=submission_key,
            )
            break
        except IntegrityError:
            # The same form sent twice at once: the first send's row won the constraint.
            replay = _replayed(couple, partner_id, submission_key, instrument, timepoint, answers)
            if replay is not None:
                return replay
            if attempt == 2:
                raise
            # Another response at this timepoint landed first: supersede that one instead.
    return Submitted(response, alerts, _change_from_baseline(definition, response))


def _scored(
    instrument: str, timepoint: str, answers: Mapping[str, float | None]
) -> tuple[Instrument, Result]:
    """The instrument and ANSWERS scored by it; an unknown instrument or timepoint, or an
    answer off the scale, is refused by name."""
    try:
        definition = get_instrument(instrument)
    except InstrumentError as exc:
        raise ValidationError({"instrument": str(exc)}) from exc
    if timepoint not in Timepoint.values:
        raise ValidationError(
            {
                "timepoint": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(Timepoint.values)}
            }
        )
    try:
        return definition, score(definition, answers)
    except AnswerError as exc:
        raise ValidationError(exc.problems) from exc


def _replayed(
    couple: Couple,
    partner_id: int,
    submission_key: str | None,
    instrument: str,
    timepoint: str,
    answers: Mapping[str, float | None],
) -> Submitted | None:
    """The response already stored under SUBMISSION_KEY when these are the same answers to
    the same questionnaire; SubmissionConflict when they are not; None when the key is new."""
    if submission_key is None:
        return None
    stored = (
        MeasureResponse.objects.filter(partner_id=partner_id, submission_key=submission_key)
        .select_related("couple")
        .first()
    )
    if stored is None:
        return None
    same = stored.couple_id == couple.pk and (stored.instrument, stored.timepoint) == (
        instrument,
        timepoint,
    )
    if same:
        try:
            same = score(get_instrument(instrument), answers).answers == stored.answers
        except (AnswerError, InstrumentError):
            same = False
    if not same:
        raise SubmissionConflict(stored)
    definition = get_instrument(stored.instrument)
    return Submitted(
        stored,
        list(stored.alerts.all()),
        _change_from_baseline(definition, stored),
        created=False,
    )


def _store(
    *,
    viewer: Viewer,
    couple: Couple,
    definition: Instrument,
    timepoint: str,
    result: Result,
    partner_id: int,
    administered_by: User | None,
    taken_at: datetime | None,
    submission_key: str | None,
) -> tuple[MeasureResponse, list[SafetyAlert]]:
    instrument = definition.code
    with transaction.atomic():
        earlier = current_response(
            couple=couple, partner_id=partner_id, instrument=instrument, timepoint=timepoint
        )
        response = MeasureResponse.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            partner_id=partner_id,
            instrument=definition.code,
            instrument_version=definition.version,
            timepoint=timepoint,
            answers=result.answers,
            total=result.total.value if result.total else None,
            subscales={k: v.value for k, v in result.subscales.items()},
            band=result.band.label if result.band else "",
            missing=result.missing,
            rules=result.rules,
            administered_by=administered_by,
            supersedes=earlier,
            created_at=taken_at or timezone.now(),
            submission_key=submission_key,
        )
        alerts = [
            SafetyAlert.objects.create(
                organisation_id=couple.organisation_id,
                couple=couple,
                partner_id=partner_id,
                response=response,
                rule_id=flag.rule_id,
                message=flag.message,
                source=flag.source,
                created_at=response.created_at,
            )
            for flag in result.flags
        ]
        viewer.audit(
            Action.MEASURE_SUBMIT,
            response,
            instrument=definition.code,
            timepoint=timepoint,
            partner=partner_id,
            administered=administered_by is not None,
            supersedes=earlier.pk if earlier else None,
            alerts=[alert.rule_id for alert in alerts],
        )
    return response, alerts


def _change_from_baseline(definition: Instrument, response: MeasureResponse) -> Change | None:
    if response.timepoint == Timepoint.BASELINE or response.total is None:
        return None
    if definition.reliable_change is None:
        return None
    baseline = current_response(
        couple=response.couple,
        partner_id=response.partner_id,
        instrument=response.instrument,
        timepoint=Timepoint.BASELINE,
    )
    if baseline is None or baseline.total is None:
        return None
    return reliable_change(definition, baseline.total, response.total)


def alert_acknowledge(*, viewer: Viewer, alert: SafetyAlert, note: str) -> SafetyAlert:
    """A named staff member records that they have seen the alert and what they did."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what you did or will do about this alert.")})
    if alert.acknowledged_at is not None:
        raise ValidationError({"note": _("This alert has already been acknowledged.")})
    with transaction.atomic():
        locked = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
        if locked.acknowledged_at is not None:
            raise ValidationError({"note": _("This alert has already been acknowledged.")})
        locked.acknowledged_by = viewer.user
        locked.acknowledged_at = timezone.now()
        locked.note = note
        locked.save(update_fields=["acknowledged_by", "acknowledged_at", "note"])
        viewer.audit(
            Action.ALERT_ACKNOWLEDGE,
            locked,
            rule=locked.rule_id,
        )
    return locked


def measures_share(*, viewer: Viewer, couple: Couple, visibility: str) -> None:
    """A partner decides whether their partner sees their questionnaire scores."""
    if visibility not in {"team", "couple"}:
        raise ValidationError({"visibility": _("Choose team or couple.")})
    require_measures_share(viewer, couple)
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(couple=couple, user=viewer.user)
        if partner.measures_visibility == visibility:
            return
        previous = partner.measures_visibility
        partner.measures_visibility = visibility
        partner.save(update_fields=["measures_visibility"])
        viewer.audit(
            Action.MEASURE_SHARE,
            partner,
            visibility=[previous, visibility],
        )
