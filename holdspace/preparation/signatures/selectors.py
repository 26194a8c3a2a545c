"""Reads of signatures through the policy, audited: the signing page, a couple's signatures
(the readiness page and the API), one signature for its PDF, and what each coming session's
per-session forms still wait for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from holdspace.audit.actions import Action
from holdspace.bookings.models import Booking, BookingStatus
from holdspace.couples.models import Couple, Partner
from holdspace.policy.core import Viewer, deny
from holdspace.policy.preparation import (
    get_signature_for,
    require_signing_page,
    roles_to_sign,
    signatures_visible_to,
    signer_roles,
)
from holdspace.preparation.documents import Document, document_for
from holdspace.preparation.models import Signature, SignerRole
from holdspace.preparation.signatures.gate import SessionSigning, session_signing
from holdspace.preparation.signatures.services import has_answers, signing_form
from holdspace.screening.profiles import RequiredForm, get_profile

# The readiness page shows the per-session forms of sessions from this long ago on.
RECENT_SESSIONS = dt.timedelta(days=1)


@dataclass(frozen=True)
class SignPage:
    """One document to read and sign for one partner (and one session, for a per-session
    form): its current text, who signed it so far, and in which role the viewer signs."""

    couple: Couple
    partner: Partner
    form: RequiredForm
    document: Document
    booking: Booking | None
    roles: list[str]  # the roles the viewer may (still) sign it in
    # For a session's form: the viewer had a role to sign in, and it is signed already.
    signed_by_viewer_role: bool
    signatures: list[Signature]  # of this document (and session), newest first
    with_answers: bool

    @property
    def current(self) -> list[Signature]:
        return [s for s in self.signatures if s.version == self.document.version]

    @property
    def role_marks(self) -> list[tuple[str, Signature | None]]:
        """For a session's form: each signer role the profile names, and its signature of the
        current version, if given."""
        signers = self.form.signing.signers if self.form.signing else []
        by_role = {s.role: s for s in reversed(self.current)}
        return [(str(SignerRole(role).label), by_role.get(role)) for role in signers]

    @property
    def previous(self) -> Signature | None:
        return self.signatures[0] if self.signatures else None


def sign_page(
    *, viewer: Viewer, couple: Couple, partner_id: int, document: str, booking_id: object = None
) -> SignPage:
    """DOCUMENT of PARTNER_ID to sign (404 for a document the profile does not sign, a
    session not of the couple, or a stranger; 403 for who has no signature to give)."""
    require_signing_page(viewer, couple, partner_id)
    profile = get_profile(couple.organisation.profile)
    form = signing_form(profile, document)
    booking = None
    if form is not None and form.per_session:
        booking = (
            Booking.objects.filter(
                organisation_id=couple.organisation_id,
                couple=couple,
                pk=int(str(booking_id)) if str(booking_id or "").isdigit() else 0,
            )
            .exclude(status=BookingStatus.CANCELLED)
            .first()
        )
    if form is None or (form.per_session and booking is None):
        raise deny(
            viewer,
            what="document",
            object_id=f"{document}:{booking_id or ''}",
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    signatures = signatures_visible_to(viewer, couple).filter(
        partner_id=partner_id, document=document, booking=booking
    )
    listed = list(signatures.select_related("signer").order_by("-signed_at", "-id"))
    document_now = document_for(profile, form)
    signers = [str(role) for role in (form.signing.signers if form.signing else [])]
    # A session's form is signed once per role; a once-signed document may be signed again.
    taken = [s for s in listed if s.version == document_now.version] if booking else []
    roles = roles_to_sign(viewer, couple, partner_id, signers, taken)
    could = roles_to_sign(viewer, couple, partner_id, signers, [])
    return SignPage(
        couple=couple,
        partner=next(p for p in couple.loaded_partners if p.user_id == partner_id),
        form=form,
        document=document_now,
        booking=booking,
        roles=roles,
        signed_by_viewer_role=bool(could) and not roles,
        signatures=listed,
        with_answers=has_answers(document),
    )


def _visible(viewer: Viewer, couple: Couple) -> QuerySet[Signature]:
    return (
        signatures_visible_to(viewer, couple)
        .select_related("signer", "partner", "booking")
        .order_by("-signed_at", "-id")
    )


def signature_list(*, viewer: Viewer, couple: Couple) -> QuerySet[Signature]:
    """The couple's signatures the viewer may see, newest first; audited."""
    viewer.audit(Action.SIGNATURE_LIST, couple)
    return _visible(viewer, couple)


def signature_for_pdf(*, viewer: Viewer, couple: Couple, signature_id: object) -> Signature:
    """One signature for its PDF copy (404 for one the viewer may not see); audited."""
    signature = get_signature_for(viewer, couple, signature_id)
    viewer.audit(Action.SIGNATURE_PDF, signature, document=signature.document)
    return signature


def coming_session_signings(*, viewer: Viewer, couple: Couple) -> list[SessionSigning]:
    """For the couple's sessions from yesterday on (not cancelled), the per-session forms
    and who still has to sign them; empty where the profile asks none. For whoever sees the
    couple's readiness (the caller checked it)."""
    profile = get_profile(couple.organisation.profile)
    kinds = [k for k in ("preparation", "medicine", "integration") if profile.session_forms(k)]
    if not kinds:
        return []
    bookings = (
        Booking.objects.filter(
            organisation_id=couple.organisation_id,
            couple=couple,
            kind__in=kinds,
            starts_at__gte=timezone.now() - RECENT_SESSIONS,
        )
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("preparation_session", "integration_session")
        .order_by("starts_at", "id")[:20]
    )
    # A partner follows their own copies; the care team and the center's people both.
    mine = {p.user_id for p in couple.loaded_partners if signer_roles(viewer, couple, p.user_id)}
    if not mine:
        return []
    result = []
    for booking in bookings.prefetch_related(
        Prefetch("signatures", queryset=Signature.objects.select_related("signer"))
    ):
        signing = session_signing(booking, couple, profile)
        if signing is None:
            continue
        signing.partners[:] = [p for p in signing.partners if p.partner.user_id in mine]
        if signing.partners:
            result.append(signing)
    return result
