"""People, memberships, invitations and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from holdspace.accounts.models import (
    API_TOKEN_USE_PRECISION,
    STAFF_ROLES,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    Role,
    Room,
    User,
    validate_time_zone,
)
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record, audit_subject
from holdspace.couples.models import Couple
from holdspace.couples.services import partner_add
from holdspace.policy.accounts import (
    get_invitation_for_link,
    invites_to_a_couple,
    require_invitation_create,
    require_invitation_manage,
    require_organisation_profile_change,
    require_organisation_time_zone_change,
    require_organisation_update,
)
from holdspace.policy.core import Viewer
from holdspace.policy.team import leaves_no_org_admin, require_member_manage, require_room_change
from holdspace.screening.profiles import ProfileError, all_profiles, get_profile

# The longest name a person goes by (User.display_name).
MAX_DISPLAY_NAME = 120


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_create(*, email: str, display_name: str, password: str | None) -> User:
    """A person with a verified address (they proved it through an invitation or an admin)."""
    email = email.strip().lower()
    user = User.objects.create_user(email=email, password=password, display_name=display_name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def membership_ensure(*, organisation: Organisation, user: User, role: str) -> Membership:
    """USER's membership of ORGANISATION with ROLE: one role per person per organisation."""
    membership, _created = Membership.objects.get_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    if not _created and _holds_another_role(organisation, role, user=user):
        raise ValidationError({"email": _another_role()})
    return membership


def _holds_another_role(organisation: Organisation, role: str, **person: object) -> bool:
    """Whether the PERSON (`user=` or `user__email=`) already has a role other than ROLE in
    ORGANISATION: one role per person per organisation."""
    members = Membership.objects.filter(organisation=organisation, **person)
    return members.exclude(role=role).exists()


def _another_role() -> str:
    return _("This person already has another role in this organisation.")


# Invitations --------------------------------------------------------------------------


def invitation_create(
    *,
    viewer: Viewer,
    organisation: Organisation,
    email: str,
    display_name: str,
    couple: Couple | None = None,
    role: str = Role.PARTNER,
) -> tuple[Invitation, str]:
    """Invite someone by e-mail; returns the invitation and its one-time link. Staff are
    invited by org admins alone (`staff_invite` adds the Team's own checks)."""
    require_invitation_create(viewer, organisation, role, couple)
    email, display_name, role = _invitation_checked(organisation, email, display_name, role, couple)
    with transaction.atomic():
        invitation, link = _invitation_issue(
            organisation=organisation,
            email=email,
            display_name=display_name,
            role=role,
            couple=couple,
            invited_by=viewer.user,
        )
        viewer.audit(Action.INVITATION_CREATE, invitation, role=role)
    return invitation, link


def _invitation_checked(
    organisation: Organisation, email: str, display_name: str, role: str, couple: Couple | None
) -> tuple[str, str, Role]:
    """EMAIL, DISPLAY_NAME and ROLE of a new invitation, cleaned; a ValidationError naming each
    field that is wrong."""
    errors: dict[str, str] = {}
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Enter an e-mail address such as name@example.org.")
    display_name = display_name.strip()
    if not display_name:
        errors["display_name"] = _("Enter the name this person goes by.")
    elif len(display_name) > MAX_DISPLAY_NAME:
        errors["display_name"] = _("Keep the name to %(n)d characters.") % {"n": MAX_DISPLAY_NAME}
    chosen = Role.PARTNER
    try:
        chosen = Role(role)
    except ValueError:
        errors["role"] = _("Choose a role from the list.")
    if invites_to_a_couple(chosen) and (
        couple is None or couple.organisation_id != organisation.pk
    ):
        errors["couple"] = _("A partner is invited to a couple of this organisation.")
    if couple is not None and couple.partners.count() >= 2:
        errors["couple"] = _("This couple already has two partners.")
    if "email" not in errors and _holds_another_role(organisation, chosen, user__email=email):
        errors["email"] = _another_role()
    if errors:
        raise ValidationError(errors)
    return email, display_name, chosen


def _invitation_issue(
    *,
    organisation: Organisation,
    email: str,
    display_name: str,
    role: Role,
    couple: Couple | None,
    invited_by: User | None,
) -> tuple[Invitation, str]:
    """Store a new invitation and e-mail its link once the caller's transaction commits."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        display_name=display_name,
        role=role,
        couple=couple,
        digest=token_digest(raw),
        invited_by=invited_by,
        created_at=now,
        sent_at=now,
        expires_at=now + timedelta(hours=settings.INVITATION_VALID_HOURS),
    )
    return invitation, _invitation_send(invitation, raw)


def _invitation_send(invitation: Invitation, raw: str) -> str:
    """E-mail INVITATION's link (made of RAW) once the transaction commits; returns the link."""
    link = settings.SITE_URL + reverse("invitation_accept", args=[raw])
    context = {"invitation": invitation, "link": link, "hours": settings.INVITATION_VALID_HOURS}
    organisation = invitation.organisation
    transaction.on_commit(
        lambda: send_mail(
            subject=_("You are invited to Holdspace by %(org)s") % {"org": organisation.name},
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    )
    return link


def _pending_invitation(invitation_id: int) -> Invitation:
    """INVITATION_ID's row, locked; a ValidationError when it was accepted or revoked."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "couple")
        .get(pk=invitation_id)
    )
    if invitation.accepted_at is not None:
        raise ValidationError({"invitation": _("This invitation was already accepted.")})
    if invitation.revoked_at is not None:
        raise ValidationError({"invitation": _("This invitation was revoked.")})
    return invitation


def invitation_resend(
    *, viewer: Viewer, invitation: Invitation, email: str | None = None
) -> tuple[Invitation, str]:
    """Send a pending INVITATION again with a new link and a new expiry; the old link stops
    working. EMAIL, when given, corrects the address first (a partner's or staff member's
    address can change until they accept). Returns the invitation and its new link."""
    require_invitation_manage(viewer, invitation)
    new_email = None
    if email is not None:
        new_email = email.strip().lower()
        try:
            validate_email(new_email)
        except ValidationError:
            raise ValidationError(
                {"email": _("Enter an e-mail address such as name@example.org.")}
            ) from None
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = _pending_invitation(invitation.pk)
        changes: dict[str, str] = {}
        if new_email is not None and new_email != invitation.email:
            if _holds_another_role(invitation.organisation, invitation.role, user__email=new_email):
                raise ValidationError({"email": _another_role()})
            changes = {"from": invitation.email, "to": new_email}
            invitation.email = new_email
        invitation.digest = token_digest(raw)
        invitation.sent_at = now
        invitation.expires_at = now + timedelta(hours=settings.INVITATION_VALID_HOURS)
        invitation.save(update_fields=["email", "digest", "sent_at", "expires_at"])
        viewer.audit(
            Action.INVITATION_RESEND, invitation, detail={"email": changes} if changes else None
        )
        link = _invitation_send(invitation, raw)
    return invitation, link


def invitation_revoke(*, viewer: Viewer, invitation: Invitation) -> Invitation:
    """Revoke a pending INVITATION: its link no longer works."""
    require_invitation_manage(viewer, invitation)
    with transaction.atomic():
        invitation = _pending_invitation(invitation.pk)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        viewer.audit(Action.INVITATION_REVOKE, invitation)
    return invitation


def invitation_lookup(raw: str) -> Invitation:
    """The usable invitation behind a link, or a 404 (used, expired, revoked or unknown)."""
    return get_invitation_for_link(token_digest(raw))


def invitation_accept(*, raw: str, password: str, ip: str | None) -> User:
    """Use an invitation once: create or join the account, seat the partner, and close it."""
    with transaction.atomic():
        # Locked, so that two clicks on the same link cannot both succeed.
        invitation = get_invitation_for_link(token_digest(raw), lock=True)
        user = User.objects.filter(email=invitation.email).first()
        if user is None:
            candidate = User(email=invitation.email, display_name=invitation.display_name)
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
            user = user_create(
                email=invitation.email, display_name=invitation.display_name, password=password
            )
        elif not user.check_password(password):
            raise ValidationError(
                {"password": _("You already have an account: enter its password to join.")}
            )
        membership_ensure(organisation=invitation.organisation, user=user, role=invitation.role)
        if invitation.couple is not None:
            partner_add(
                couple=invitation.couple,
                user_id=user.pk,
                actor_id=user.pk,
                actor_label=user.email,
                ip=ip,
            )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        Viewer(user=user, ip=ip).audit(Action.INVITATION_ACCEPT, invitation)
    return user


# API tokens ---------------------------------------------------------------------------


def api_token_create(*, user: User, ip: str | None = None) -> str:
    raw = "hs_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, digest=token_digest(raw), prefix=raw[:8])
        Viewer(user=user, ip=ip).audit(Action.API_TOKEN_CREATE, token)
    return raw


def api_token_user(raw: str) -> User | None:
    """The person whose live token RAW is, noting the token's use; None for any other text."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    stale = now - API_TOKEN_USE_PRECISION
    if token.last_used_at is None or token.last_used_at <= stale:
        # Conditional, so that concurrent requests write it once.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk
        ).update(last_used_at=now)
    return token.user


def organisation_profile_set(*, viewer: Viewer, organisation: Organisation, profile: str) -> None:
    """The org admin (or clinical lead) chooses the jurisdiction profile whose rules apply."""
    require_organisation_profile_change(viewer, organisation)
    try:
        chosen = get_profile(profile)
    except ProfileError as exc:
        raise ValidationError({"profile": [str(exc)]}) from None
    with transaction.atomic():
        previous = organisation.profile
        Organisation.objects.filter(pk=organisation.pk).update(profile=chosen.id)
        organisation.profile = chosen.id
        viewer.audit(
            Action.ORGANISATION_PROFILE,
            organisation,
            detail={"from": previous, "to": f"{chosen.id}@{chosen.version}"},
        )


def organisation_time_zone_set(
    *, viewer: Viewer, organisation: Organisation, time_zone: str
) -> None:
    """The org admin sets the zone every time of the organisation is shown and typed in."""
    require_organisation_time_zone_change(viewer, organisation)
    time_zone = time_zone.strip()
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        raise ValidationError({"time_zone": exc.messages}) from None
    with transaction.atomic():
        previous = organisation.time_zone
        Organisation.objects.filter(pk=organisation.pk).update(time_zone=time_zone)
        organisation.time_zone = time_zone
        viewer.audit(
            Action.ORGANISATION_TIME_ZONE, organisation, detail={"from": previous, "to": time_zone}
        )


# Setting up an organisation from the command line ----------------------------------------

# Who the audit trail names for what `holdspace create-organisation` and `holdspace
# invite-staff` do: no person is signed in there.
COMMAND_LINE = "command line"
MAX_ORGANISATION_NAME = 200
MAX_PHONE = 40
MAX_ADDRESS = 1000
_PHONE = re.compile(r"^[0-9+()./ \-]*$")


class AlreadyTaken(ValidationError):  # noqa: N818 (a refusal, read as "the name is already taken")
    """A name or a person the organisation already has: the web shows it beside the field,
    the API answers 409."""


def _command_line_audit(action: Action, subject: Invitation | Organisation, **detail: Any) -> None:
    where = audit_subject(subject)
    audit_record(
        action=action,
        organisation_id=where.organisation_id,
        actor_label=COMMAND_LINE,
        object_type=where.object_type,
        object_id=where.object_id,
        couple_id=where.couple_id,
        detail=detail or None,
    )


def _organisation_name_checked(name: str, *, other_than: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the organisation a name.")})
    if len(name) > MAX_ORGANISATION_NAME:
        raise ValidationError(
            {"name": _("Keep the name to %(n)d characters.") % {"n": MAX_ORGANISATION_NAME}}
        )
    others = Organisation.objects.filter(name__iexact=name)
    if other_than is not None:
        others = others.exclude(pk=other_than)
    taken = others.first()
    if taken is not None:
        raise AlreadyTaken(
            {"name": _("An organisation named %(name)s already exists.") % {"name": taken.name}}
        )
    return name


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def organisation_create(
    *, name: str, profile: str, time_zone: str, admin_email: str, admin_name: str = ""
) -> tuple[Organisation, Invitation, str]:
    """A new organisation (from the command line) with a single-use invitation for its first
    org admin; returns both and the invitation's link. Nothing is created unless all is right:
    a ValidationError names each field that is not (AlreadyTaken for a name in use)."""
    errors: dict[str, list[str]] = {}
    try:
        name = _organisation_name_checked(name)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        chosen = get_profile(profile.strip())
    except ProfileError:
        known = ", ".join(all_profiles())
        errors["profile"] = [
            _("No jurisdiction profile named %(name)r; the known ones are %(known)s.")
            % {"name": profile, "known": known}
        ]
    time_zone = time_zone.strip()
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        errors["time_zone"] = [f"{time_zone!r}: {exc.messages[0]}"]
    try:
        validate_email(admin_email.strip())
    except ValidationError:
        errors["admin_email"] = [
            _("%(email)r is not an e-mail address such as name@example.org.")
            % {"email": admin_email}
        ]
    if errors:
        raise AlreadyTaken(errors) if set(errors) == {"name"} else ValidationError(errors)
    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name, slug=_unique_slug(name), profile=chosen.id, time_zone=time_zone
        )
        _command_line_audit(
            Action.ORGANISATION_CREATE,
            organisation,
            profile=f"{chosen.id}@{chosen.version}",
            time_zone=time_zone,
        )
        invitation, link = _staff_invitation_from_command_line(
            organisation=organisation,
            email=admin_email,
            role=Role.ORG_ADMIN,
            display_name=admin_name,
        )
    return organisation, invitation, link


def staff_invite_from_command_line(
    *, organisation: Organisation, email: str, role: str, display_name: str = ""
) -> tuple[Invitation, str]:
    """`holdspace invite-staff`: invite a member of staff with ROLE, the command line as actor."""
    with transaction.atomic():
        return _staff_invitation_from_command_line(
            organisation=organisation, email=email, role=role, display_name=display_name
        )


def _staff_invitation_from_command_line(
    *, organisation: Organisation, email: str, role: str, display_name: str
) -> tuple[Invitation, str]:
    email, display_name, chosen = _staff_invitation_checked(organisation, email, role, display_name)
    invitation, link = _invitation_issue(
        organisation=organisation,
        email=email,
        display_name=display_name,
        role=chosen,
        couple=None,
        invited_by=None,
    )
    _command_line_audit(Action.INVITATION_CREATE, invitation, role=chosen)
    return invitation, link


# The team ---------------------------------------------------------------------------------


def _staff_invitation_checked(
    organisation: Organisation, email: str, role: str, display_name: str
) -> tuple[str, str, Role]:
    """A staff invitation's fields, cleaned (a missing name becomes the address's local part);
    ValidationError for a bad field or role, AlreadyTaken for a person already in the
    organisation (active or deactivated) or already invited and not yet answering."""
    if role not in STAFF_ROLES:
        raise ValidationError(
            {
                "role": _("Choose one of the staff roles: %(roles)s.")
                % {"roles": ", ".join(sorted(str(r) for r in STAFF_ROLES))}
            }
        )
    email = email.strip().lower()
    display_name = display_name.strip() or email.split("@")[0]
    _staff_conflicts(organisation, email)
    return _invitation_checked(organisation, email, display_name, role, None)


def _staff_conflicts(organisation: Organisation, email: str) -> None:
    """AlreadyTaken when EMAIL is a member of ORGANISATION, active or not, or was invited there
    and has not answered yet."""
    member = (
        Membership.objects.filter(organisation=organisation, user__email=email)
        .select_related("user")
        .first()
    )
    if member is not None:
        message = (
            _("%(email)s is already a member of this organisation.")
            if member.deactivated_at is None
            else _("%(email)s is a deactivated member of this organisation: reactivate them.")
        )
        raise AlreadyTaken({"email": message % {"email": email}})
    pending = Invitation.objects.filter(
        organisation=organisation,
        email=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise AlreadyTaken(
            {
                "email": _(
                    "%(email)s was already invited and has not accepted yet: resend or revoke "
                    "that invitation."
                )
                % {"email": email}
            }
        )


def staff_invite(
    *, viewer: Viewer, organisation: Organisation, email: str, role: str, display_name: str = ""
) -> tuple[Invitation, str]:
    """An org admin invites a member of staff with ROLE (org admin, clinical lead, facilitator or
    researcher); returns the invitation and its one-time link, e-mailed on commit."""
    # Whatever ROLE says, this is a staff invitation: the policy's rule for staff applies.
    require_invitation_create(viewer, organisation, Role.FACILITATOR)
    email, display_name, chosen = _staff_invitation_checked(organisation, email, role, display_name)
    with transaction.atomic():
        invitation, link = _invitation_issue(
            organisation=organisation,
            email=email,
            display_name=display_name,
            role=chosen,
            couple=None,
            invited_by=viewer.user,
        )
        viewer.audit(Action.INVITATION_CREATE, invitation, role=chosen)
    return invitation, link


def _member_locked(membership: Membership) -> Membership:
    """MEMBERSHIP's row locked, with its organisation's org admins locked first, so that two
    admins deactivating each other at once cannot leave the organisation with none."""
    list(
        Membership.objects.select_for_update()
        .filter(organisation_id=membership.organisation_id, role=Role.ORG_ADMIN)
        .values_list("pk", flat=True)
    )
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organisation")
        .get(pk=membership.pk)
    )


def member_deactivate(*, viewer: Viewer, membership: Membership) -> Membership:
    """An org admin deactivates a member of staff: signed out at once (ViewerMiddleware), no
    longer acting in the organisation, their records and authorship kept. Not oneself, and never
    the last active org admin. Deactivating a deactivated member changes nothing."""
    require_member_manage(viewer, membership)
    if membership.user_id == viewer.user.pk:
        raise ValidationError(
            {"member": _("You cannot deactivate yourself: another org admin can.")}
        )
    with transaction.atomic():
        membership = _member_locked(membership)
        if membership.deactivated_at is not None:
            return membership
        if leaves_no_org_admin(membership):
            raise ValidationError(
                {
                    "member": _(
                        "%(name)s is the last active org admin: invite or reactivate another first."
                    )
                    % {"name": membership.user}
                }
            )
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["deactivated_at"])
        viewer.audit(
            Action.MEMBER_DEACTIVATE, membership, user=membership.user_id, role=membership.role
        )
    return membership


def member_reactivate(*, viewer: Viewer, membership: Membership) -> Membership:
    """An org admin reactivates a deactivated member: their role applies again."""
    require_member_manage(viewer, membership)
    with transaction.atomic():
        membership = _member_locked(membership)
        if membership.deactivated_at is None:
            return membership
        membership.deactivated_at = None
        membership.save(update_fields=["deactivated_at"])
        viewer.audit(
            Action.MEMBER_REACTIVATE, membership, user=membership.user_id, role=membership.role
        )
    return membership


# The organisation's details and rooms ----------------------------------------------------


def organisation_update(
    *, viewer: Viewer, organisation: Organisation, name: str, address: str, phone: str
) -> Organisation:
    """The org admin changes the organisation's name, address and phone. A ValidationError
    names each field that is wrong; nothing is saved unless all are right."""
    require_organisation_update(viewer, organisation)
    errors: dict[str, list[str]] = {}
    try:
        name = _organisation_name_checked(name, other_than=organisation.pk)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    address = "\n".join(line.strip() for line in address.strip().splitlines())
    if len(address) > MAX_ADDRESS:
        errors["address"] = [_("Keep the address to %(n)d characters.") % {"n": MAX_ADDRESS}]
    phone = " ".join(phone.split())
    if len(phone) > MAX_PHONE:
        errors["phone"] = [_("Keep the phone number to %(n)d characters.") % {"n": MAX_PHONE}]
    elif not _PHONE.match(phone) or (phone and not any(c.isdigit() for c in phone)):
        errors["phone"] = [_("Enter a phone number with digits, such as +1 503 555 0100.")]
    if errors:
        raise ValidationError(errors)
    new = {"name": name, "address": address, "phone": phone}
    changed = [key for key, value in new.items() if getattr(organisation, key) != value]
    if not changed:
        return organisation
    with transaction.atomic():
        Organisation.objects.filter(pk=organisation.pk).update(**new)
        for key, value in new.items():
            setattr(organisation, key, value)
        viewer.audit(Action.ORGANISATION_UPDATE, organisation, changed=changed)
    return organisation


MAX_ROOM_NAME = 120
MAX_ROOM_NOTES = 300


def _room_fields(
    organisation: Organisation, name: str, notes: str, room_id: int | None
) -> tuple[str, str]:
    name = " ".join(name.split())
    notes = " ".join(notes.split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the room a name.")]
    elif len(name) > MAX_ROOM_NAME:
        errors["name"] = [_("Keep the room's name to %(n)d characters.") % {"n": MAX_ROOM_NAME}]
    if len(notes) > MAX_ROOM_NOTES:
        errors["notes"] = [_("Keep the notes to %(n)d characters.") % {"n": MAX_ROOM_NOTES}]
    if errors:
        raise ValidationError(errors)
    taken = Room.objects.filter(organisation=organisation, name__iexact=name)
    if room_id is not None:
        taken = taken.exclude(pk=room_id)
    if taken.exists():
        raise _room_taken(name)
    return name, notes


def _room_taken(name: str) -> AlreadyTaken:
    return AlreadyTaken(
        {
            "name": _(
                "This organisation already has a room named %(name)s (an archived one can be "
                "restored)."
            )
            % {"name": name}
        }
    )


def room_create(*, viewer: Viewer, organisation: Organisation, name: str, notes: str = "") -> Room:
    """The org admin adds a room where sessions are held; its name is the organisation's once
    (AlreadyTaken, whatever the case, archived rooms included)."""
    require_room_change(viewer, organisation)
    name, notes = _room_fields(organisation, name, notes, None)
    try:
        with transaction.atomic():
            room = Room.objects.create(organisation=organisation, name=name, notes=notes)
            viewer.audit(Action.ROOM_CREATE, room, name=name)
    except IntegrityError:  # the same name added at the same moment
        raise _room_taken(name) from None
    return room


def room_update(
    *, viewer: Viewer, room: Room, name: str | None = None, notes: str | None = None
) -> Room:
    """The org admin renames a room or changes its notes; past bookings follow the room."""
    organisation = room.organisation
    require_room_change(viewer, organisation)
    new_name, new_notes = _room_fields(
        organisation,
        room.name if name is None else name,
        room.notes if notes is None else notes,
        room.pk,
    )
    changes: dict[str, object] = {}
    if new_name != room.name:
        changes["name"] = {"from": room.name, "to": new_name}
    if new_notes != room.notes:
        changes["notes"] = "changed"
    if not changes:
        return room
    try:
        with transaction.atomic():
            Room.objects.filter(pk=room.pk).update(name=new_name, notes=new_notes)
            room.name, room.notes = new_name, new_notes
            viewer.audit(Action.ROOM_UPDATE, room, detail=changes)
    except IntegrityError:
        raise _room_taken(new_name) from None
    return room


def room_archive(*, viewer: Viewer, room: Room) -> Room:
    """The org admin archives a room no longer used: no longer offered for new bookings; past
    bookings keep naming it. Archiving an archived room changes nothing."""
    require_room_change(viewer, room.organisation)
    if room.archived_at is not None:
        return room
    with transaction.atomic():
        room.archived_at = timezone.now()
        Room.objects.filter(pk=room.pk).update(archived_at=room.archived_at)
        viewer.audit(Action.ROOM_ARCHIVE, room)
    return room


def room_restore(*, viewer: Viewer, room: Room) -> Room:
    """The org admin offers an archived room for bookings again."""
    require_room_change(viewer, room.organisation)
    if room.archived_at is None:
        return room
    with transaction.atomic():
        room.archived_at = None
        Room.objects.filter(pk=room.pk).update(archived_at=None)
        viewer.audit(Action.ROOM_RESTORE, room)
    return room
