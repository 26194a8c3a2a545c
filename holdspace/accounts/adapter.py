from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from holdspace.accounts.middleware import user_has_totp


class AccountAdapter(DefaultAccountAdapter):
    """People join by invitation only; there is no public sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Setting up a first authenticator right after signing in needs no second password.

        Staff are sent to TOTP set-up straight after signing in; asking for the password
        again there adds nothing. Changing or removing an existing factor still asks.
        """
        user = getattr(self.request, "user", None)
        if app == "allauth.mfa" and user is not None and user.is_authenticated:
            if not user_has_totp(user):
                return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))
