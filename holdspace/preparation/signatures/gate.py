"""What is signed and what is not, read without the policy (the readiness gate and the session
gates read it; selectors scope it for a viewer).

- Once-signed forms (informed consent, the bill of rights, touch consent…): the partner's
  newest signature counts only when it is of the document's current version.
- Per-session forms (Colorado's pre-session form): for one session's booking, each partner
  taking part needs a signature of the current version from every signer role the profile
  names; starting the session waits for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from holdspace.bookings.models import Booking, BookingStatus
from holdspace.couples.models import Couple, Partner
from holdspace.preparation.documents import Document, document_for
from holdspace.preparation.models import DocumentKind, Signature, SignerRole
from holdspace.screening.profiles import Profile, RequiredForm, get_profile


def newest_signatures(couple: Couple) -> dict[tuple[int, str], Signature]:
    """Each partner's newest own signature on each once-signed document, in one query."""
    newest: dict[tuple[int, str], Signature] = {}
    for signature in Signature.objects.filter(
        organisation_id=couple.organisation_id,
        couple=couple,
        role=SignerRole.PARTICIPANT,
        booking__isnull=True,
    ).order_by("-signed_at", "-id"):
        newest.setdefault((signature.partner_id, signature.document), signature)
    return newest


def touch_answers(couple: Couple, partner_id: int) -> dict[str, Any]:
    """What PARTNER_ID's newest signed touch consent says (empty when none is signed)."""
    signature = (
        Signature.objects.filter(
            organisation_id=couple.organisation_id,
            couple=couple,
            partner_id=partner_id,
            document=DocumentKind.TOUCH_CONSENT,
            role=SignerRole.PARTICIPANT,
            booking__isnull=True,
        )
        .order_by("-signed_at", "-id")
        .first()
    )
    return dict(signature.answers) if signature else {}


@dataclass(frozen=True)
class RoleMark:
    role: str
    signature: Signature | None

    @property
    def label(self) -> str:
        return str(SignerRole(self.role).label)


@dataclass(frozen=True)
class PartnerMarks:
    """One partner's copy of one per-session form: each signer role, signed or not."""

    partner: Partner
    form: RequiredForm
    document: Document
    roles: list[RoleMark]

    @property
    def complete(self) -> bool:
        return all(mark.signature is not None for mark in self.roles)

    @property
    def missing(self) -> list[str]:
        return [mark.label for mark in self.roles if mark.signature is None]


@dataclass(frozen=True)
class SessionSigning:
    """The per-session forms of one booking, for each partner taking part."""

    booking: Booking
    partners: list[PartnerMarks] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(p.complete for p in self.partners)

    def problems(self) -> list[str]:
        return [
            _("%(form)s for %(name)s: waiting for %(who)s.")
            % {
                "form": p.form.name,
                "name": p.partner.user.display_name,
                "who": ", ".join(p.missing).lower(),
            }
            for p in self.partners
            if not p.complete
        ]


def booking_participants(booking: Booking, couple: Couple) -> list[Partner]:
    """Who a booking's session is with: the partner of a private preparation or integration
    session, else both partners."""
    partner_id: int | None = None
    for relation in ("preparation_session", "integration_session"):
        held = getattr(booking, relation, None)  # None where the booking has no such session
        if held is not None and held.partner_id is not None:
            partner_id = held.partner_id
    return [p for p in couple.loaded_partners if partner_id is None or p.user_id == partner_id]


def session_signing(
    booking: Booking, couple: Couple, profile: Profile | None = None
) -> SessionSigning | None:
    """The per-session forms of BOOKING, or None when the profile asks none before it."""
    profile = profile or get_profile(couple.organisation.profile)
    forms = profile.session_forms(booking.kind)
    if not forms:
        return None
    # booking.signatures is prefetched by a page listing several sessions.
    signed: dict[tuple[int, str, str, str], Signature] = {
        (s.partner_id, s.document, s.version, s.role): s for s in booking.signatures.all()
    }
    result = SessionSigning(booking)
    for form in forms:
        assert form.signing is not None
        document = document_for(profile, form)
        for partner in booking_participants(booking, couple):
            result.partners.append(
                PartnerMarks(
                    partner,
                    form,
                    document,
                    [
                        RoleMark(
                            role, signed.get((partner.user_id, form.code, document.version, role))
                        )
                        for role in form.signing.signers
                    ],
                )
            )
    return result


def require_session_signed(
    *, couple: Couple, kind: str, booking: Booking | None, partner_ids: list[int] | None = None
) -> None:
    """Refuse to start a session of KIND (the first dose; recording it as held) until every
    per-session form the profile asks before it is signed by everyone it names, for each
    partner taking part (only PARTNER_IDS when given). A ValidationError on `signatures`."""
    profile = get_profile(couple.organisation.profile)
    forms = profile.session_forms(kind)
    if not forms:
        return
    names = ", ".join(form.name for form in forms)
    if booking is None or booking.status == BookingStatus.CANCELLED:
        raise ValidationError(
            {
                "signatures": [
                    _(
                        "%(profile)s asks for the %(forms)s before each session, signed for "
                        "its booking: book the session on the calendar and sign it first."
                    )
                    % {"profile": profile.name, "forms": names}
                ]
            }
        )
    signing = session_signing(booking, couple, profile)
    assert signing is not None
    problems = [
        problem
        for marks, problem in zip(
            [p for p in signing.partners if not p.complete], signing.problems(), strict=True
        )
        if partner_ids is None or marks.partner.user_id in partner_ids
    ]
    if problems:
        raise ValidationError({"signatures": problems})
