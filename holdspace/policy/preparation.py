"""Preparation: a partner's preparation forms are theirs and their care team's; the other
partner never sees them. Preparation session notes are the care team's alone. The readiness
gate is for the couple's own people: each partner sees their own, the care team both.

- `partner_forms_visible_to(viewer, couple)`, `preparation_sessions_visible_to(viewer, couple)`
- `require_partner_form_write(viewer, couple, partner_id, kind)`: 404 for an unknown form or a
  stranger to the couple, 403 for the other partner; audited. `get_client_data_for(viewer,
  couple, partner_id)`: the partner's newest 303 answers under the same rule (404 when none).
- `require_preparation_session_record(viewer, couple)`: the care team only (403, audited);
  `preparation_facilitators(couple)`: who may hold one (the care team and clinical leads).
- `require_readiness(viewer, couple)` and `readiness_partner_ids(viewer, couple)`.
- Signatures: `signatures_visible_to(viewer, couple)` (a partner their own documents', the care
  team every one, an org admin the per-session forms they sign as the center's representative),
  `get_signature_for(viewer, couple, id)` (404, audited), `signer_roles(viewer, couple,
  partner_id)` (who signs what: a partner for themselves, a facilitator of the couple as the
  facilitator, an org admin or clinical lead as the center's representative) and
  `require_signing_page(viewer, couple, partner_id)` (404 for a stranger or no such partner,
  403 for someone with no signature to give there).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from holdspace.accounts.models import Membership, Role
from holdspace.couples.models import Couple
from holdspace.policy.core import (
    Viewer,
    deny,
    is_care_team_of,
    is_partner_of,
    refuse,
    require_care_team,
    require_couple_people,
    require_partner_record_write,
)
from holdspace.preparation.models import (
    DocumentKind,
    FormKind,
    PartnerForm,
    PreparationSession,
    Signature,
    SignerRole,
)


def partner_forms_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[PartnerForm]:
    forms = PartnerForm.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if is_partner_of(viewer, couple):
        return forms.filter(partner=viewer.user)
    if is_care_team_of(viewer, couple):
        return forms
    return forms.none()


def preparation_sessions_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[PreparationSession]:
    """The care team sees every preparation session; a partner sees their own private ones
    and the joint ones (the template shows them no notes)."""
    sessions = PreparationSession.objects.filter(
        organisation_id=couple.organisation_id, couple=couple
    )
    if is_partner_of(viewer, couple):
        return sessions.filter(Q(partner=viewer.user) | Q(kind="joint"))
    if is_care_team_of(viewer, couple):
        return sessions
    return sessions.none()


def get_preparation_session_for(
    viewer: Viewer, couple: Couple, session_id: int
) -> PreparationSession:
    """One of COUPLE's preparation sessions the viewer sees, or 404 (audited)."""
    session = (
        preparation_sessions_visible_to(viewer, couple)
        .select_related("booking")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise deny(
            viewer,
            what="preparation session",
            object_id=session_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    return session


def require_partner_form_write(viewer: Viewer, couple: Couple, partner_id: int, kind: str) -> None:
    """KIND of PARTNER_ID's forms: theirs to complete, or their care team's with them."""
    if kind not in FormKind.values:
        raise deny(
            viewer,
            what="partner form",
            object_id=kind,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    require_partner_record_write(viewer, couple, partner_id, action="complete forms for")


def get_client_data_for(viewer: Viewer, couple: Couple, partner_id: int) -> PartnerForm:
    """PARTNER_ID's newest demographic form (their 303 answers), for the partner and their care
    team: 404 for a stranger or when none is stored, 403 for the other partner; audited."""
    require_partner_form_write(viewer, couple, partner_id, FormKind.DEMOGRAPHIC_FORM)
    found = (
        partner_forms_visible_to(viewer, couple)
        .filter(partner_id=partner_id, kind=FormKind.DEMOGRAPHIC_FORM)
        .order_by("-created_at", "-id")
        .first()
    )
    if found is None:
        raise deny(
            viewer,
            what="client data form",
            object_id=partner_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    return found


def entered_with_care_team(viewer: Viewer, couple: Couple) -> bool:
    """Whether a partner's record is being entered by their care team (with them), for the
    audit trail."""
    return is_care_team_of(viewer, couple)


def preparation_facilitators(couple: Couple) -> list[tuple[int, str]]:
    """Who may hold a preparation session: the couple's care team and the clinical leads."""
    people = {m.user_id: m.user.display_name for m in couple.loaded_care_team}
    for user_id, name in Membership.objects.filter(
        organisation_id=couple.organisation_id, role=Role.CLINICAL_LEAD
    ).values_list("user_id", "user__display_name"):
        people.setdefault(user_id, name)
    return list(people.items())


def require_preparation_session_record(viewer: Viewer, couple: Couple) -> None:
    require_care_team(viewer, couple, action="record preparation sessions for")


def require_readiness(viewer: Viewer, couple: Couple) -> None:
    require_couple_people(viewer, couple, action="see the readiness of")


def readiness_partner_ids(viewer: Viewer, couple: Couple) -> set[int]:
    """Whose readiness the viewer sees (after require_readiness): a partner their own, the care
    team both partners'."""
    everyone = {p.user_id for p in couple.loaded_partners}
    if is_care_team_of(viewer, couple):
        return everyone
    return everyone & {viewer.user.pk}


def sees_the_care_team_view(viewer: Viewer, couple: Couple) -> bool:
    """The readiness page's care-team parts (both partners, scheduled sessions, the links
    to record): for the care team; a partner sees their own list."""
    return is_care_team_of(viewer, couple)


def signatures_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[Signature]:
    """A partner sees the signatures on their own documents (their own, and their facilitator's
    and the center's on their pre-session forms), never the other partner's; the care team
    sees every one; an org admin the per-session forms, which they sign for the center."""
    signatures = Signature.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if is_partner_of(viewer, couple):
        return signatures.filter(partner=viewer.user)
    if is_care_team_of(viewer, couple):
        return signatures
    if viewer.role_in(couple.organisation_id) == Role.ORG_ADMIN:
        return signatures.filter(document=DocumentKind.PRE_SESSION)
    return signatures.none()


def get_signature_for(viewer: Viewer, couple: Couple, signature_id: object) -> Signature:
    """One of COUPLE's signatures the viewer may see; 404 (audited) for any other."""
    found = (
        signatures_visible_to(viewer, couple)
        .select_related("signer", "partner", "booking", "organisation")
        .filter(pk=int(str(signature_id)) if str(signature_id).isdigit() else 0)
        .first()
    )
    if found is None:
        raise deny(
            viewer,
            what="signature",
            object_id=signature_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    return found


def signer_roles(viewer: Viewer, couple: Couple, partner_id: int) -> set[str]:
    """In which roles the viewer may sign PARTNER_ID's documents: the partner for themselves
    (never for the other partner, never the care team for them); a facilitator of the couple
    as its facilitator; an org admin or a clinical lead as the center's representative."""
    roles: set[str] = set()
    if is_partner_of(viewer, couple) and viewer.user.pk == partner_id:
        roles.add(SignerRole.PARTICIPANT)
    role = viewer.role_in(couple.organisation_id)
    if role == Role.FACILITATOR and is_care_team_of(viewer, couple):
        roles.add(SignerRole.FACILITATOR)
    if role in {Role.ORG_ADMIN, Role.CLINICAL_LEAD}:
        roles.add(SignerRole.CENTER_REPRESENTATIVE)
    return roles


def roles_to_sign(
    viewer: Viewer,
    couple: Couple,
    partner_id: int,
    signers: list[str],
    signed: list[Signature],
) -> list[str]:
    """The roles among SIGNERS the viewer may still sign PARTNER_ID's document in: theirs to
    give, and (for a session's form, whose SIGNED signatures are of the current version) not
    given yet by anyone in that role."""
    taken = {signature.role for signature in signed}
    mine = signer_roles(viewer, couple, partner_id)
    return [role for role in signers if role in mine and role not in taken]


def require_signing_page(viewer: Viewer, couple: Couple, partner_id: int) -> None:
    """The page where PARTNER_ID's documents are read and signed: for whoever has a signature
    to give there, and the care team (403, audited, for the other partner); 404 for no such
    partner of the couple."""
    if partner_id not in {p.user_id for p in couple.loaded_partners}:
        raise deny(
            viewer,
            what="partner",
            object_id=partner_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    if not (signer_roles(viewer, couple, partner_id) or is_care_team_of(viewer, couple)):
        raise refuse(
            viewer,
            action="sign documents of",
            what="partner",
            object_id=partner_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
