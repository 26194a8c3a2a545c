"""Signing a document: the signer has read its exact text and typed their full name. One write
path for the web and the API; one transaction with the audit event. A signature is never
changed: a new version of a document, or a changed touch consent, is a new signature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingStatus
from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer
from holdspace.policy.preparation import signer_roles
from holdspace.preparation.documents import Document, document_for
from holdspace.preparation.forms import FORMS, AcknowledgementForm
from holdspace.preparation.models import Signature, SignerRole
from holdspace.preparation.services import couple_stage_sync
from holdspace.preparation.signatures.gate import booking_participants
from holdspace.screening.profiles import Profile, RequiredForm, get_profile

MAX_TYPED_NAME = 200


def signing_form(profile: Profile, document: str) -> RequiredForm | None:
    """The signed form DOCUMENT names under PROFILE, or None when it signs no such thing."""
    form = profile.required(document)
    return form if form is not None and form.signed else None


def has_answers(document: str) -> bool:
    """Whether the document is signed with answers (touch consent: which kinds of touch)."""
    form = FORMS.get(document)
    return form is not None and form is not AcknowledgementForm


def _answers(
    document: str, answers: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The form's answers cleaned, and the errors by field (prefixed `answers.`)."""
    if not has_answers(document):
        return {}, {}
    form = FORMS[document](data=answers or {})
    if form.is_valid():
        return form.cleaned_payload(), {}
    return {}, {
        (f"answers.{name}" if name != "__all__" else "answers"): [
            str(error["message"]) for error in problems
        ]
        for name, problems in form.errors.get_json_data(escape_html=False).items()
    }


def _booking(
    couple: Couple, form: RequiredForm, booking_id: int | None
) -> tuple[Booking | None, str]:
    """The booking a per-session form is signed for, or why not."""
    if not form.per_session:
        return None, (
            _("%(form)s is signed once, not for a session.") % {"form": form.name}
            if booking_id is not None
            else ""
        )
    if booking_id is None:
        return None, _("Say which session this is signed for.")
    booking = Booking.objects.filter(
        organisation_id=couple.organisation_id, couple=couple, pk=booking_id
    ).first()
    if booking is None:
        return None, _("No such session of this couple.")
    assert form.signing is not None
    if booking.status == BookingStatus.CANCELLED:
        return None, _("This session was cancelled.")
    if booking.kind not in form.signing.before_each:
        return None, _("%(form)s is not signed before this kind of session.") % {"form": form.name}
    return booking, ""


def _role(
    viewer: Viewer, couple: Couple, partner_id: int, form: RequiredForm
) -> tuple[str | None, str]:
    """The role the viewer signs FORM in for PARTNER_ID, or why it is not theirs to sign."""
    assert form.signing is not None
    roles = [r for r in form.signing.signers if r in signer_roles(viewer, couple, partner_id)]
    if not roles:
        return None, _("This is not your signature to give.")
    return roles[0], ""


def _signed_for(booking: Booking, partner_id: int, document: str, version: str, role: str) -> bool:
    """Whether ROLE already signed DOCUMENT at VERSION for PARTNER_ID's session BOOKING."""
    return Signature.objects.filter(
        booking=booking, partner_id=partner_id, document=document, version=version, role=role
    ).exists()


def _typed_name_error(name: str, account_name: str) -> str:
    """What is wrong with NAME (spaces already collapsed) as a signature, or ""."""
    if not name:
        return _("Type your full name to sign.")
    if len(name) > MAX_TYPED_NAME:
        return _("At most %(n)d characters.") % {"n": MAX_TYPED_NAME}
    if not _is_full_name(name, account_name):
        return _(
            "Type your full name, first and last, as you would sign it (for example %(name)s)."
        ) % {"name": account_name}
    return ""


def _is_full_name(typed: str, account_name: str) -> bool:
    """Whether TYPED reads as a full name: a given and a family name, or exactly the name on
    the signer's account (for someone known by one name). "Alex" for Alex Rivera is not."""
    if typed.casefold() == " ".join(account_name.split()).casefold():
        return True
    return len([part for part in typed.replace(".", " ").split() if len(part) > 1]) >= 2


# Long because every field's refusal is gathered before anything is written, one per field.
def signature_create(
    *,
    viewer: Viewer,
    couple: Couple,
    partner_id: int,
    document: str,
    version: str,
    typed_name: str,
    booking_id: int | None = None,
    answers: Mapping[str, Any] | None = None,
) -> Signature:
    """VIEWER signs DOCUMENT (a signed form of the couple's profile) for PARTNER_ID at VERSION,
    the version they were shown, with their full name typed. Stores the exact current text and
    its SHA-256. Refuses (ValidationError, one message per field) an unknown document, a
    version that is not the current one, a blank name, a signature that is not the viewer's to
    give, and a second signature by the same role for the same session."""
    profile = get_profile(couple.organisation.profile)
    errors: dict[str, list[str]] = {}
    if partner_id not in {p.user_id for p in couple.loaded_partners}:
        errors["partner_id"] = [_("Not a partner of this couple.")]
    form = signing_form(profile, document)
    current: Document | None = None
    role: str | None = None
    booking: Booking | None = None
    if form is None:
        errors["document"] = [
            _("%(profile)s has no signed document %(document)s.")
            % {"profile": profile.name, "document": document}
        ]
    else:
        current = document_for(profile, form)
        if version != current.version:
            errors["version"] = [
                _("%(form)s is now version %(current)s; read it again and sign that one.")
                % {"form": form.name, "current": current.version}
            ]
        if "partner_id" not in errors:
            role, problem = _role(viewer, couple, partner_id, form)
            if problem:
                errors["signer"] = [problem]
        booking, problem = _booking(couple, form, booking_id)
        if problem:
            errors["booking_id"] = [problem]
        elif booking is not None and partner_id not in {
            p.user_id for p in booking_participants(booking, couple)
        }:
            errors["booking_id"] = [_("This session is not with that partner.")]
    name = " ".join(typed_name.split())
    if problem := _typed_name_error(name, viewer.user.display_name):
        errors["typed_name"] = [problem]
    cleaned, answer_errors = _answers(document, answers)
    errors.update(answer_errors)
    if errors:
        raise ValidationError(errors)
    assert current is not None and role is not None
    already = _("%(role)s has already signed this for this session.") % {
        "role": SignerRole(role).label
    }
    if booking is not None and _signed_for(booking, partner_id, document, current.version, role):
        raise ValidationError({"document": [already]})
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                organisation_id=couple.organisation_id,
                couple=couple,
                partner_id=partner_id,
                document=document,
                version=current.version,
                text=current.text,
                text_sha256=current.sha256,
                answers=cleaned,
                role=role,
                signer=viewer.user,
                typed_name=name,
                booking=booking,
                ip=viewer.ip,
            )
            viewer.audit(
                Action.SIGNATURE_CREATE,
                signature,
                document=document,
                version=current.version,
                sha256=current.sha256,
                role=role,
                partner=partner_id,
                booking=booking.pk if booking else None,
            )
            couple_stage_sync(viewer=viewer, couple=couple)
    except IntegrityError:  # the same role signed the same session at the same moment
        raise ValidationError({"document": [already]}) from None
    return signature
