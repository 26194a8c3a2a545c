"""The viewer and the refusals every resource of the policy uses: `Viewer`, `viewer_for` /
`viewer_from_request`, `client_ip` (the client address, also django-axes'), `deny` (404,
audited), `refuse` (403, audited), `organisation_for`, and the rules shared by every resource:
who is a partner or the care team of a couple, and what only they may do.

This module imports no resource module of the policy; they import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.utils import timezone

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record, audit_subject
from holdspace.couples.models import Couple

# Roles that see every couple of their organisation.
_ORG_WIDE_ROLES = frozenset({Role.CLINICAL_LEAD, Role.ORG_ADMIN})
# Roles that may read team-visible entries of the couples they see.
_CARE_ROLES = frozenset({Role.CLINICAL_LEAD, Role.FACILITATOR})


class _Derived:
    """A keyword of `Viewer.audit` left to its subject."""


DERIVED: Any = _Derived()


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
        action: Action,
        subject: models.Model | None = None,
        /,
        *,
        organisation_id: int | None | _Derived = DERIVED,
        couple_id: int | None | _Derived = DERIVED,
        object_type: str | None = None,
        object_id: object = DERIVED,
        detail: Mapping[str, Any] | None = None,
        **details: Any,
    ) -> None:
        """Append to the audit trail that this viewer did ACTION to SUBJECT, from where.

        The organisation, couple, object type and id come from SUBJECT (`audit_subject`); a
        keyword names one where there is no subject or it says otherwise. The other keywords are
        the event's detail, with DETAIL for keys that are not Python names (`for`, `from`)."""
        derived = audit_subject(subject) if subject is not None else None
        if isinstance(organisation_id, _Derived):
            organisation_id = derived.organisation_id if derived else None
        if isinstance(couple_id, _Derived):
            couple_id = derived.couple_id if derived else None
        if isinstance(object_id, _Derived):
            object_id = derived.object_id if derived else ""
        if object_type is None:
            object_type = derived.object_type if derived else ""
        audit_record(
            action=action,
            organisation_id=organisation_id,
            actor_id=self.user.pk,
            actor_label=self.user.email,
            object_type=object_type,
            object_id=object_id,
            couple_id=couple_id,
            ip=self.ip,
            detail={**(detail or {}), **details} or None,
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
        # A deactivated membership gives no role: the person no longer acts there.
        Membership.objects.filter(
            user=user, organisation__isnull=False, deactivated_at__isnull=True
        ).values_list("organisation_id", "role")
    )
    return Viewer(user=user, roles=roles, ip=ip)


def viewer_from_request(request: HttpRequest) -> Viewer:
    """The viewer of a signed-in request: `request.viewer`, set by `ViewerMiddleware` for the
    web and by the API's token check, made here on first use for any other caller."""
    viewer: Viewer | None = getattr(request, "viewer", None)
    if viewer is None:
        user = request.user
        assert isinstance(user, User)
        viewer = viewer_for(user, client_ip(request))
        request.viewer = viewer  # type: ignore[attr-defined]
    return viewer


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
        Action.ACCESS_DENIED,
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
        Action.ACCESS_DENIED,
        organisation_id=organisation_id,
        object_type=what,
        object_id=object_id,
        couple_id=couple_id,
        attempted=action,
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
    where they hold one of ROLES. Anything else is refused (403), audited in `denial_chain`: the
    trail of the organisation asked about if the viewer belongs to it, else of their own first
    one."""
    allowed = sorted(viewer.orgs_with(roles))
    raw = str(requested or "").strip()
    chosen: int | None = allowed[0] if allowed else None
    if raw:
        if not raw.isdigit():
            raise Http404("No such organisation")
        chosen = int(raw)
    if chosen is None or chosen not in allowed:
        viewer.audit(
            Action.ACCESS_DENIED,
            organisation_id=denial_chain(viewer, chosen),
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


def denial_chain(viewer: Viewer, organisation_id: int | None) -> int | None:
    """The audit chain of a denial about ORGANISATION_ID (None: about no organisation in
    particular): that organisation's if the viewer belongs to it; else their own first (a
    stranger's refusal is not written into another organisation's trail); for someone who
    belongs to none, the organisation asked about if it exists. Never the chain of no
    organisation when one is known."""
    if organisation_id is not None and viewer.role_in(organisation_id) is not None:
        return organisation_id
    if viewer.roles:
        return min(viewer.roles)
    if organisation_id is not None and 0 < organisation_id < 2**63:
        if Organisation.objects.filter(pk=organisation_id).exists():
            return organisation_id
    return None


# Belonging to a couple, shared by every resource -------------------------------------


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
