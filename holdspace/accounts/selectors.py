"""Reads of an organisation's people and rooms: the Team page, the rooms, and what changing the
jurisdiction profile would change for the couples it already has. Who may read each is decided
by the policy before these are called (policy/team.py, policy/accounts.py); the team and its
rooms are not clinical records, so these reads are not audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allauth.mfa.models import Authenticator
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from holdspace.accounts.models import STAFF_ROLES, Invitation, Membership, Organisation, Room
from holdspace.couples.models import Couple, Stage
from holdspace.screening.profiles import (
    SUBSTANCE_LABELS,
    DoseLimit,
    Preparation,
    Profile,
    get_profile,
)


@dataclass(frozen=True)
class Member:
    membership: Membership
    mfa: bool

    @property
    def active(self) -> bool:
        return self.membership.deactivated_at is None


@dataclass(frozen=True)
class TeamPage:
    organisation: Organisation
    members: list[Member]
    pending: list[Invitation]


def staff_memberships(organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by(
            F("deactivated_at").asc(nulls_first=True), "user__display_name", "user__email", "pk"
        )
    )


def pending_staff_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """Staff invitations not yet accepted or revoked (an expired one can still be resent)."""
    return Invitation.objects.filter(
        organisation=organisation,
        couple__isnull=True,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).order_by("-sent_at", "-pk")


def members_with_mfa(memberships: list[Membership]) -> list[Member]:
    """MEMBERSHIPS with whether each person has set up an authenticator app (one query)."""
    with_totp = set(
        Authenticator.objects.filter(
            user_id__in=[m.user_id for m in memberships], type=Authenticator.Type.TOTP
        ).values_list("user_id", flat=True)
    )
    return [Member(membership=m, mfa=m.user_id in with_totp) for m in memberships]


def team_page(organisation: Organisation) -> TeamPage:
    """ORGANISATION's staff, active first, and its pending staff invitations: three queries
    however many there are."""
    return TeamPage(
        organisation=organisation,
        members=members_with_mfa(list(staff_memberships(organisation))),
        pending=list(pending_staff_invitations(organisation)),
    )


def room_list(organisation: Organisation, *, archived: bool = True) -> list[Room]:
    """ORGANISATION's rooms by name, the archived ones after the others (or left out)."""
    rooms = Room.objects.filter(organisation=organisation)
    if not archived:
        rooms = rooms.filter(archived_at__isnull=True)
    return sorted(rooms, key=lambda room: (room.archived_at is not None, room.name.lower()))


# Changing the jurisdiction profile --------------------------------------------------------


@dataclass(frozen=True)
class ProfileChange:
    """What choosing another profile changes, said concretely for the couples there are."""

    current: Profile
    chosen: Profile
    couples: int  # the organisation's couples not closed
    changes: list[str]

    @property
    def same(self) -> bool:
        return self.current.id == self.chosen.id


def profile_change(organisation: Organisation, profile: str) -> ProfileChange:
    """What changes for ORGANISATION's existing couples if PROFILE (a known profile id)
    replaces its current one: a sentence for each rule that differs."""
    current, chosen = get_profile(organisation.profile), get_profile(profile)
    couples = Couple.objects.filter(organisation=organisation).exclude(stage=Stage.CLOSED).count()
    return ProfileChange(
        current=current,
        chosen=chosen,
        couples=couples,
        changes=profile_differences(current, chosen),
    )


def _names(values: list[str]) -> str:
    return ", ".join(values)


def profile_differences(current: Profile, chosen: Profile) -> list[str]:
    """Each rule of CURRENT that CHOSEN sets otherwise, as a sentence about the couples."""
    lines: list[str] = []
    lines += _forms_differences(current, chosen)
    lines += _substance_differences(current, chosen)
    lines += _preparation_differences(current, chosen)
    lines += _people_differences(current, chosen)
    return lines


def _forms_differences(current: Profile, chosen: Profile) -> list[str]:
    lines: list[str] = []
    before = {form.code: form.name for form in current.required_forms}
    after = {form.code: form.name for form in chosen.required_forms}
    added = [after[code] for code in after if code not in before]
    dropped = [before[code] for code in before if code not in after]
    if added:
        lines.append(
            _(
                "Each partner must also complete %(forms)s before a medicine session: the "
                "readiness gate of couples already in preparation will ask for it."
            )
            % {"forms": _names(added)}
        )
    if dropped:
        lines.append(
            _("%(forms)s will no longer be required (forms already completed are kept).")
            % {"forms": _names(dropped)}
        )
    signed_before = {form.code for form in current.required_forms if form.signed}
    now_signed = [
        form.name
        for form in chosen.required_forms
        if form.signed and form.code in before and form.code not in signed_before
    ]
    if now_signed:
        lines.append(
            _(
                "%(forms)s must be signed (the partner types their full name), not ticked: a "
                "form ticked before asks for a signature."
            )
            % {"forms": _names(now_signed)}
        )
    old_age = current.minimum_age.years if current.minimum_age else None
    new_age = chosen.minimum_age.years if chosen.minimum_age else None
    if old_age != new_age:
        lines.append(
            _("The minimum age of a partner at intake is %(new)s (was %(old)s).")
            % {"new": new_age or _("none"), "old": old_age or _("none")}
        )
    return lines


def _substance_differences(current: Profile, chosen: Profile) -> list[str]:
    lines: list[str] = []
    gone = [SUBSTANCE_LABELS[s] for s in current.substances if s not in chosen.substances]
    new = [SUBSTANCE_LABELS[s] for s in chosen.substances if s not in current.substances]
    if gone:
        lines.append(
            _("%(substances)s can no longer be planned for new medicine sessions.")
            % {"substances": _names(gone)}
        )
    if new:
        lines.append(_("%(substances)s can be planned.") % {"substances": _names(new)})
    for substance in chosen.substances:
        if substance not in current.substances:
            continue
        label = SUBSTANCE_LABELS[substance]
        old_limit, new_limit = current.dose_limit(substance), chosen.dose_limit(substance)
        for attribute, what in (
            ("per_session_max_mg", _("the most per medicine session")),
            ("per_serving_max_mg", _("the most per serving")),
        ):
            before: float | None = getattr(old_limit, attribute, None)
            after: float | None = getattr(new_limit, attribute, None)
            if before != after:
                lines.append(
                    _("%(substance)s, %(what)s: %(new)s (was %(old)s).")
                    % {
                        "substance": label,
                        "what": what,
                        "new": _mg(after, new_limit),
                        "old": _mg(before, old_limit),
                    }
                )
    return lines


def _days(days: list[int]) -> str:
    if not days:
        return _("none")
    return _("on days %(days)s") % {"days": _names([str(d) for d in days])}


def _mg(value: float | None, limit: DoseLimit | None) -> str:
    if value is None or limit is None:
        return _("no limit")
    return f"{value:g} {limit.unit}"


def _preparation_differences(current: Profile, chosen: Profile) -> list[str]:
    lines: list[str] = []
    old, new = current.preparation, chosen.preparation
    if old.private_sessions_per_partner != new.private_sessions_per_partner:
        lines.append(
            ngettext(
                "Each partner needs %(n)d private preparation session (was %(old)d).",
                "Each partner needs %(n)d private preparation sessions (was %(old)d).",
                new.private_sessions_per_partner,
            )
            % {"n": new.private_sessions_per_partner, "old": old.private_sessions_per_partner}
        )
    if old.joint_sessions != new.joint_sessions:
        lines.append(
            ngettext(
                "Each couple needs %(n)d joint preparation session (was %(old)d).",
                "Each couple needs %(n)d joint preparation sessions (was %(old)d).",
                new.joint_sessions,
            )
            % {"n": new.joint_sessions, "old": old.joint_sessions}
        )
    if old.intention_required != new.intention_required:
        lines.append(
            _("An intention is now required before a medicine session.")
            if new.intention_required
            else _("An intention is no longer required before a medicine session.")
        )
    if (old.min_hours_before, old.max_days_before) != (new.min_hours_before, new.max_days_before):
        lines.append(
            _("The latest private preparation session must fall %(new)s (was %(old)s).")
            % {"new": _window(new), "old": _window(old)}
        )
    return lines


def _window(preparation: Preparation) -> str:
    """When the latest private preparation session must fall before the medicine session."""
    low, high = preparation.min_hours_before, preparation.max_days_before
    if low is None and high is None:
        return _("any time before the medicine session")
    parts = []
    if low is not None:
        parts.append(_("at least %(h)s hours") % {"h": f"{low:g}"})
    if high is not None:
        parts.append(_("at most %(d)s days") % {"d": f"{high:g}"})
    return _("%(window)s before the medicine session") % {"window": _(" and ").join(parts)}


def _people_differences(current: Profile, chosen: Profile) -> list[str]:
    lines: list[str] = []
    if current.facilitators.licence_label != chosen.facilitators.licence_label or (
        current.facilitators.licence_jurisdiction != chosen.facilitators.licence_jurisdiction
    ):
        lines.append(
            _(
                "A facilitator needs a verified %(licence)s%(where)s to be present at a "
                "medicine session."
            )
            % {
                "licence": chosen.facilitators.licence_label,
                "where": f" ({chosen.facilitators.licence_jurisdiction})"
                if chosen.facilitators.licence_jurisdiction
                else "",
            }
        )
    old_days = current.integration.follow_up_contact_days if current.integration else []
    new_days = chosen.integration.follow_up_contact_days if chosen.integration else []
    if old_days != new_days:
        lines.append(
            _("Follow-up contacts after a session: %(new)s (were %(old)s).")
            % {"new": _days(new_days), "old": _days(old_days)}
        )
    if current.retention.years != chosen.retention.years:
        lines.append(
            _("Records are kept for %(new)d years (were %(old)d).")
            % {"new": chosen.retention.years, "old": current.retention.years}
        )
    if current.time_zone.name != chosen.time_zone.name:
        lines.append(
            _(
                "The profile suggests the time zone %(zone)s; the organisation's own time zone "
                "stays as it is until you change it."
            )
            % {"zone": chosen.time_zone.name}
        )
    return lines


def invitation_expired(invitation: Invitation, now: datetime | None = None) -> bool:
    return invitation.expires_at <= (now or timezone.now())
