from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.middleware import deactivated_message, user_has_totp
from holdspace.policy.accounts import mfa_required
from holdspace.policy.core import viewer_for
from holdspace.policy.team import is_deactivated_everywhere


class AccountAdapter(DefaultAccountAdapter):
    """People join by invitation only; there is no public sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        """The right password of someone deactivated in every organisation they belong to is
        refused with the reason (a wrong password learns nothing)."""
        user: AbstractBaseUser | None = super().authenticate(request, **credentials)
        if user is not None and is_deactivated_everywhere(user):
            raise forms.ValidationError(deactivated_message())
        return user

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Setting up a first authenticator right after signing in needs no second password.

        Staff are sent to TOTP set-up straight after signing in; asking for the password
        again there adds nothing. Changing or removing an existing factor still asks.
        """
        user = getattr(self.request, "user", None)
        if app == "allauth.mfa" and user is not None and user.is_authenticated:
            if not user_has_totp(user) or _set_up_just_now(user):
                return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))


def _set_up_just_now(user: Any) -> bool:
    """Whether USER's authenticator app was set up in the last few minutes: the recovery codes
    shown straight after are part of the same set-up, not a change to ask a password for."""
    since = timezone.now() - SET_UP_MINUTES
    return bool(
        Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP, created_at__gte=since
        ).exists()
    )


SET_UP_MINUTES = timedelta(minutes=5)


class MFAAdapter(DefaultMFAAdapter):
    """Staff keep the authenticator app they sign in with (`policy.accounts.mfa_required`)."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Staff accounts keep two-factor authentication on, so it cannot be turned off here."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP:
            return not mfa_required(viewer_for(authenticator.user))
        return bool(super().can_delete_authenticator(authenticator))
