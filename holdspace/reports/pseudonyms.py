"""Stable pseudonyms for de-identified exports: the same person or record always gets the same
one, nobody can reverse it without the key, and organisations never share one."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def pseudonym(kind: str, organisation_id: int, record_id: int) -> str:
    message = f"{kind}:{organisation_id}:{record_id}".encode()
    digest = hmac.new(settings.PSEUDONYM_KEY.encode(), message, hashlib.sha256).hexdigest()
    return f"{kind[0]}-{digest[:16]}"
