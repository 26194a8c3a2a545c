"""Reads of couples and entries, scoped by the policy and audited as reads of clinical data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from holdspace.accounts.models import Invitation, Membership, Role
from holdspace.audit.actions import Action
from holdspace.couples.models import (
    CareTeamMember,
    Couple,
    Entry,
    InvitationState,
    Partner,
    Stage,
    deactivated_here,
    invitation_state,
)
from holdspace.policy.core import Viewer
from holdspace.policy.couples import (
    couple_access_for,
    couples_visible_to,
    get_couple_for,
    looks_after,
    own_couples_of,
    partner_invitations_visible_to,
    require_partner_invitations,
    require_portal,
)
from holdspace.policy.entries import entries_visible_to, get_entry_for

COUPLES_PER_PAGE = 50
ENTRIES_PER_PAGE = 50
# Far more than a couple is ever sent (two places, a few corrections).
MAX_INVITATIONS = 200


@dataclass(frozen=True)
class PersonSummary:
    user_id: int
    display_name: str
    slot: str = ""
    deactivated: bool = False


@dataclass(frozen=True)
class CoupleSummary:
    """A couple as lists show it: plain values, no model instances to build per row."""

    id: int
    organisation_id: int
    name: str
    stage: str
    partners: list[PersonSummary]
    care_team: list[PersonSummary]

    @property
    def stage_label(self) -> str:
        return str(Stage(self.stage).label)


@dataclass(frozen=True)
class CoupleFilters:
    """What the couples list is narrowed to: SEARCH in a couple's name or its partners' names
    and e-mail addresses (joined or invited), a STAGE, a member of the care team
    (FACILITATOR_ID), and ONLY_IDS (what another app found: open alerts, overdue items)."""

    search: str = ""
    stage: str = ""
    facilitator_id: int | None = None
    only_ids: frozenset[int] | None = None

    def audit_detail(self) -> dict[str, object]:
        shown: dict[str, object] = {"search": True} if self.search.strip() else {}
        if self.stage:
            shown["stage"] = self.stage
        if self.facilitator_id is not None:
            shown["facilitator"] = self.facilitator_id
        if self.only_ids is not None:
            shown["narrowed"] = True
        return shown


def couple_list(
    *,
    viewer: Viewer,
    organisation_id: int | None = None,
    search: str = "",
    filters: CoupleFilters | None = None,
    page: int = 1,
    per_page: int = COUPLES_PER_PAGE,
) -> Page[CoupleSummary]:
    """One page of the couples the viewer may see, each with its partners and care team.

    Three queries whatever the page size (plus the paginator's count): the couples, then
    the partners and the care team of just those couples.
    """
    filters = filters or CoupleFilters(search=search)
    rows = _couple_rows(viewer, organisation_id, filters)
    result = Paginator(rows, per_page).get_page(page)
    summaries = _summarise(list(result.object_list))
    # Same page and paginator, with the rows made into summaries.
    summary_page: Page[CoupleSummary] = Page(summaries, result.number, result.paginator)  # type: ignore[arg-type]
    viewer.audit(
        Action.COUPLE_LIST,
        organisation_id=organisation_id,
        object_type="couple",
        detail={"page": result.number, "ids": [c.id for c in summaries], **filters.audit_detail()},
    )
    return summary_page


def couple_slice(
    *,
    viewer: Viewer,
    search: str = "",
    filters: CoupleFilters | None = None,
    limit: int = COUPLES_PER_PAGE,
    offset: int = 0,
) -> tuple[list[CoupleSummary], int]:
    """The couples the viewer may see from OFFSET, at most LIMIT (as the API pages lists), and
    how many there are in all; the same queries as `couple_list`."""
    filters = filters or CoupleFilters(search=search)
    rows = _couple_rows(viewer, None, filters)
    total = rows.count()
    summaries = _summarise(list(rows[offset : offset + limit]))
    viewer.audit(
        Action.COUPLE_LIST,
        object_type="couple",
        detail={"offset": offset, "ids": [c.id for c in summaries], **filters.audit_detail()},
    )
    return summaries, total


def visible_couple_ids(*, viewer: Viewer, organisation_id: int) -> list[int]:
    """The ids of every couple of the organisation the viewer sees (one query), for another
    app to narrow the list with (`CoupleFilters.only_ids`); what the list then shows is
    audited by `couple_list`."""
    return list(couples_visible_to(viewer, organisation_id).values_list("pk", flat=True))


def _couple_rows(
    viewer: Viewer, organisation_id: int | None, filters: CoupleFilters
) -> QuerySet[Couple, tuple[int, int, str, str]]:
    queryset = couples_visible_to(viewer, organisation_id).order_by("name", "id")
    search = filters.search.strip()
    if search:
        partners = Partner.objects.filter(couple=OuterRef("pk")).filter(
            Q(user__email__icontains=search) | Q(user__display_name__icontains=search)
        )
        invited = Invitation.objects.filter(
            couple=OuterRef("pk"), role=Role.PARTNER, revoked_at__isnull=True
        ).filter(Q(email__icontains=search) | Q(display_name__icontains=search))
        queryset = queryset.filter(Q(name__icontains=search) | Exists(partners) | Exists(invited))
    if filters.stage:
        queryset = queryset.filter(stage=filters.stage)
    if filters.facilitator_id is not None:
        team = CareTeamMember.objects.filter(couple=OuterRef("pk"), user_id=filters.facilitator_id)
        queryset = queryset.filter(Exists(team))
    if filters.only_ids is not None:
        queryset = queryset.filter(pk__in=sorted(filters.only_ids))
    return queryset.values_list("id", "organisation_id", "name", "stage")


def _summarise(rows: list[tuple[int, int, str, str]]) -> list[CoupleSummary]:
    """ROWS (id, organisation, name, stage) with their partners and care team: two queries."""
    ids = [row[0] for row in rows]
    partners: dict[int, list[PersonSummary]] = {couple_id: [] for couple_id in ids}
    care_team: dict[int, list[PersonSummary]] = {couple_id: [] for couple_id in ids}
    for couple_id, user_id, name, slot in (
        Partner.objects.filter(couple_id__in=ids)
        .order_by("slot")
        .values_list("couple_id", "user_id", "user__display_name", "slot")
    ):
        partners[couple_id].append(PersonSummary(user_id, name, slot))
    for couple_id, user_id, name, deactivated in (
        CareTeamMember.objects.filter(couple_id__in=ids)
        .annotate(deactivated=deactivated_here())
        .order_by("id")
        .values_list("couple_id", "user_id", "user__display_name", "deactivated")
    ):
        care_team[couple_id].append(PersonSummary(user_id, name, deactivated=deactivated))
    return [
        CoupleSummary(row[0], row[1], row[2], row[3], partners[row[0]], care_team[row[0]])
        for row in rows
    ]


def _newest_entries(
    viewer: Viewer, couple: Couple, limit: int, offset: int = 0
) -> tuple[list[Entry], int]:
    """With each entry's replies: they are read by exactly those who read the entry."""
    visible = entries_visible_to(viewer, couple)
    total = visible.count()
    page = Entry.with_replies(visible.select_related("author").defer("author__password"))
    return list(page[offset : offset + limit]), total


def entry_list(
    *, viewer: Viewer, couple: Couple, limit: int = ENTRIES_PER_PAGE, offset: int = 0
) -> tuple[list[Entry], int]:
    """The newest entries of COUPLE the viewer may read, and how many there are in all."""
    entries, total = _newest_entries(viewer, couple, limit, offset)
    viewer.audit(
        Action.ENTRY_LIST,
        organisation_id=couple.organisation_id,
        couple_id=couple.pk,
        object_type="entry",
        ids=[entry.pk for entry in entries],
    )
    return entries, total


@dataclass(frozen=True)
class CoupleRead:
    """A couple as its page and the API show it: its people, the newest entries the viewer may
    read, and how the viewer stands to it."""

    couple: Couple
    partners: list[Partner]
    care_team: list[CareTeamMember]
    entries: list[Entry]
    entry_total: int
    viewer_is_partner: bool
    viewer_is_care_team: bool
    can_write: bool
    # For a partner: what they wrote, and what their partner shared with the couple.
    mine: list[Entry]
    shared_with_me: list[Entry]
    # For those who look after the couple (policy.couples.looks_after): they change its name
    # and care team, and see its partners' invitations not yet accepted nor revoked.
    looks_after: bool = False
    invitations: list[PartnerInvitation] = field(default_factory=list)

    @property
    def free_slots(self) -> int:
        """How many partners may still be invited (0 for anyone who does not look after it)."""
        if not self.looks_after:
            return 0
        return max(0, 2 - len(self.partners) - len(self.invitations))


@dataclass(frozen=True)
class PartnerInvitation:
    """A partner's invitation as the couple page and the API show it."""

    id: int
    email: str
    display_name: str
    created_at: datetime
    sent_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    state: InvitationState

    @property
    def open(self) -> bool:
        return self.state in (InvitationState.PENDING, InvitationState.EXPIRED)


def partner_invitation_of(invitation: Invitation) -> PartnerInvitation:
    """INVITATION (one the caller may manage) as the couple page and the API show it."""
    expired = invitation.expires_at <= timezone.now()
    return PartnerInvitation(
        id=invitation.pk,
        email=invitation.email,
        display_name=invitation.display_name,
        created_at=invitation.created_at,
        sent_at=invitation.sent_at,
        expires_at=invitation.expires_at,
        accepted_at=invitation.accepted_at,
        revoked_at=invitation.revoked_at,
        state=invitation_state(
            invitation.accepted_at is not None, invitation.revoked_at is not None, expired
        ),
    )


def _invitation_rows(viewer: Viewer, couple: Couple, *, open_only: bool) -> list[PartnerInvitation]:
    invitations = partner_invitations_visible_to(viewer, couple).order_by("created_at", "pk")
    if open_only:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return [partner_invitation_of(invitation) for invitation in invitations]


def partner_invitations(
    *, viewer: Viewer, couple: Couple, limit: int = 50, offset: int = 0
) -> tuple[list[PartnerInvitation], int]:
    """Every partner invitation of COUPLE (from get_couple_for), oldest first, for those who
    look after it (403 for its partners); audited."""
    require_partner_invitations(viewer, couple)
    everything = _invitation_rows(viewer, couple, open_only=False)
    shown = everything[offset : offset + limit]
    viewer.audit(
        Action.INVITATION_LIST,
        couple,
        object_type="invitation",
        object_id="",
        ids=[i.id for i in shown],
    )
    return shown, len(everything)


@dataclass(frozen=True)
class InvitationsPage:
    """A couple's partners and every invitation to it, for those who look after it."""

    couple: Couple
    partners: list[Partner]
    invitations: list[PartnerInvitation]

    @property
    def open(self) -> list[PartnerInvitation]:
        return [i for i in self.invitations if i.open]

    @property
    def closed(self) -> list[PartnerInvitation]:
        return [i for i in self.invitations if not i.open]

    @property
    def free_slots(self) -> int:
        return max(0, 2 - len(self.partners) - len(self.open))


def invitations_page(*, viewer: Viewer, couple_id: int) -> InvitationsPage:
    """COUPLE's page of partner invitations (404 for a couple the viewer does not see, 403 for
    its partners); audited."""
    couple = get_couple_for(viewer, couple_id)
    found, _total = partner_invitations(viewer=viewer, couple=couple, limit=MAX_INVITATIONS)
    return InvitationsPage(couple=couple, partners=couple.loaded_partners, invitations=found)


def couple_still_seen(viewer: Viewer, couple: Couple) -> bool:
    """Whether VIEWER still sees COUPLE (one who took themselves off its care team does not)."""
    return couples_visible_to(viewer).filter(pk=couple.pk).exists()


def couple_read(*, viewer: Viewer, couple_id: int) -> CoupleRead:
    """The couple VIEWER may see (404 otherwise), with its newest entries they may read; one
    audit event: the couple, and which of its entries were shown."""
    couple = get_couple_for(viewer, couple_id)
    entries, total = _newest_entries(viewer, couple, ENTRIES_PER_PAGE)
    access = couple_access_for(viewer, couple)
    cared_for = looks_after(viewer, couple)
    invitations = _invitation_rows(viewer, couple, open_only=True) if cared_for else []
    viewer.audit(
        Action.COUPLE_READ,
        couple,
        entry_ids=[entry.pk for entry in entries],
        detail={"invitation_ids": [i.id for i in invitations]} if invitations else None,
    )
    me = viewer.user.pk
    return CoupleRead(
        couple=couple,
        partners=couple.loaded_partners,
        care_team=couple.loaded_care_team,
        entries=entries,
        entry_total=total,
        viewer_is_partner=access.is_partner,
        viewer_is_care_team=access.is_care_team,
        can_write=access.writes_entries,
        mine=[e for e in entries if access.is_partner and e.author_id == me],
        shared_with_me=[e for e in entries if access.is_partner and e.author_id != me],
        looks_after=cared_for,
        invitations=invitations,
    )


def portal_couple(*, viewer: Viewer, couple_id: int, section: str) -> Couple:
    """The couple whose portal SECTION a partner opens (404 for a couple they may not see, 403
    for anyone else who sees it); audited as a read of the couple, naming the section. What
    the section shows is read, and audited, by its own selectors."""
    couple = get_couple_for(viewer, couple_id)
    require_portal(viewer, couple)
    viewer.audit(Action.COUPLE_READ, couple, section=section)
    return couple


def partner_couples(*, viewer: Viewer) -> list[Couple]:
    """The couples the viewer is a partner of (usually one), for the portal."""
    queryset = own_couples_of(viewer).select_related("organisation")
    couples = list(Couple.with_people(queryset).order_by("name"))
    if len(couples) > 1:  # a single couple is opened straight away, and its page is audited
        for couple in couples:
            viewer.audit(Action.COUPLE_LIST, couple, object_id="")
    return couples


def entry_read(*, viewer: Viewer, couple_id: int, entry_id: int) -> tuple[Couple, Entry]:
    """One entry the viewer may read, with its couple; the read is audited."""
    couple = get_couple_for(viewer, couple_id)
    entry = get_entry_for(viewer, couple, entry_id)
    viewer.audit(Action.ENTRY_READ, entry)
    return couple, entry


# Who may be on a couple's care team.
CARE_TEAM_ROLES = (Role.FACILITATOR, Role.CLINICAL_LEAD)


def care_team_candidates(organisation_id: int) -> QuerySet[Membership]:
    """The organisation's active facilitators and clinical leads, who may join a couple's care
    team, by name."""
    return (
        Membership.objects.filter(
            organisation_id=organisation_id,
            role__in=CARE_TEAM_ROLES,
            deactivated_at__isnull=True,
        )
        .select_related("user")
        .order_by("user__display_name", "user_id")
    )


def partner_elsewhere(
    viewer: Viewer, organisation_id: int, email: str, couple: Couple | None = None
) -> list[str]:
    """The other couples of the organisation (not COUPLE) that EMAIL is a partner of or is
    invited to (not yet accepted nor revoked): each one's name where VIEWER sees that couple,
    else an empty string. Two queries."""
    address = email.strip().lower()
    if not address:
        return []
    others = Couple.objects.filter(organisation_id=organisation_id)
    if couple is not None:
        others = others.exclude(pk=couple.pk)
    invited = Invitation.objects.filter(
        email__iexact=address, role=Role.PARTNER, accepted_at__isnull=True, revoked_at__isnull=True
    ).values("couple_id")
    found = list(
        others.filter(Q(partners__user__email__iexact=address) | Q(pk__in=invited))
        .distinct()
        .order_by("name", "pk")
        .values_list("pk", "name")
    )
    if not found:
        return []
    seen = set(
        couples_visible_to(viewer, organisation_id)
        .filter(pk__in=[pk for pk, _name in found])
        .values_list("pk", flat=True)
    )
    return [name if pk in seen else "" for pk, name in found]
