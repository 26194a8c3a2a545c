"""Reads of preparation, through the policy, audited: the readiness gate as the viewer may see
it (the page and the API), and the readiness page with its themes and sessions."""

from __future__ import annotations

from dataclasses import dataclass

from holdspace.audit.actions import Action
from holdspace.couples.models import Couple, Partner
from holdspace.policy.core import Viewer
from holdspace.policy.preparation import (
    get_client_data_for,
    partner_forms_visible_to,
    preparation_sessions_visible_to,
    readiness_partner_ids,
    require_partner_form_write,
    require_readiness,
    sees_the_care_team_view,
)
from holdspace.policy.sessions import medicine_sessions_visible_to
from holdspace.preparation.clientdata import ClientDataShown, client_data_shown
from holdspace.preparation.forms import THEMES
from holdspace.preparation.models import FormKind, PartnerForm, PreparationSession, Signature
from holdspace.preparation.readiness import PartnerReadiness, Readiness, readiness
from holdspace.preparation.signatures.gate import SessionSigning
from holdspace.preparation.signatures.selectors import coming_session_signings, signature_list
from holdspace.screening.profiles import ClientData, RequiredForm, get_profile
from holdspace.sessions.models import MedicineSession


@dataclass(frozen=True)
class ReadinessSeen:
    """The gate for one couple, and the part of it the viewer sees: a partner their own
    list, the care team both partners'."""

    result: Readiness
    partners: list[PartnerReadiness]
    care_team: bool

    @property
    def ready(self) -> bool:
        """The couple's readiness for the care team; a partner learns only their own."""
        if self.care_team:
            return self.result.ready
        return all(p.ready for p in self.partners)


def readiness_read(*, viewer: Viewer, couple: Couple) -> ReadinessSeen:
    """COUPLE's readiness (COUPLE from get_couple_for) for its own people (403 for anyone
    else who sees the couple); audited."""
    require_readiness(viewer, couple)
    result = readiness(couple)
    shown = readiness_partner_ids(viewer, couple)
    viewer.audit(Action.READINESS_READ, couple)
    return ReadinessSeen(
        result=result,
        partners=[p for p in result.partners if p.partner.user_id in shown],
        care_team=sees_the_care_team_view(viewer, couple),
    )


@dataclass(frozen=True)
class Themes:
    chosen: list[str]
    own_words: str


@dataclass(frozen=True)
class ReadinessPage:
    couple: Couple
    seen: ReadinessSeen
    themes: dict[int, Themes]  # per partner shown, their newest themes to explore
    sessions: list[PreparationSession]
    scheduled: list[MedicineSession]  # for the care team
    # Per-session forms of the coming sessions, for the partners the viewer signs for.
    session_signings: list[SessionSigning]
    signatures: list[Signature]  # the viewer's to see: a partner their own


def readiness_page(*, viewer: Viewer, couple: Couple) -> ReadinessPage:
    """The readiness page: per partner, every requirement, done or missing, with their themes;
    the preparation sessions the viewer may see; the care team's scheduled sessions."""
    seen = readiness_read(viewer=viewer, couple=couple)
    labels = dict(THEMES)
    themes: dict[int, Themes] = {}
    for record in (
        partner_forms_visible_to(viewer, couple)
        .filter(kind=FormKind.THEMES)
        .order_by("-created_at", "-id")
    ):
        themes.setdefault(
            record.partner_id,
            Themes(
                chosen=[str(labels.get(t, t)) for t in record.data.get("themes", [])],
                own_words=str(record.data.get("own_words", "")),
            ),
        )
    for shown in seen.partners:  # the page shows each partner's themes beside their list
        shown.partner.themes = themes.get(shown.partner.user_id)  # type: ignore[attr-defined]
    return ReadinessPage(
        couple=couple,
        seen=seen,
        themes=themes,
        sessions=list(
            preparation_sessions_visible_to(viewer, couple)
            .select_related("partner", "facilitator", "booking__room")
            .order_by("-held_at")
        ),
        scheduled=(
            list(medicine_sessions_visible_to(viewer, couple).order_by("starts_at"))
            if seen.care_team
            else []
        ),
        session_signings=coming_session_signings(viewer=viewer, couple=couple),
        signatures=list(signature_list(viewer=viewer, couple=couple)[:50]),
    )


@dataclass(frozen=True)
class PartnerFormPage:
    """One of a partner's preparation forms: what the profile asks of it, and the version in
    force, to open the form with."""

    couple: Couple
    partner: Partner
    kind: str
    title: str
    required: RequiredForm | None
    previous: PartnerForm | None
    with_partner: bool  # the care team entering it with the partner
    # The coded client data form (the demographic form where the profile has one).
    client_data: ClientData | None = None
    # The stored client data form, readable (labels of the version it was answered under).
    shown: ClientDataShown | None = None


def partner_form_page(
    *, viewer: Viewer, couple: Couple, partner_id: int, kind: str
) -> PartnerFormPage:
    """KIND of PARTNER_ID's forms, for the partner or their care team (404 for an unknown
    form or a stranger, 403 for the other partner; audited)."""
    require_partner_form_write(viewer, couple, partner_id, kind)
    profile = get_profile(couple.organisation.profile)
    required = profile.required(kind)
    previous = (
        partner_forms_visible_to(viewer, couple)
        .filter(partner_id=partner_id, kind=kind)
        .order_by("-created_at", "-id")
        .first()
    )
    coded = kind == FormKind.DEMOGRAPHIC_FORM and profile.client_data is not None
    if coded and previous is not None:
        viewer.audit(Action.CLIENT_DATA_READ, previous, partner=partner_id)
    return PartnerFormPage(
        couple=couple,
        partner=next(p for p in couple.loaded_partners if p.user_id == partner_id),
        kind=kind,
        title=str(required.name if required else FormKind(kind).label),
        required=required,
        previous=previous,
        with_partner=viewer.user.pk != partner_id,
        client_data=profile.client_data if coded else None,
        shown=(
            client_data_shown(profile.client_data, previous.data)
            if coded and previous is not None
            else None
        ),
    )


@dataclass(frozen=True)
class ClientDataRead:
    """A partner's newest client data form as the viewer may read it."""

    record: PartnerForm
    shown: ClientDataShown


def client_data_read(*, viewer: Viewer, couple: Couple, partner_id: int) -> ClientDataRead:
    """PARTNER_ID's newest client data form (Oregon's 303 answers) with its labels, for the
    partner and their care team only (404 for a stranger or none stored, 403 for the other
    partner, both audited); the read is audited."""
    record = get_client_data_for(viewer, couple, partner_id)
    viewer.audit(Action.CLIENT_DATA_READ, record, partner=partner_id)
    client_data = get_profile(couple.organisation.profile).client_data
    return ClientDataRead(record, client_data_shown(client_data, record.data))
