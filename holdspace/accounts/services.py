"""People, memberships, invitations and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import (
    API_TOKEN_USE_PRECISION,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    validate_time_zone,
)
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple
from holdspace.couples.services import partner_add
from holdspace.policy.accounts import (
    get_invitation_for_link,
    invites_to_a_couple,
    require_invitation_create,
    require_invitation_manage,
    require_organisation_profile_change,
    require_organisation_time_zone_change,
)
from holdspace.policy.core import Viewer
from holdspace.screening.profiles import ProfileError, get_profile


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
    """Invite someone by e-mail; returns the invitation and its one-time link."""
    require_invitation_create(viewer, organisation, couple)
    errors: dict[str, str] = {}
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Enter an e-mail address such as name@example.org.")
    display_name = display_name.strip()
    if not display_name:
        errors["display_name"] = _("Enter the name this person goes by.")
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = _("Choose a role from the list.")
    if invites_to_a_couple(role) and (couple is None or couple.organisation_id != organisation.pk):
        errors["couple"] = _("A partner is invited to a couple of this organisation.")
    if couple is not None and couple.partners.count() >= 2:
        errors["couple"] = _("This couple already has two partners.")
    if _holds_another_role(organisation, role, user__email=email):
        errors["email"] = _another_role()
    if errors:
        raise ValidationError(errors)

    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            display_name=display_name,
            role=role,
            couple=couple,
            digest=token_digest(raw),
            invited_by=viewer.user,
            created_at=now,
            sent_at=now,
            expires_at=now + timedelta(hours=settings.INVITATION_VALID_HOURS),
        )
        viewer.audit(Action.INVITATION_CREATE, invitation, role=role)
        link = _invitation_send(invitation, raw)
    return invitation, link


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
