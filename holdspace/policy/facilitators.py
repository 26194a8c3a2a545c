"""Facilitators: their credentials, the evidence files, their profile, and what couples see
of them as their guides.

- A facilitator keeps their own credentials and profile; an org admin or clinical lead keeps
  anyone's in their organisation and alone verifies (or suspends, revokes, expires) one.
- A facilitator's page is theirs and their managers'; the list of facilitators is the
  managers'; the incidents linked to a facilitator are the clinical lead's.
- An evidence file is the facilitator's own, or any for a manager; never a couple's.
- A couple's guides are for its partners and its care team; only a partner reviews one, and
  only a facilitator of their own care team.
- The research notes behind a rule are shown to a clinical lead alone.
"""

from __future__ import annotations

from django.db.models import QuerySet

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.couples.models import Couple
from holdspace.facilitators.models import Credential
from holdspace.policy.core import (
    Viewer,
    deny,
    is_partner_of,
    organisation_for,
    refuse,
    require_couple_people,
)

# Roles that manage and verify the credentials of their organisation's facilitators.
_MANAGERS = frozenset({Role.ORG_ADMIN, Role.CLINICAL_LEAD})
# Roles whose credentials an organisation keeps.
_FACILITATING = (Role.FACILITATOR, Role.CLINICAL_LEAD)


# Facilitators and their pages --------------------------------------------------------------


def facilitators_organisation_for(
    viewer: Viewer, requested: object, *, facilitator_id: int | None = None
) -> Organisation:
    """The organisation whose facilitators' records are asked for (`?org=`): one the viewer
    manages, or, on their own page (FACILITATOR_ID is the viewer), one they facilitate in;
    403 otherwise (`organisation_for`)."""
    roles = _MANAGERS | ({Role.FACILITATOR} if facilitator_id == viewer.user.pk else set())
    return organisation_for(viewer, requested, roles, what="facilitators' records")


def manages_facilitators(viewer: Viewer, organisation_id: int) -> bool:
    """An org admin or clinical lead: keeps and verifies anyone's credentials."""
    return viewer.role_in(organisation_id) in _MANAGERS


def sees_incidents(viewer: Viewer, organisation_id: int) -> bool:
    """Adverse events and partners' concerns linked to a facilitator: the clinical lead's."""
    return viewer.role_in(organisation_id) == Role.CLINICAL_LEAD


def facilitators_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[Membership]:
    """The facilitators and clinical leads of ORGANISATION_ID (their memberships) whose records
    the viewer sees: every one for a manager, themselves for a facilitator, none otherwise."""
    members = Membership.objects.filter(organisation_id=organisation_id, role__in=_FACILITATING)
    if manages_facilitators(viewer, organisation_id):
        return members
    return members.filter(user=viewer.user)


def get_facilitator_for(viewer: Viewer, organisation: Organisation, user_id: int) -> User:
    """A facilitator (or clinical lead) of ORGANISATION whose page the viewer may open: their
    own, or anyone's for a manager. 404 for someone who is not one, 403 for another's page;
    both audited."""
    membership = (
        Membership.objects.filter(
            organisation=organisation, user_id=user_id, role__in=_FACILITATING
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        raise deny(viewer, what="facilitator", object_id=user_id, organisation_id=organisation.pk)
    if not (viewer.user.pk == user_id or manages_facilitators(viewer, organisation.pk)):
        raise refuse(
            viewer,
            action="see the records of",
            what="facilitator",
            object_id=user_id,
            organisation_id=organisation.pk,
        )
    return membership.user


def require_facilitator_records_change(
    viewer: Viewer, organisation_id: int, facilitator_id: int, *, action: str, what: str
) -> None:
    """The facilitator keeps their own credentials and profile; managers keep anyone's."""
    role = viewer.role_in(organisation_id)
    own = role == Role.FACILITATOR and viewer.user.pk == facilitator_id
    if not (own or role in _MANAGERS):
        raise refuse(
            viewer,
            action=action,
            what=what,
            object_id=facilitator_id,
            organisation_id=organisation_id,
        )


# Credentials and their evidence -----------------------------------------------------------


def credentials_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[Credential]:
    """The credentials of ORGANISATION_ID the viewer may see in full: a manager every one, a
    facilitator their own, anyone else none (couples see verified ones as their guides')."""
    credentials = Credential.objects.filter(organisation_id=organisation_id)
    if manages_facilitators(viewer, organisation_id):
        return credentials
    if viewer.role_in(organisation_id) is not None:
        return credentials.filter(facilitator=viewer.user)
    return credentials.none()


def get_credential_for(
    viewer: Viewer, credential_id: int, *, facilitator: User | None = None
) -> Credential:
    """A credential of one of the viewer's organisations (of FACILITATOR when given); 404,
    audited, for anything else. Whether they may change it is `require_credential_verify`."""
    found = Credential.objects.filter(pk=credential_id, organisation_id__in=list(viewer.roles))
    if facilitator is not None:
        found = found.filter(facilitator=facilitator)
    credential = found.first()
    if credential is None:
        raise deny(
            viewer,
            what="credential",
            object_id=credential_id,
            organisation_id=_organisation_of(credential_id),
        )
    return credential


def require_credential_verify(viewer: Viewer, credential: Credential) -> None:
    """Only an org admin or clinical lead sets a credential's status (403, audited)."""
    if not manages_facilitators(viewer, credential.organisation_id):
        raise refuse(
            viewer,
            action="verify",
            what="credential",
            object_id=credential.pk,
            organisation_id=credential.organisation_id,
        )


def get_evidence_for(viewer: Viewer, credential_id: int) -> Credential:
    """A credential with an evidence file the viewer may download: their own, or any for a
    manager of its organisation. 404, audited, otherwise (couples never)."""
    credential = Credential.objects.filter(pk=credential_id).first()
    allowed = credential is not None and (
        manages_facilitators(viewer, credential.organisation_id)
        or (
            viewer.user.pk == credential.facilitator_id
            and viewer.role_in(credential.organisation_id) is not None
        )
    )
    if credential is None or not allowed or not credential.evidence:
        raise deny(
            viewer,
            what="credential_evidence",
            object_id=credential_id,
            organisation_id=credential.organisation_id if credential else None,
        )
    return credential


def _organisation_of(credential_id: int) -> int | None:
    return (
        Credential.objects.filter(pk=credential_id)
        .values_list("organisation_id", flat=True)
        .first()
    )


# Guides ------------------------------------------------------------------------------------


def require_guides_view(viewer: Viewer, couple: Couple) -> None:
    """A couple's guides: its partners and its care team (403 for others who see the couple)."""
    require_couple_people(viewer, couple, action="see the guides of")


def reviews_guides(viewer: Viewer, couple: Couple) -> bool:
    """Whether the viewer sees COUPLE's guides as a partner, with their own reviews."""
    return is_partner_of(viewer, couple)


def require_guide_review(viewer: Viewer, couple: Couple) -> None:
    """Only a partner reviews the guides of their couple (403, audited)."""
    if not is_partner_of(viewer, couple):
        raise refuse(
            viewer,
            action="review the guides of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def get_guide_for(viewer: Viewer, couple: Couple, user_id: int) -> int:
    """A facilitator of COUPLE's care team (COUPLE from get_couple_for); 404, audited, for
    anyone else."""
    if user_id not in {m.user_id for m in couple.loaded_care_team}:
        raise deny(
            viewer,
            what="guide",
            object_id=user_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    return user_id


# The research notes behind the rules -------------------------------------------------------


def sees_research_notes(viewer: Viewer, organisation_id: int | None) -> bool:
    """The whole note behind a rule (not only its citation): for a clinical lead of the
    organisation a page is about, or of any of theirs on a page about none in particular."""
    if organisation_id is not None:
        return viewer.role_in(organisation_id) == Role.CLINICAL_LEAD
    return bool(viewer.orgs_with({Role.CLINICAL_LEAD}))
