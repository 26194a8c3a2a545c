from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def holdspace(request: HttpRequest) -> dict[str, Any]:
    def manages_organisation() -> bool:
        """Whether to link the organisation settings (reuses the request's viewer)."""
        from holdspace.accounts.models import Role
        from holdspace.policy import viewer_from_request

        if not request.user.is_authenticated:
            return False
        return bool(viewer_from_request(request).orgs_with({Role.ORG_ADMIN, Role.CLINICAL_LEAD}))

    return {"DEMO_MODE": settings.DEMO_MODE, "manages_organisation": manages_organisation}
