"""Facilitator credentials: recording them, verifying them (org admin or clinical lead only),
the rule that keeps an unlicensed facilitator out of a medicine session, the nightly expiry
sweep, and partners' reviews of their guides. Every change is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.accounts.zones import org_localdate
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record
from holdspace.couples.models import Couple
from holdspace.facilitators.models import (
    Credential,
    CredentialKind,
    CredentialStatus,
    ExpiryWarning,
    FacilitatorProfile,
    GuideReview,
)
from holdspace.lib.citations import citation
from holdspace.lib.dates import credential_date_errors, day_text
from holdspace.policy.core import Viewer
from holdspace.policy.facilitators import (
    require_credential_verify,
    require_facilitator_records_change,
    require_guide_review,
)
from holdspace.screening.profiles import get_profile

EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# The nightly sweep warns 60, 30 and 7 days before a credential expires; from the 30-day
# warning on, the facilitators list and the facilitator's page show it warned too (issue 7).
WARNED_WITHIN_DAYS = 30
WARNING_DAYS = (60, WARNED_WITHIN_DAYS, 7)


# Who may serve ------------------------------------------------------------------------------


def facilitator_problems(
    *, organisation: Organisation, user_ids: Iterable[int], on: dt.date
) -> dict[int, list[str]]:
    """For each facilitator, what keeps them from a medicine session on ON under the
    organisation's profile: no verified, unexpired licence for its jurisdiction, and (where the
    profile asks) no current Basic Life Support certification. Empty lists mean they may serve."""
    ids = list(dict.fromkeys(user_ids))
    held, names = held_credentials(organisation, ids)
    return {uid: problems_on(organisation, held[uid], names.get(uid, str(uid)), on) for uid in ids}


def held_credentials(
    organisation: Organisation, user_ids: list[int]
) -> tuple[dict[int, list[Credential]], dict[int, str]]:
    """The licences and BLS certifications of USER_IDS, and their names (two queries)."""
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "display_name"))
    held: dict[int, list[Credential]] = {uid: [] for uid in user_ids}
    for credential in Credential.objects.filter(
        organisation=organisation,
        facilitator_id__in=user_ids,
        kind__in=[CredentialKind.LICENCE, CredentialKind.BLS],
    ).defer("evidence"):
        held[credential.facilitator_id].append(credential)
    return held, names


def problems_on(
    organisation: Organisation, held: list[Credential], name: str, on: dt.date
) -> list[str]:
    requirements = get_profile(organisation.profile).facilitators
    found: list[str] = []
    licences = [
        c
        for c in held
        if c.kind == CredentialKind.LICENCE
        and (
            not requirements.licence_jurisdiction
            or c.jurisdiction.strip().lower() == requirements.licence_jurisdiction.lower()
        )
    ]
    if not any(c.current_on(on) for c in licences):
        rule = citation(requirements.source, short=True)
        found.append(
            (
                _("%(name)s has no verified %(licence)s valid on %(day)s (%(source)s).")
                if rule
                else _("%(name)s has no verified %(licence)s valid on %(day)s.")
            )
            % {
                "name": name,
                "licence": requirements.licence_label,
                "day": day_text(on),
                "source": rule,
            }
        )
    if requirements.bls_required and not any(
        c.kind == CredentialKind.BLS and c.current_on(on) for c in held
    ):
        found.append(
            _("%(name)s has no current, verified Basic Life Support certification on %(day)s.")
            % {"name": name, "day": day_text(on)}
        )
    return found


def facilitator_refusals(
    *, organisation: Organisation, user_ids: Iterable[int], on: dt.date
) -> list[str]:
    """Every reason, over all of USER_IDS, that keeps one of them from a session on ON."""
    problems = facilitator_problems(organisation=organisation, user_ids=user_ids, on=on)
    return [message for found in problems.values() for message in found]


# Recording and verifying -------------------------------------------------------------------


def _check_evidence(evidence: UploadedFile | None) -> None:
    if evidence is None:
        return
    suffix = (evidence.name or "").rsplit(".", 1)[-1].lower()
    if suffix not in EVIDENCE_TYPES:
        raise ValidationError({"evidence": [_("Upload a PDF, PNG or JPEG file.")]})
    if (evidence.size or 0) > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": [_("The file is larger than 10 MB.")]})
    head = evidence.read(8)
    evidence.seek(0)
    signatures = {
        "pdf": (b"%PDF",),
        "png": (b"\x89PNG",),
        "jpg": (b"\xff\xd8\xff",),
        "jpeg": (b"\xff\xd8\xff",),
    }
    if not any(head.startswith(sig) for sig in signatures[suffix]):
        raise ValidationError(
            {"evidence": [_("The file's content is not a %(kind)s.") % {"kind": suffix.upper()}]}
        )


@dataclass(frozen=True)
class CredentialInput:
    kind: str
    title: str
    jurisdiction: str = ""
    number: str = ""
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    hours: int | None = None


def _credential_errors(data: CredentialInput) -> dict[str, list[str]]:
    """What is wrong with DATA, by field: each kind asks for what proves it."""
    errors: dict[str, list[str]] = {}
    if data.kind not in CredentialKind.values:
        errors["kind"] = [_("Choose licence, training, bls or insurance.")]
    if not data.title.strip():
        errors["title"] = [_("Name the licence type, program or provider.")]
    if data.kind == CredentialKind.LICENCE and not data.jurisdiction.strip():
        errors["jurisdiction"] = [_("Say which jurisdiction issued the licence.")]
    if (
        data.kind in {CredentialKind.LICENCE, CredentialKind.BLS, CredentialKind.INSURANCE}
        and not data.expires_on
    ):
        errors["expires_on"] = [_("Give the expiry date.")]
    for field, problems in credential_date_errors(data.issued_on, data.expires_on).items():
        errors.setdefault(field, problems)
    if data.kind == CredentialKind.TRAINING and data.hours is not None and data.hours <= 0:
        errors["hours"] = [_("Give the hours as a positive number.")]
    return errors


def credential_add(
    *,
    viewer: Viewer,
    organisation: Organisation,
    facilitator_id: int,
    data: CredentialInput,
    evidence: UploadedFile | None = None,
) -> Credential:
    """Record a credential, unverified, with its evidence."""
    require_facilitator_records_change(
        viewer, organisation.pk, facilitator_id, action="add credentials for", what="facilitator"
    )
    if not Membership.objects.filter(
        organisation=organisation,
        user_id=facilitator_id,
        role__in=[Role.FACILITATOR, Role.CLINICAL_LEAD],
    ).exists():
        raise ValidationError({"facilitator_id": [_("Not a facilitator of this organisation.")]})
    errors = _credential_errors(data)
    if errors:
        raise ValidationError(errors)
    _check_evidence(evidence)
    with transaction.atomic():
        credential = Credential(
            organisation=organisation,
            facilitator_id=facilitator_id,
            kind=data.kind,
            title=data.title.strip(),
            jurisdiction=data.jurisdiction.strip(),
            number=data.number.strip(),
            issued_on=data.issued_on,
            expires_on=data.expires_on,
            hours=data.hours,
        )
        if evidence is not None:
            credential.evidence_name = (evidence.name or "evidence")[:200]
            credential.evidence.save(evidence.name or "evidence", evidence, save=False)
        credential.save()
        viewer.audit(
            Action.CREDENTIAL_ADD,
            credential,
            facilitator=facilitator_id,
            kind=data.kind,
            evidence=bool(evidence),
        )
    return credential


def credential_set_status(
    *, viewer: Viewer, credential: Credential, status: str, register: str = ""
) -> Credential:
    """An org admin or clinical lead marks a credential verified (against a named register),
    suspended, revoked or expired. Nobody else can."""
    require_credential_verify(viewer, credential)
    if status not in CredentialStatus.values:
        raise ValidationError(
            {"status": [_("Choose one of: %(s)s.") % {"s": ", ".join(CredentialStatus.values)}]}
        )
    register = register.strip()
    if status == CredentialStatus.VERIFIED:
        if not register:
            raise ValidationError({"register": [_("Name the public register you checked.")]})
        if credential.expires_on and credential.expires_on <= timezone.localdate():
            raise ValidationError(
                {"status": [_("This credential has expired; it cannot be verified.")]}
            )
    with transaction.atomic():
        before = credential.status
        credential.status = status
        if status == CredentialStatus.VERIFIED:
            credential.verified_by = viewer.user
            credential.verified_at = timezone.now()
            credential.register = register
        credential.updated_at = timezone.now()
        credential.save()
        viewer.audit(
            Action.CREDENTIAL_STATUS,
            credential,
            detail={"from": before, "to": status, "register": register},
        )
    return credential


def profile_update(
    *,
    viewer: Viewer,
    organisation: Organisation,
    facilitator_id: int,
    values: dict[str, Any],
    signed_at: dt.datetime | None = None,
) -> FacilitatorProfile:
    """Change a facilitator's profile. The facilitator alone signs their code of ethics: now,
    or at SIGNED_AT when they signed it before their profile was kept here."""
    require_facilitator_records_change(
        viewer, organisation.pk, facilitator_id, action="change", what="facilitator_profile"
    )
    with transaction.atomic():
        profile, _created = FacilitatorProfile.objects.get_or_create(
            organisation=organisation, facilitator_id=facilitator_id
        )
        for name in ("supervision", "conflicts_of_interest"):
            if name in values:
                setattr(profile, name, str(values[name]).strip())
        for name in ("languages", "substances", "modalities"):
            if name in values:
                setattr(profile, name, [str(v).strip() for v in values[name] if str(v).strip()])
        if values.get("ethics_acknowledged") and profile.ethics_acknowledged_at is None:
            if viewer.user.pk != facilitator_id:
                raise ValidationError(
                    {
                        "ethics_acknowledged": [
                            _("Only the facilitator signs their own acknowledgement.")
                        ]
                    }
                )
            if signed_at is not None and signed_at > timezone.now():
                raise ValidationError(
                    {"ethics_acknowledged": [_("A signature cannot be dated in the future.")]}
                )
            profile.ethics_acknowledged_at = signed_at or timezone.now()
        profile.updated_at = timezone.now()
        profile.save()
        viewer.audit(
            Action.FACILITATOR_PROFILE_UPDATE,
            profile,
            facilitator=facilitator_id,
            fields=sorted(values),
        )
    return profile


# The nightly sweep -------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    warned: list[tuple[int, int]]  # (credential id, days before)
    expired: list[int]


def credentials_sweep(*, today: dt.date | None = None) -> SweepResult:
    """Warn the facilitator and the clinical leads 60, 30 and 7 days before a credential
    expires (once each), and mark it expired on the day. Safe to run more than once a day."""
    given = today
    warned: list[tuple[int, int]] = []
    expired: list[int] = []
    # A day more than the server's horizon: an organisation's clock may be a day ahead of it.
    horizon = (given or timezone.localdate()) + dt.timedelta(days=max(WARNING_DAYS) + 1)
    candidates = (
        Credential.objects.filter(expires_on__isnull=False, expires_on__lte=horizon)
        .exclude(status__in=[CredentialStatus.REVOKED])
        .select_related("facilitator", "organisation")
    )
    for credential in candidates:
        assert credential.expires_on is not None
        # "The day" is the credential's organisation's day.
        today = given or org_localdate(credential.organisation)
        days = (credential.expires_on - today).days
        if days <= 0:
            if credential.status in {CredentialStatus.VERIFIED, CredentialStatus.UNVERIFIED}:
                with transaction.atomic():
                    Credential.objects.filter(pk=credential.pk).update(
                        status=CredentialStatus.EXPIRED, updated_at=timezone.now()
                    )
                    audit_record(
                        action=Action.CREDENTIAL_EXPIRED,
                        organisation_id=credential.organisation_id,
                        actor_label="nightly sweep",
                        object_type="credential",
                        object_id=credential.pk,
                        detail={"expires_on": credential.expires_on.isoformat()},
                    )
                expired.append(credential.pk)
                _warn(credential, 0, today)
            continue
        if credential.status != CredentialStatus.VERIFIED:
            continue
        due = [d for d in WARNING_DAYS if days <= d]
        if not due:
            continue
        threshold = min(due)  # the nearest threshold passed; earlier ones are not sent late
        if _warn(credential, threshold, today):
            warned.append((credential.pk, threshold))
    return SweepResult(warned, expired)


def _warn(credential: Credential, threshold: int, today: dt.date) -> bool:
    """Send one warning (never twice for the same credential and threshold)."""
    try:
        with transaction.atomic():
            ExpiryWarning.objects.create(
                organisation_id=credential.organisation_id,
                credential=credential,
                days_before=threshold,
            )
            leads = list(
                Membership.objects.filter(
                    organisation_id=credential.organisation_id, role=Role.CLINICAL_LEAD
                ).values_list("user__email", flat=True)
            )
            assert credential.expires_on is not None
            if threshold:
                subject = _("A credential expires in %(n)d days") % {
                    "n": (credential.expires_on - today).days
                }
            else:
                subject = _("A credential has expired")
            body = _(
                "%(name)s's %(kind)s “%(title)s” expires on %(day)s. Upload the renewal in "
                "Holdspace so it can be verified; without it they cannot be added to a "
                "medicine session after that day."
            ) % {
                "name": credential.facilitator.display_name,
                "kind": credential.get_kind_display().lower(),
                "title": credential.title,
                "day": day_text(credential.expires_on),
            }
            recipients = list(dict.fromkeys([credential.facilitator.email, *leads]))
            send_mail(f"[Holdspace] {subject}", body, settings.DEFAULT_FROM_EMAIL, recipients)
            audit_record(
                action=Action.CREDENTIAL_WARNING,
                organisation_id=credential.organisation_id,
                actor_label="nightly sweep",
                object_type="credential",
                object_id=credential.pk,
                detail={"days_before": threshold, "to": recipients},
            )
    except IntegrityError:
        return False
    return True


# What partners say about their guides -----------------------------------------------------


def guide_review(
    *, viewer: Viewer, couple: Couple, facilitator_id: int, decision: str, note: str = ""
) -> GuideReview:
    """A partner records that they met a facilitator of their care team and approve them, or
    raises a concern (the note is then required, and the clinical lead sees it)."""
    require_guide_review(viewer, couple)
    team = {m.user_id for m in couple.loaded_care_team}
    errors: dict[str, list[str]] = {}
    if facilitator_id not in team:
        errors["facilitator_id"] = [_("Not a facilitator on your care team.")]
    if decision not in {GuideReview.APPROVE, GuideReview.CONCERN}:
        errors["decision"] = [_("Choose approve or concern.")]
    note = note.strip()
    if decision == GuideReview.CONCERN and not note:
        errors["note"] = [_("Say what concerns you; your clinical lead will read it.")]
    if len(note) > 4000:
        errors["note"] = [_("At most 4000 characters.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        review = GuideReview.objects.create(
            organisation_id=couple.organisation_id,
            couple=couple,
            partner=viewer.user,
            facilitator_id=facilitator_id,
            decision=decision,
            note=note,
        )
        viewer.audit(
            Action.GUIDE_REVIEW,
            review,
            facilitator=facilitator_id,
            decision=decision,
        )
    return review
