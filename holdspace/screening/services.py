"""Submitting a partner's screening (decided by the rules engine on save, against the
partner's decision in force, alerts raised at once) and a clinical lead's override of the
decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.measures.models import SafetyAlert
from holdspace.policy.core import Viewer, require_partner_record_write
from holdspace.policy.screening import require_screening_override
from holdspace.preparation.services import couple_stage_sync
from holdspace.screening.engine import DecisionInForce, Evaluation, evaluate
from holdspace.screening.models import Decision, Screening, ScreeningOverride
from holdspace.screening.profiles import SUBSTANCE_LABELS, Profile, get_profile
from holdspace.screening.rules import rule_set
from holdspace.screening.selectors import screening_in_force

MAX_MEDICATIONS = 40
MAX_MEDICATION_LENGTH = 200
MAX_TEXT = 4000


@dataclass(frozen=True)
class Intake:
    substance: str
    conditions: list[str]
    medications: list[str]
    answers: dict[str, bool]
    substances_used: str
    support_notes: str
    date_of_birth: dt.date | None = None


# A date of birth before this is a typing mistake, not a partner.
EARLIEST_BIRTH = dt.date(1900, 1, 1)


def age_on(born: dt.date, day: dt.date) -> int:
    """Full years from BORN to DAY (a 29 February birthday counts on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def date_of_birth_error(profile: Profile, born: dt.date | None) -> str:
    """Why BORN cannot be taken at intake under PROFILE, or "": in the future, before 1900,
    or younger than the profile's minimum age (checked on the organisation's today)."""
    if born is None:
        return ""
    today = timezone.localdate()
    if born > today:
        return _("A date of birth cannot be in the future.")
    if born < EARLIEST_BIRTH:
        return _("Check the year: a date of birth before 1900 cannot be right.")
    minimum = profile.minimum_age
    if minimum is not None and age_on(born, today) < minimum.years:
        return _(
            "Services under %(profile)s are only for people aged %(years)d or older, so this "
            "intake cannot go on. Please talk to your facilitator."
        ) % {"profile": profile.name, "years": minimum.years}
    return ""


def clean_intake(
    *,
    couple: Couple,
    substance: str,
    conditions: Iterable[str],
    medications: Iterable[str],
    answers: Mapping[str, object],
    substances_used: str = "",
    support_notes: str = "",
    date_of_birth: dt.date | None = None,
) -> Intake:
    """The intake checked against the rule set and the organisation's profile, or a
    ValidationError naming each bad field."""
    rules = rule_set()
    profile = get_profile(couple.organisation.profile)
    errors: dict[str, list[str]] = {}
    if substance not in profile.substances:
        allowed = ", ".join(SUBSTANCE_LABELS.get(s, s) for s in profile.substances)
        errors["substance"] = [
            _("%(profile)s does not allow %(substance)s; choose %(allowed)s.")
            % {"profile": profile.name, "substance": substance, "allowed": allowed}
        ]
    condition_list = list(dict.fromkeys(conditions))
    unknown = [code for code in condition_list if code not in rules.conditions]
    if unknown:
        errors["conditions"] = [
            _("Unknown condition code: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    unknown_answers = [code for code in answers if code not in rules.questions]
    if unknown_answers:
        errors["answers"] = [
            _("Unknown question: %(codes)s.") % {"codes": ", ".join(sorted(unknown_answers))}
        ]
    not_yes_no = [code for code, value in answers.items() if not isinstance(value, bool)]
    if not_yes_no and not unknown_answers:
        errors["answers"] = [
            _("Answer yes or no (true or false): %(codes)s.") % {"codes": ", ".join(not_yes_no)}
        ]
    medication_list = [m.strip() for m in medications if m.strip()]
    if len(medication_list) > MAX_MEDICATIONS:
        errors["medications"] = [_("List at most %(n)d medications.") % {"n": MAX_MEDICATIONS}]
    elif any(len(m) > MAX_MEDICATION_LENGTH for m in medication_list):
        errors["medications"] = [
            _("Each medication name may have at most %(n)d characters.")
            % {"n": MAX_MEDICATION_LENGTH}
        ]
    for name, text in (("substances_used", substances_used), ("support_notes", support_notes)):
        if len(text) > MAX_TEXT:
            errors[name] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    born_problem = date_of_birth_error(profile, date_of_birth)
    if born_problem:
        errors["date_of_birth"] = [born_problem]
    if errors:
        raise ValidationError(errors)
    return Intake(
        substance=substance,
        conditions=condition_list,
        medications=medication_list,
        answers={code: bool(value) for code, value in answers.items()},
        substances_used=substances_used.strip(),
        support_notes=support_notes.strip(),
        date_of_birth=date_of_birth,
    )


def screening_submit(
    *,
    viewer: Viewer,
    couple: Couple,
    partner_id: int,
    substance: str,
    conditions: Iterable[str] = (),
    medications: Iterable[str] = (),
    answers: Mapping[str, object] | None = None,
    substances_used: str = "",
    support_notes: str = "",
    date_of_birth: dt.date | None = None,
) -> Screening:
    """Decide and store one partner's screening; alert the care team at once where a rule
    says so. The partner answers for themselves, or their care team enters it with them."""
    require_partner_record_write(viewer, couple, partner_id, action="screen")
    intake = clean_intake(
        couple=couple,
        substance=substance,
        conditions=conditions,
        medications=medications,
        answers=answers or {},
        substances_used=substances_used,
        support_notes=support_notes,
        date_of_birth=date_of_birth,
    )
    with transaction.atomic():
        # Two answers at once are decided one after the other, each against the one before.
        Couple.objects.select_for_update().filter(pk=couple.pk).first()
        in_force = screening_in_force(couple, partner_id, substance)
        result = evaluate(
            substance=substance,
            conditions=intake.conditions,
            medications=intake.medications,
            answers=intake.answers,
            in_force=_decision_in_force(in_force) if in_force is not None else None,
        )
        screening = _screening_store(viewer, couple, partner_id, intake, result)
        alerts = _alerts_raise(screening, result)
        viewer.audit(
            Action.SCREENING_SUBMIT,
            screening,
            partner=partner_id,
            substance=substance,
            decision=result.decision,
            rules=[f.rule_id for f in result.findings],
            rule_set_version=result.rule_set_version,
            entered_by_partner=viewer.user.pk == partner_id,
            alerts=[alert.rule_id for alert in alerts],
            in_force_before={"screening": in_force.pk, "decision": in_force.effective_decision}
            if in_force is not None
            else None,
        )
        couple_stage_sync(viewer=viewer, couple=couple)
    return screening


def _screening_store(
    viewer: Viewer, couple: Couple, partner_id: int, intake: Intake, result: Evaluation
) -> Screening:
    return Screening.objects.create(
        organisation_id=couple.organisation_id,
        couple=couple,
        partner_id=partner_id,
        substance=intake.substance,
        conditions=intake.conditions,
        medications=[
            {"written": m.written, "generic": m.generic, "atc": m.atc, "classes": m.classes}
            for m in result.medications
        ],
        substances_used=intake.substances_used,
        answers=intake.answers,
        support_notes=intake.support_notes,
        date_of_birth=intake.date_of_birth,
        decision=result.decision,
        findings=[finding.as_dict() for finding in result.findings],
        rule_set_version=result.rule_set_version,
        dictionary_version=result.dictionary_version,
        entered_by=viewer.user,
    )


def _alerts_raise(screening: Screening, result: Evaluation) -> list[SafetyAlert]:
    """A safety alert for each finding that calls for one, for the care team at once."""
    return [
        SafetyAlert.objects.create(
            organisation_id=screening.organisation_id,
            couple_id=screening.couple_id,
            partner_id=screening.partner_id,
            screening=screening,
            rule_id=finding.rule_id,
            message=finding.message,
            source=finding.source,
            created_at=screening.created_at,
        )
        for finding in result.alerts
    ]


def _decision_in_force(screening: Screening) -> DecisionInForce:
    """The partner's decision in force, named for the care team: the screening it comes from,
    or the clinical lead's decision over it."""
    override: ScreeningOverride | None = getattr(screening, "latest_override", None)
    if override is not None:
        description = _(
            "A clinical lead's decision (%(name)s, %(when)s) on screening #%(id)s: %(decision)s"
        ) % {
            "name": override.decided_by.display_name,
            "when": _when(override.created_at),
            "id": override.screening_id,
            "decision": Decision(override.decision).label,
        }
        return DecisionInForce(
            decision=override.decision,
            screening_id=override.screening_id,
            description=description,
        )
    rules = [f["rule_id"] for f in screening.findings if f["outcome"] != "note"]
    description = _("Screening #%(id)s of %(when)s: %(decision)s") % {
        "id": screening.pk,
        "when": _when(screening.created_at),
        "decision": Decision(screening.decision).label,
    }
    if rules:
        description += f" ({', '.join(rules)})"
    return DecisionInForce(
        decision=screening.decision, screening_id=screening.pk, description=description
    )


def _when(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j M Y, H:i")


def screening_override(
    *, viewer: Viewer, screening: Screening, decision: str, reason: str
) -> ScreeningOverride:
    """A clinical lead replaces the engine's decision, with a written reason."""
    require_screening_override(viewer, screening)
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Decision.values)}
        ]
    if len(reason) < 10:
        errors["reason"] = [_("Write the reason for the override (at least 10 characters).")]
    elif len(reason) > MAX_TEXT:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        override = ScreeningOverride.objects.create(
            organisation_id=screening.organisation_id,
            couple_id=screening.couple_id,
            screening=screening,
            decision=decision,
            reason=reason,
            rule_set_version=screening.rule_set_version,
            decided_by=viewer.user,
        )
        viewer.audit(
            Action.SCREENING_OVERRIDE,
            screening,
            detail={
                "override": override.pk,
                "from": screening.decision,
                "to": decision,
                "rule_set_version": screening.rule_set_version,
                "reason": reason,
            },
        )
        couple_stage_sync(viewer=viewer, couple=screening.couple)
    return override
