"""How django-axes names the account a sign-in attempt is for."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def attempted_account(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail address tried, lower-cased, so that "Alex@" and "alex@" count together.

    allauth authenticates with `email=…`, the login form posts `login=…`; axes looks for
    one field name only, so without this every attempt would count against no account
    and lock out everyone behind the same address.
    """
    for source in (credentials or {}, request.POST):
        for key in ("email", "login", "username"):
            value = source.get(key)
            if value:
                return str(value).strip().lower()
    return None
