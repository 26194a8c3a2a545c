from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from holdspace.policy.accounts import manages_an_organisation
from holdspace.policy.core import viewer_from_request


def holdspace(request: HttpRequest) -> dict[str, Any]:
    def manages_organisation() -> bool:
        """Whether to link the organisation settings (reuses the request's viewer)."""
        if not request.user.is_authenticated:
            return False
        return manages_an_organisation(viewer_from_request(request))

    return {"DEMO_MODE": settings.DEMO_MODE, "manages_organisation": manages_organisation}
