"""Couples: which couples a viewer sees, the audited getter (404 for the others), who adds a
couple and records its withdrawal, how a viewer stands to a couple, and the staff console.

- Clinical leads and org admins see every couple of their organisation; a facilitator the
  couples whose care team they are in; a partner their own; a researcher none.
- Adding a couple is for the org admins and clinical leads who invite its partners (404 for
  anyone else); its withdrawal is recorded by its care team or an org admin (403 for anyone
  else who sees it).
- Its name and care team are changed, and its partners' invitations listed, sent again,
  corrected and revoked, by those who look after it: its care team and the org admins (403
  for its partners).
- The console is for the organisation's staff but researchers: another organisation's console
  is refused (403), audited in the viewer's own organisation's chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from holdspace.accounts.models import STAFF_ROLES, Invitation, Organisation, Role
from holdspace.couples.models import Couple
from holdspace.policy.accounts import can_invite, require_invitation_create
from holdspace.policy.core import (
    _CARE_ROLES,
    _ORG_WIDE_ROLES,
    Viewer,
    denial_chain,
    deny,
    is_care_team_of,
    is_partner_of,
    organisation_for,
    refuse,
)


def couples_visible_to(viewer: Viewer, organisation_id: int | None = None) -> QuerySet[Couple]:
    """Every couple the viewer may see, optionally within one organisation."""
    wide = viewer.orgs_with(_ORG_WIDE_ROLES)
    facilitating = viewer.orgs_with({Role.FACILITATOR})
    partnering = viewer.orgs_with({Role.PARTNER})
    condition = Q(organisation_id__in=wide)
    if facilitating:
        team_ids = viewer.user.care_teams.filter(organisation_id__in=facilitating).values(
            "couple_id"
        )
        condition |= Q(id__in=team_ids)
    if partnering:
        own_ids = viewer.user.partnerships.filter(organisation_id__in=partnering).values(
            "couple_id"
        )
        condition |= Q(id__in=own_ids)
    queryset = Couple.objects.filter(condition)
    if organisation_id is not None:
        queryset = queryset.filter(organisation_id=organisation_id)
    return queryset


def get_couple_for(viewer: Viewer, couple_id: int) -> Couple:
    couple = Couple.with_people(
        couples_visible_to(viewer).select_related("organisation").filter(pk=couple_id)
    ).first()
    if couple is None:
        existing = Couple.objects.filter(pk=couple_id).values_list("organisation_id", flat=True)
        raise deny(
            viewer,
            what="couple",
            object_id=couple_id,
            organisation_id=existing.first(),
            couple_id=couple_id if existing else None,
        )
    return couple


def own_couples_of(viewer: Viewer) -> QuerySet[Couple]:
    """The couples the viewer is a partner of (usually one): the portal's."""
    partnering = viewer.orgs_with({Role.PARTNER})
    return Couple.objects.filter(organisation_id__in=partnering, partners__user=viewer.user)


@dataclass(frozen=True)
class CoupleAccess:
    """How VIEWER stands to a couple they see, as its page asks: a partner sees the portal, the
    care team the staff page with the couple's care; anyone else who sees the couple (an org
    admin) its people only."""

    is_partner: bool
    is_care_team: bool

    @property
    def writes_entries(self) -> bool:
        return self.is_partner


def couple_access_for(viewer: Viewer, couple: Couple) -> CoupleAccess:
    return CoupleAccess(
        is_partner=is_partner_of(viewer, couple), is_care_team=is_care_team_of(viewer, couple)
    )


def require_portal(viewer: Viewer, couple: Couple) -> None:
    """The portal's sections (journal, questionnaires, sessions) are a partner's own view of
    their couple: anyone else who sees the couple is refused (403); the care team has the
    couple's page."""
    if not is_partner_of(viewer, couple):
        raise refuse(
            viewer,
            action="open the portal of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_couple_create(viewer: Viewer, organisation: Organisation) -> None:
    """Couples are added by those who invite their partners: the organisation's org admins and
    clinical leads (404 for anyone else, as the page does not exist for them)."""
    require_invitation_create(viewer, organisation)


def require_couple_withdraw(viewer: Viewer, couple: Couple) -> None:
    """A couple's withdrawal is recorded by its care team or an org admin (403 for anyone else
    who sees the couple)."""
    admin = viewer.role_in(couple.organisation_id) == Role.ORG_ADMIN
    if not (admin or is_care_team_of(viewer, couple)):
        raise refuse(
            viewer,
            action="record the withdrawal of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


# Looking after a couple: its name, care team and partner invitations -------------------


def looks_after(viewer: Viewer, couple: Couple) -> bool:
    """Whether VIEWER changes COUPLE's name and care team and manages its partners'
    invitations: its care team (its facilitators and the clinical leads) and the org admins."""
    admin = viewer.role_in(couple.organisation_id) == Role.ORG_ADMIN
    return admin or is_care_team_of(viewer, couple)


def _require_looks_after(viewer: Viewer, couple: Couple, *, action: str) -> None:
    if not looks_after(viewer, couple):
        raise refuse(
            viewer,
            action=action,
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_couple_edit(viewer: Viewer, couple: Couple) -> None:
    """A couple's name and care team: changed by its care team and the org admins (403 for
    anyone else who sees the couple)."""
    _require_looks_after(viewer, couple, action="change")


def require_partner_invitations(viewer: Viewer, couple: Couple) -> None:
    """A couple's partner invitations are listed and sent by those who look after it (403 for
    anyone else who sees the couple: its partners)."""
    _require_looks_after(viewer, couple, action="manage the partner invitations of")


def partner_invitations_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[Invitation]:
    """COUPLE's partner invitations, for those who look after it (none for anyone else)."""
    if not looks_after(viewer, couple):
        return Invitation.objects.none()
    return Invitation.objects.filter(
        organisation_id=couple.organisation_id, couple=couple, role=Role.PARTNER
    )


def get_partner_invitation_for(viewer: Viewer, couple: Couple, invitation_id: int) -> Invitation:
    """One of COUPLE's partner invitations (COUPLE from get_couple_for); an invitation of
    another couple, or none, is a 404 (audited). Whether VIEWER may resend or revoke it is
    `policy.accounts.require_invitation_manage`'s to say."""
    found = (
        Invitation.objects.select_related("organisation", "couple")
        .filter(couple=couple, role=Role.PARTNER, pk=invitation_id)
        .first()
    )
    if found is None:
        raise deny(
            viewer,
            what="invitation",
            object_id=invitation_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    found.couple = couple  # the same instance, with its people loaded
    return found


# The console --------------------------------------------------------------------------

# Staff who work from the console (a researcher only exports).
CONSOLE_ROLES = STAFF_ROLES - {Role.RESEARCHER}
# The session key of the organisation whose console a person looked at last.
CONSOLE_ORGANISATION = "holdspace_org"


@dataclass(frozen=True)
class Console:
    """The organisation whose console VIEWER looks at, and what it shows them."""

    organisation: Organisation
    # Every organisation whose console the viewer may open, to switch between them.
    organisations: list[Organisation]
    role: str
    adds_couples: bool
    # Sessions whose facilitators' credentials lapse: for the care roles only, a facilitator's
    # own couples' (CARE_TEAM_OF) or, for a clinical lead, the whole organisation's (None).
    sees_sessions_at_risk: bool
    care_team_of: int | None

    @property
    def sees_care_items(self) -> bool:
        """Open safety alerts and overdue questionnaires are the care roles' (the list filters
        by them for those roles only)."""
        return self.sees_sessions_at_risk


def get_console_for(viewer: Viewer, request: HttpRequest) -> Console:
    """The console of `?org=`, else of the organisation the viewer looked at last in this
    session, else of their first; remembered for the next page. A person with no console meets
    a 404; asking for an organisation whose console they may not open is refused like
    `organisation_for` refuses (403), audited (`denial_chain`)."""
    allowed = sorted(viewer.orgs_with(CONSOLE_ROLES))
    requested = str(request.GET.get("org", "")).strip()
    if not allowed:
        asked = int(requested) if requested.isdigit() else None
        raise deny(
            viewer,
            what="console",
            object_id=requested,
            organisation_id=denial_chain(viewer, asked),
        )
    remembered = request.session.get(CONSOLE_ORGANISATION)
    if not requested and remembered in allowed:
        requested = str(remembered)
    organisation = organisation_for(viewer, requested, CONSOLE_ROLES, what="console")
    if remembered != organisation.pk:  # a session write only when it changes
        request.session[CONSOLE_ORGANISATION] = organisation.pk
    role = viewer.role_in(organisation.pk) or ""
    return Console(
        organisation=organisation,
        organisations=list(Organisation.objects.filter(pk__in=allowed).order_by("pk")),
        role=role,
        adds_couples=can_invite(viewer, organisation.pk),
        sees_sessions_at_risk=role in _CARE_ROLES,
        care_team_of=None if role == Role.CLINICAL_LEAD else viewer.user.pk,
    )
