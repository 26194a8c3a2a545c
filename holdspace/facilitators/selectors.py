"""Reads of facilitators: what a couple sees of their guides, and the organisation's view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pydantic import Field

from holdspace.accounts.models import Membership, Organisation, User
from holdspace.accounts.zones import org_localdate
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.facilitators.models import (
    Credential,
    CredentialStatus,
    FacilitatorProfile,
    GuideReview,
)
from holdspace.facilitators.services import (
    WARNED_WITHIN_DAYS,
    facilitator_refusals,
    held_credentials,
    problems_on,
)
from holdspace.lib.schemas import StrictModel, load_toml
from holdspace.lib.when import day
from holdspace.policy.core import Viewer
from holdspace.policy.couples import get_couple_for
from holdspace.policy.facilitators import (
    credentials_visible_to,
    facilitators_visible_to,
    get_evidence_for,
    manages_facilitators,
    require_guides_view,
    reviews_guides,
    sees_incidents,
)
from holdspace.screening.rules import RULES_DIR
from holdspace.sessions.models import MedicineSession, SessionEvent


class GuideQuestions(StrictModel):
    """rules/guide_questions.toml: the questions shown on "Your guides", with their source."""

    source: str = Field(min_length=1)
    questions: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)


GUIDE_QUESTIONS_FILE = RULES_DIR / "guide_questions.toml"


@cache
def guide_questions() -> tuple[list[str], str]:
    data = load_toml(GUIDE_QUESTIONS_FILE, GuideQuestions)
    return list(data.questions), data.source


@dataclass
class Guide:
    user: User
    profile: FacilitatorProfile | None
    credentials: list[Credential] = field(default_factory=list)
    my_review: GuideReview | None = None


def couple_guides(couple: Couple, *, partner_id: int | None) -> list[Guide]:
    """The facilitators on COUPLE's care team as a couple sees them: verified credentials only
    (no evidence, no incidents), their profile, and PARTNER_ID's latest review of each."""
    team = [m.user for m in couple.loaded_care_team]
    ids = [u.pk for u in team]
    profiles = {
        p.facilitator_id: p
        for p in FacilitatorProfile.objects.filter(
            organisation_id=couple.organisation_id, facilitator_id__in=ids
        )
    }
    credentials: dict[int, list[Credential]] = {uid: [] for uid in ids}
    for credential in Credential.objects.filter(
        organisation_id=couple.organisation_id,
        facilitator_id__in=ids,
        status=CredentialStatus.VERIFIED,
    ).defer("evidence", "evidence_name"):
        credentials[credential.facilitator_id].append(credential)
    reviews: dict[int, GuideReview] = {}
    if partner_id is not None:
        for review in GuideReview.objects.filter(
            couple=couple, partner_id=partner_id, facilitator_id__in=ids
        ).order_by("-created_at", "-id"):
            reviews.setdefault(review.facilitator_id, review)
    return [
        Guide(user, profiles.get(user.pk), credentials[user.pk], reviews.get(user.pk))
        for user in team
    ]


@dataclass(frozen=True)
class ExpiryNotice:
    """A verified credential that expires within the sweep's warning window (or has reached
    its expiry day before the sweep marked it), as staff pages warn of it."""

    credential: Credential
    days: int

    @property
    def expired(self) -> bool:
        return self.days <= 0

    @property
    def text(self) -> str:
        """ "Licence expires in 20 days — 24 Dec"."""
        assert self.credential.expires_on is not None
        values = {
            "kind": self.credential.get_kind_display(),
            "n": self.days,
            "day": day(self.credential.expires_on),
        }
        if self.expired:
            return _("%(kind)s expired on %(day)s") % values
        return (
            ngettext(
                "%(kind)s expires in %(n)d day — %(day)s",
                "%(kind)s expires in %(n)d days — %(day)s",
                self.days,
            )
            % values
        )


def expiry_notice(credential: Credential, today: dt.date) -> ExpiryNotice | None:
    """The warning staff see for CREDENTIAL on TODAY: verified and expiring within the sweep's
    warning window (issue 7), or None."""
    if credential.status != CredentialStatus.VERIFIED or credential.expires_on is None:
        return None
    days = (credential.expires_on - today).days
    return ExpiryNotice(credential, days) if days <= WARNED_WITHIN_DAYS else None


def with_notices(
    credentials: list[Credential], today: dt.date
) -> list[tuple[Credential, ExpiryNotice | None]]:
    return [(c, expiry_notice(c, today)) for c in credentials]


@dataclass
class FacilitatorRow:
    user: User
    role: str
    credentials: list[Credential]
    expiring: list[Credential]
    concerns: int = 0
    adverse_events: int = 0
    # Each credential with its warning, if it has one (for the page).
    badges: list[tuple[Credential, ExpiryNotice | None]] = field(default_factory=list)

    @property
    def expiring_notices(self) -> list[tuple[Credential, ExpiryNotice | None]]:
        """The credentials expiring soon, each with its warning if it is within the window."""
        notices = {c.pk: notice for c, notice in self.badges}
        return [(c, notices.get(c.pk)) for c in self.expiring]


def organisation_facilitators(
    organisation: Organisation,
    members: QuerySet[Membership],
    *,
    with_incidents: bool,
    within_days: int = 60,
) -> list[FacilitatorRow]:
    """The facilitators and clinical leads of MEMBERS (from the policy's
    `facilitators_visible_to`) with their credentials, those expiring soon, and (for the
    clinical lead) concerns and adverse events linked to them."""
    members = members.select_related("user").order_by("user__display_name")
    ids = [m.user_id for m in members]
    held: dict[int, list[Credential]] = {uid: [] for uid in ids}
    for credential in Credential.objects.filter(organisation=organisation, facilitator_id__in=ids):
        held[credential.facilitator_id].append(credential)
    today = org_localdate(organisation)
    soon = today + dt.timedelta(days=within_days)
    concerns: dict[int, int] = {}
    events: dict[int, int] = {}
    if with_incidents:
        concerns = dict(
            GuideReview.objects.filter(
                organisation=organisation, facilitator_id__in=ids, decision=GuideReview.CONCERN
            )
            .values_list("facilitator_id")
            .annotate(n=Count("id"))
        )
        events = dict(
            SessionEvent.objects.filter(
                organisation=organisation,
                kind="adverse_event",
                session__facilitators__user_id__in=ids,
            )
            .values_list("session__facilitators__user_id")
            .annotate(n=Count("id", distinct=True))
        )
    return [
        FacilitatorRow(
            m.user,
            m.role,
            held[m.user_id],
            [
                c
                for c in held[m.user_id]
                if c.expires_on is not None
                and c.status == CredentialStatus.VERIFIED
                and c.expires_on <= soon
            ],
            concerns.get(m.user_id, 0),
            events.get(m.user_id, 0),
            with_notices(held[m.user_id], today),
        )
        for m in members
    ]


def facilitator_incidents(organisation: Organisation, user_id: int) -> dict[str, Any]:
    """For the clinical lead: adverse events in sessions this facilitator was present at, and
    partners' concerns about them, with links to the records."""
    adverse = list(
        SessionEvent.objects.filter(
            organisation=organisation,
            kind="adverse_event",
            session__facilitators__user_id=user_id,
        )
        .select_related("session", "couple")
        .order_by("-occurred_at")
        .distinct()[:100]
    )
    concerns = list(
        GuideReview.objects.filter(
            organisation=organisation, facilitator_id=user_id, decision=GuideReview.CONCERN
        )
        .select_related("couple", "partner")
        .order_by("-created_at")[:100]
    )
    return {"adverse_events": adverse, "concerns": concerns}


def sessions_at_risk(
    organisation: Organisation, *, care_team_of: int | None = None
) -> list[tuple[Any, list[str]]]:
    """Scheduled sessions whose facilitators' credentials lapse before the day (for the
    console), with what is wrong; four queries however many sessions. CARE_TEAM_OF limits them
    to the couples that facilitator cares for."""
    upcoming = list(
        MedicineSession.objects.filter(
            organisation=organisation,
            status="scheduled",
            starts_at__gte=timezone.now() - dt.timedelta(hours=12),
        )
        .filter(
            **({"couple__care_team__user_id": care_team_of} if care_team_of is not None else {})
        )
        .select_related("couple")
        .prefetch_related("facilitators")
        .order_by("starts_at")[:200]
    )
    ids = sorted({f.user_id for s in upcoming for f in s.facilitators.all()})
    held, names = held_credentials(organisation, ids)
    at_risk = []
    for session in upcoming:
        day = timezone.localdate(session.starts_at)
        found = [
            message
            for f in session.facilitators.all()
            for message in problems_on(organisation, held[f.user_id], names.get(f.user_id, ""), day)
        ]
        if found:
            at_risk.append((session, found))
    return at_risk


# Pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacilitatorsPage:
    organisation: Organisation
    rows: list[FacilitatorRow]
    lead: bool  # the rows carry incidents (the clinical lead's)


def facilitators_page(*, viewer: Viewer, organisation: Organisation) -> FacilitatorsPage:
    """The organisation's facilitators for a manager (ORGANISATION from the policy's
    `facilitators_organisation_for`), with incidents for the clinical lead; audited."""
    lead = sees_incidents(viewer, organisation.pk)
    rows = organisation_facilitators(
        organisation, facilitators_visible_to(viewer, organisation.pk), with_incidents=lead
    )
    viewer.audit(
        Action.FACILITATOR_LIST, organisation_id=organisation.pk, object_type="facilitator"
    )
    return FacilitatorsPage(organisation, rows, lead)


@dataclass(frozen=True)
class FacilitatorPage:
    organisation: Organisation
    facilitator: User
    profile: FacilitatorProfile | None
    credentials: list[tuple[Credential, ExpiryNotice | None]]
    problems: list[str]  # what keeps them from a medicine session today
    manager: bool  # the viewer verifies credentials
    own: bool  # the viewer is the facilitator
    incidents: dict[str, Any] | None  # the clinical lead's alone

    @property
    def notices(self) -> list[ExpiryNotice]:
        return [notice for _c, notice in self.credentials if notice is not None]

    @property
    def lead(self) -> bool:
        return self.incidents is not None


def facilitator_page(
    *, viewer: Viewer, organisation: Organisation, facilitator: User
) -> FacilitatorPage:
    """A facilitator's credentials (each with its expiry warning), profile and whether they
    may serve today; incidents for the clinical lead. ORGANISATION and FACILITATOR come from
    the policy (`facilitators_organisation_for`, `get_facilitator_for`). Audited."""
    credentials = list(
        credentials_visible_to(viewer, organisation.pk)
        .filter(facilitator=facilitator)
        .select_related("verified_by")
    )
    lead = sees_incidents(viewer, organisation.pk)
    page = FacilitatorPage(
        organisation,
        facilitator,
        FacilitatorProfile.objects.filter(
            organisation=organisation, facilitator=facilitator
        ).first(),
        with_notices(credentials, org_localdate(organisation)),
        facilitator_refusals(
            organisation=organisation, user_ids=[facilitator.pk], on=timezone.localdate()
        ),
        manager=manages_facilitators(viewer, organisation.pk),
        own=viewer.user.pk == facilitator.pk,
        incidents=facilitator_incidents(organisation, facilitator.pk) if lead else None,
    )
    viewer.audit(
        Action.FACILITATOR_READ,
        organisation_id=organisation.pk,
        object_type="facilitator",
        object_id=facilitator.pk,
    )
    return page


def evidence_read(*, viewer: Viewer, credential_id: int) -> Credential:
    """A credential's evidence file for those who may download it (404 otherwise); audited."""
    credential = get_evidence_for(viewer, credential_id)
    viewer.audit(Action.CREDENTIAL_EVIDENCE, credential)
    return credential


@dataclass(frozen=True)
class GuidesPage:
    couple: Couple
    guides: list[Guide]
    partner: bool  # the viewer is a partner: their own reviews are shown, and asked for
    questions: list[str]
    questions_source: str


def guides_page(*, viewer: Viewer, couple_id: int) -> GuidesPage:
    """A couple's guides as the couple sees them, for its partners and its care team; 404
    for anyone who does not see the couple, 403 for others who do. Audited."""
    couple = get_couple_for(viewer, couple_id)
    require_guides_view(viewer, couple)
    partner = reviews_guides(viewer, couple)
    found = couple_guides(couple, partner_id=viewer.user.pk if partner else None)
    questions, source = guide_questions()
    viewer.audit(Action.GUIDE_LIST, couple)
    return GuidesPage(couple, found, partner, questions, source)
