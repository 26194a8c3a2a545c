"""Sign-ins, sign-outs, failures and lock-outs go to the audit trail."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record
from holdspace.policy.core import client_ip


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(
        action=Action.AUTH_LOGIN,
        organisation_id=None,
        actor_id=user.pk,
        actor_label=user.email,
        object_type="user",
        object_id=user.pk,
        ip=_ip(request),
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    audit_record(
        action=Action.AUTH_LOGOUT,
        organisation_id=None,
        actor_id=user.pk,
        actor_label=user.email,
        object_type="user",
        object_id=user.pk,
        ip=_ip(request),
    )


def _attempted_login(credentials: dict[str, Any]) -> str:
    for key in ("email", "login", "username"):
        if credentials.get(key):
            return str(credentials[key])[:254]
    return ""


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_record(
        action=Action.AUTH_LOGIN_FAILED,
        organisation_id=None,
        actor_label=_attempted_login(credentials),
        ip=_ip(request),
    )


@receiver(user_locked_out)
def _locked_out(
    sender: Any,
    request: HttpRequest | None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    audit_record(
        action=Action.AUTH_LOCKED_OUT,
        organisation_id=None,
        actor_label=(username or "")[:254],
        ip=ip_address or _ip(request),
    )
