from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from holdspace.demo.accounts import demo_accounts
from holdspace.demo.people import DEMO_PASSWORD
from holdspace.policy.accounts import landing_for, manages_an_organisation
from holdspace.policy.core import viewer_from_request
from holdspace.policy.team import manages_a_team


def holdspace(request: HttpRequest) -> dict[str, Any]:
    def manages_organisation() -> bool:
        """Whether to link the organisation settings (reuses the request's viewer)."""
        if not request.user.is_authenticated:
            return False
        return manages_an_organisation(viewer_from_request(request))

    def manages_team() -> bool:
        """Whether to link the Team page (org admins)."""
        if not request.user.is_authenticated:
            return False
        return manages_a_team(viewer_from_request(request))

    def works_today() -> bool:
        """Whether to link Today and the couples list (staff who do the daily work)."""
        if not request.user.is_authenticated:
            return False
        return landing_for(viewer_from_request(request)) == "today"

    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "works_today": works_today,
        "manages_organisation": manages_organisation,
        "manages_team": manages_team,
        # Only in demo mode: the sign-in page lists them (nowhere else asks).
        "demo_accounts": demo_accounts if settings.DEMO_MODE else (),
        "DEMO_PASSWORD": DEMO_PASSWORD if settings.DEMO_MODE else "",
    }
