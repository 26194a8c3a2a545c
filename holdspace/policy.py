"""Who may see and do what: the one place that decides access to couples and their records.

Views, the API, exports and search reach records only through the getters and
querysets here. A record the viewer may not see is reported as missing (Http404),
exactly like a record that does not exist, and the refusal is audited.

Who sees what
- A partner sees their own couple, every entry they wrote, and the entries their
  partner shared with the couple.
- The care team of a couple is the facilitators assigned to it plus the organisation's
  clinical leads (who oversee every couple). They see entries shared with the team or
  the couple, never private ones.
- An org admin sees which couples exist (to manage people and invitations) but no entry.
- A researcher sees no couple or entry here: only de-identified exports, later.
- Nobody sees anything of another organisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record
from holdspace.couples.models import Couple, Entry, Visibility
from holdspace.measures.models import MeasureResponse, SafetyAlert
from holdspace.preparation.models import PartnerForm, PreparationSession
from holdspace.screening.models import Screening
from holdspace.sessions.models import MedicineSession

# Roles that see every couple of their organisation.
_ORG_WIDE_ROLES = frozenset({Role.CLINICAL_LEAD, Role.ORG_ADMIN})
# Roles that may read team-visible entries of the couples they see.
_CARE_ROLES = frozenset({Role.CLINICAL_LEAD, Role.FACILITATOR})


@dataclass(frozen=True)
class Viewer:
    """The person asking, with their role in each organisation, and where they ask from."""

    user: User
    roles: Mapping[int, str] = field(default_factory=dict)
    ip: str | None = None

    def orgs_with(self, roles: frozenset[str] | set[str]) -> list[int]:
        return [org for org, role in self.roles.items() if role in roles]

    def role_in(self, organisation_id: int) -> str | None:
        return self.roles.get(organisation_id)

    def audit(
        self,
        *,
        action: str,
        organisation_id: int | None,
        object_type: str = "",
        object_id: object = "",
        couple_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append to the audit trail what this viewer did, from where."""
        audit_record(
            action=action,
            organisation_id=organisation_id,
            actor_id=self.user.pk,
            actor_label=self.user.email,
            object_type=object_type,
            object_id=object_id,
            couple_id=couple_id,
            ip=self.ip,
            detail=detail,
        )


def client_ip(request: HttpRequest) -> str | None:
    """Where a request came from: the proxy's last X-Forwarded-For hop when behind one."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


def viewer_for(user: User, ip: str | None = None) -> Viewer:
    roles = dict(
        Membership.objects.filter(user=user, organisation__isnull=False).values_list(
            "organisation_id", "role"
        )
    )
    return Viewer(user=user, roles=roles, ip=ip)


def viewer_from_request(request: HttpRequest) -> Viewer:
    cached: Viewer | None = getattr(request, "_holdspace_viewer", None)
    if cached is None:
        user = request.user
        assert isinstance(user, User)
        cached = viewer_for(user, client_ip(request))
        request._holdspace_viewer = cached  # type: ignore[attr-defined]
    return cached


def deny(
    viewer: Viewer,
    *,
    what: str,
    object_id: object,
    organisation_id: int | None,
    couple_id: int | None = None,
) -> Http404:
    """For a record the viewer may not see: 404, exactly like one that does not exist; audited."""
    viewer.audit(
        action=Action.ACCESS_DENIED,
        organisation_id=organisation_id,
        object_type=what,
        object_id=object_id,
        couple_id=couple_id,
    )
    return Http404(f"No such {what}")


def refuse(
    viewer: Viewer,
    *,
    action: str,
    what: str,
    object_id: object = "",
    organisation_id: int | None,
    couple_id: int | None = None,
) -> PermissionDenied:
    """For a record the viewer may see but not change: 403, audited."""
    viewer.audit(
        action=Action.ACCESS_DENIED,
        organisation_id=organisation_id,
        object_type=what,
        object_id=object_id,
        couple_id=couple_id,
        detail={"attempted": action},
    )
    return PermissionDenied(f"You may not {action} this {what}")


def organisation_for(
    viewer: Viewer,
    requested: object,
    roles: frozenset[str] | set[str],
    *,
    what: str,
    attempted: str = "",
) -> Organisation:
    """The organisation a page is asked for (REQUESTED, e.g. `?org=`), or the viewer's first
    where they hold one of ROLES. Anything else is refused (403), audited into the trail of the
    organisation asked about if the viewer belongs to it, else of their own first one."""
    allowed = sorted(viewer.orgs_with(roles))
    raw = str(requested or "").strip()
    chosen: int | None = allowed[0] if allowed else None
    if raw:
        if not raw.isdigit():
            raise Http404("No such organisation")
        chosen = int(raw)
    if chosen is None or chosen not in allowed:
        if chosen is not None and viewer.role_in(chosen) is not None:
            trail: int | None = chosen
        else:
            trail = min(viewer.roles) if viewer.roles else None
        viewer.audit(
            action=Action.ACCESS_DENIED,
            organisation_id=trail,
            object_type=what.replace(" ", "_"),
            object_id=chosen if chosen is not None else "",
            detail={"attempted": attempted} if attempted else None,
        )
        raise PermissionDenied(f"Your role does not include the {what} of that organisation")
    organisation = Organisation.objects.get(pk=chosen)
    # The page is about this organisation: its times are shown and typed on its clock (the
    # middleware turns the zone off after the response).
    timezone.activate(organisation.tzinfo)
    return organisation


# Couples ------------------------------------------------------------------------------


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


def is_partner_of(viewer: Viewer, couple: Couple) -> bool:
    if viewer.role_in(couple.organisation_id) != Role.PARTNER:
        return False
    return viewer.user.pk in _user_ids(couple, "partner_list", "partners")


def is_care_team_of(viewer: Viewer, couple: Couple) -> bool:
    role = viewer.role_in(couple.organisation_id)
    if role == Role.CLINICAL_LEAD:
        return True
    if role != Role.FACILITATOR:
        return False
    return viewer.user.pk in _user_ids(couple, "care_team_list", "care_team")


def _user_ids(couple: Couple, loaded: str, relation: str) -> set[int]:
    """The people of COUPLE's partners or care team, from Couple.with_people when loaded."""
    rows = getattr(couple, loaded, None)
    if rows is None:
        return set(getattr(couple, relation).values_list("user_id", flat=True))
    return {row.user_id for row in rows}


# Entries ------------------------------------------------------------------------------


def entries_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[Entry]:
    """The entries of COUPLE that VIEWER may read (COUPLE must come from get_couple_for)."""
    entries = Entry.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if is_partner_of(viewer, couple):
        return entries.filter(Q(author=viewer.user) | Q(visibility=Visibility.COUPLE))
    if is_care_team_of(viewer, couple):
        return entries.filter(visibility__in=[Visibility.TEAM, Visibility.COUPLE])
    return entries.none()


def get_entry_for(viewer: Viewer, couple: Couple, entry_id: int) -> Entry:
    entry = entries_visible_to(viewer, couple).select_related("author").filter(pk=entry_id).first()
    if entry is None:
        exists = Entry.objects.filter(pk=entry_id, couple=couple).exists()
        raise deny(
            viewer,
            what="entry",
            object_id=entry_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk if exists else None,
        )
    entry.couple = couple  # the same instance, with its partners and care team loaded
    return entry


def can_write_entries(viewer: Viewer, couple: Couple) -> bool:
    """Only the partners write entries about their own couple."""
    return is_partner_of(viewer, couple)


def can_change_entry(viewer: Viewer, entry: Entry) -> bool:
    """Only the author edits an entry or changes (widens or narrows) its visibility."""
    return entry.author_id == viewer.user.pk and is_partner_of(viewer, entry.couple)


def require_entry_write(viewer: Viewer, couple: Couple) -> None:
    if not can_write_entries(viewer, couple):
        raise refuse(
            viewer,
            action="write entries for",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_entry_change(viewer: Viewer, entry: Entry) -> None:
    if not can_change_entry(viewer, entry):
        raise refuse(
            viewer,
            action="change",
            what="entry",
            object_id=entry.pk,
            organisation_id=entry.organisation_id,
            couple_id=entry.couple_id,
        )


def can_invite(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.role_in(organisation_id) in {Role.ORG_ADMIN, Role.CLINICAL_LEAD}


# Measures -----------------------------------------------------------------------------
# A partner's measure responses are theirs and their care team's; the other partner sees
# them only when their author shared them with the couple.


def responses_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[MeasureResponse]:
    responses = MeasureResponse.objects.filter(
        organisation_id=couple.organisation_id, couple=couple
    )
    if is_partner_of(viewer, couple):
        sharing = [
            p.user_id
            for p in couple.loaded_partners
            if p.measures_visibility == "couple" and p.user_id != viewer.user.pk
        ]
        return responses.filter(Q(partner=viewer.user) | Q(partner_id__in=sharing))
    if is_care_team_of(viewer, couple):
        return responses
    return responses.none()


def can_see_item_answers(viewer: Viewer, couple: Couple, response: MeasureResponse) -> bool:
    """Item-level answers (not only the score): the partner who gave them and the couple's
    care team (its facilitators, the clinical leads); never the other partner, even when the
    score is shared with them, nor an org admin or a researcher."""
    if is_partner_of(viewer, couple):
        return response.partner_id == viewer.user.pk
    return is_care_team_of(viewer, couple)


def require_item_answers(viewer: Viewer, couple: Couple, response: MeasureResponse) -> None:
    """The response's page with its answers item by item: 404 for anyone else."""
    if not can_see_item_answers(viewer, couple, response):
        raise deny(
            viewer,
            what="measure response",
            object_id=response.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_response_submit(viewer: Viewer, couple: Couple, partner_id: int) -> None:
    """A partner answers for themselves; the care team may administer for either partner."""
    require_partner_record_write(viewer, couple, partner_id, action="submit measures for")


def require_partner_record_write(
    viewer: Viewer, couple: Couple, partner_id: int, *, action: str
) -> None:
    """A partner's own records (measures, screening, consents, plans): written by that partner,
    or by their care team with them; never by the other partner."""
    if partner_id not in _user_ids(couple, "partner_list", "partners"):
        raise deny(
            viewer,
            what="partner",
            object_id=partner_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )
    allowed = (is_partner_of(viewer, couple) and partner_id == viewer.user.pk) or (
        is_care_team_of(viewer, couple)
    )
    if not allowed:
        raise refuse(
            viewer,
            action=action,
            what="partner",
            object_id=partner_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_measures_share(viewer: Viewer, couple: Couple) -> None:
    """Only a partner decides who sees their own scores."""
    if not is_partner_of(viewer, couple):
        raise refuse(
            viewer,
            action="share the measures of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def alerts_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[SafetyAlert]:
    """The safety alerts of the couples the viewer cares for (staff only)."""
    role = viewer.role_in(organisation_id)
    alerts = SafetyAlert.objects.filter(organisation_id=organisation_id)
    if role == Role.CLINICAL_LEAD:
        return alerts
    if role == Role.FACILITATOR:
        return alerts.filter(couple__care_team__user=viewer.user)
    return alerts.none()


def get_alert_for(viewer: Viewer, alert_id: int) -> SafetyAlert:
    for organisation_id in viewer.orgs_with(_CARE_ROLES):
        alert = alerts_visible_to(viewer, organisation_id).filter(pk=alert_id).first()
        if alert is not None:
            return alert
    existing = SafetyAlert.objects.filter(pk=alert_id).values_list("organisation_id", flat=True)
    raise deny(
        viewer,
        what="safety alert",
        object_id=alert_id,
        organisation_id=existing.first(),
        couple_id=None,
    )


def outbox_scope_for(viewer: Viewer, organisation_id: int, *, api: bool = False) -> int | None:
    """Whose outbox rows the viewer sees in ORGANISATION_ID: None for all of them (org admins,
    clinical leads), else the facilitator whose couples' rows they are (the page only; the API
    refuses a facilitator, 403). Anyone else, of any organisation, meets a 404."""
    role = viewer.role_in(organisation_id)
    if role in _ORG_WIDE_ROLES:
        return None
    if role == Role.FACILITATOR:
        if not api:
            return viewer.user.pk
        raise refuse(
            viewer,
            action="read through the API the e-mail outbox of",
            what="organisation",
            object_id=organisation_id,
            organisation_id=organisation_id,
        )
    raise deny(
        viewer,
        what="outbox",
        object_id=organisation_id,
        organisation_id=organisation_id if role is not None else None,
    )


# Screening and preparation --------------------------------------------------------------
# A partner's screening answers and preparation forms are theirs and their care team's; the
# other partner never sees them. Preparation session notes are the care team's alone.


def screenings_visible_to(viewer: Viewer, couple: Couple) -> QuerySet[Screening]:
    screenings = Screening.objects.filter(organisation_id=couple.organisation_id, couple=couple)
    if is_partner_of(viewer, couple):
        return screenings.filter(partner=viewer.user)
    if is_care_team_of(viewer, couple):
        return screenings
    return screenings.none()


def get_screening_for(viewer: Viewer, couple: Couple, screening_id: int) -> Screening:
    screening = screenings_visible_to(viewer, couple).filter(pk=screening_id).first()
    if screening is None:
        exists = Screening.objects.filter(pk=screening_id, couple=couple).exists()
        raise deny(
            viewer,
            what="screening",
            object_id=screening_id,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk if exists else None,
        )
    return screening


def can_override_screening(viewer: Viewer, couple: Couple) -> bool:
    """Only a clinical lead overrides the engine's decision; a facilitator cannot."""
    return viewer.role_in(couple.organisation_id) == Role.CLINICAL_LEAD


def require_screening_override(viewer: Viewer, screening: Screening) -> None:
    if not can_override_screening(viewer, screening.couple):
        raise refuse(
            viewer,
            action="override",
            what="screening",
            object_id=screening.pk,
            organisation_id=screening.organisation_id,
            couple_id=screening.couple_id,
        )


def screening_queue_organisation(viewer: Viewer, requested: object) -> Organisation:
    """The organisation whose screenings awaiting a decision the viewer looks at (`?org=`, or
    their first as clinical lead or facilitator); anyone else meets a 404."""
    allowed = sorted(viewer.orgs_with(_CARE_ROLES))
    raw = str(requested or "").strip()
    chosen = int(raw) if raw.isdigit() else (allowed[0] if allowed and not raw else None)
    if chosen is None or chosen not in allowed:
        raise deny(
            viewer,
            what="screening queue",
            object_id=raw,
            organisation_id=chosen if chosen is not None and viewer.role_in(chosen) else None,
        )
    return Organisation.objects.get(pk=chosen)


def org_screenings_visible_to(viewer: Viewer, organisation_id: int) -> QuerySet[Screening]:
    """Screenings across an organisation: a clinical lead's all, a facilitator's those of the
    couples they care for; no one else's (partners see their own through their couple)."""
    screenings = Screening.objects.filter(organisation_id=organisation_id)
    role = viewer.role_in(organisation_id)
    if role == Role.CLINICAL_LEAD:
        return screenings
    if role == Role.FACILITATOR:
        return screenings.filter(couple__care_team__user=viewer.user)
    return screenings.none()


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


def require_care_team(viewer: Viewer, couple: Couple, *, action: str) -> None:
    """Preparation sessions and medicine sessions are recorded by the care team only."""
    if not is_care_team_of(viewer, couple):
        raise refuse(
            viewer,
            action=action,
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_couple_people(viewer: Viewer, couple: Couple, *, action: str) -> None:
    """ACTION is for the couple's own people: its partners and its care team. Anyone else who
    sees the couple (an org admin, say) is refused with a 403."""
    if not (is_partner_of(viewer, couple) or is_care_team_of(viewer, couple)):
        raise refuse(
            viewer,
            action=action,
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_partner(viewer: Viewer, couple: Couple, *, action: str) -> None:
    """ACTION is for the couple's partners alone (403 for anyone else who sees the couple)."""
    if not is_partner_of(viewer, couple):
        raise refuse(
            viewer,
            action=action,
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_readiness(viewer: Viewer, couple: Couple) -> None:
    require_couple_people(viewer, couple, action="see the readiness of")


# Exports ------------------------------------------------------------------------------


def can_export(viewer: Viewer, organisation_id: int) -> bool:
    """De-identified exports: researchers and clinical leads of the organisation."""
    return viewer.role_in(organisation_id) in {Role.RESEARCHER, Role.CLINICAL_LEAD}


def require_export(viewer: Viewer, organisation_id: int) -> None:
    if not can_export(viewer, organisation_id):
        raise deny(
            viewer,
            what="export",
            object_id=organisation_id,
            organisation_id=organisation_id if viewer.role_in(organisation_id) else None,
            couple_id=None,
        )


# Medicine sessions -----------------------------------------------------------------------
# A partner may know their session exists (date, time, room); its plan, live record and
# discharge belong to the care team.


def get_medicine_session_for(viewer: Viewer, session_id: int) -> MedicineSession:
    session = (
        MedicineSession.objects.filter(pk=session_id, couple__in=couples_visible_to(viewer))
        .select_related("organisation")
        .first()
    )
    if session is None:
        existing = MedicineSession.objects.filter(pk=session_id).values_list(
            "organisation_id", "couple_id"
        )
        found = existing.first()
        raise deny(
            viewer,
            what="medicine session",
            object_id=session_id,
            organisation_id=found[0] if found else None,
            couple_id=found[1] if found else None,
        )
    session.couple = get_couple_for(viewer, session.couple_id)
    return session


def require_session_care(viewer: Viewer, session: MedicineSession, *, action: str) -> None:
    """The live record and the plan: the couple's care team only (403 for others who see it)."""
    if not is_care_team_of(viewer, session.couple):
        raise refuse(
            viewer,
            action=action,
            what="medicine session",
            object_id=session.pk,
            organisation_id=session.organisation_id,
            couple_id=session.couple_id,
        )


def require_progress_report(viewer: Viewer, couple: Couple, variant: str) -> None:
    """The couple variant: its partners and its care team. The clinical variant: the care team
    (facilitators on it, clinical leads). Anyone else who sees the couple (an org admin) is
    refused (403); COUPLE must come from get_couple_for, which already answered 404 to those
    who may not see it at all."""
    care = is_care_team_of(viewer, couple)
    allowed = care or (variant == "couple" and is_partner_of(viewer, couple))
    if variant not in {"couple", "clinical"} or not allowed:
        raise refuse(
            viewer,
            action=f"generate the {variant} progress report of",
            what="couple",
            object_id=couple.pk,
            organisation_id=couple.organisation_id,
            couple_id=couple.pk,
        )


def require_guides_view(viewer: Viewer, couple: Couple) -> None:
    """A couple's guides: its partners and its care team (403 for others who see the couple)."""
    require_couple_people(viewer, couple, action="see the guides of")
