"""The staff's console: one organisation's couples (couples), with what needs attention there:
open safety alerts and overdue questionnaires (measures), screenings awaiting a clinical lead
(screening), and sessions whose facilitators' credentials lapse before the day
(facilitators). Which organisation, and what the viewer's role shows, the policy decides
(`get_console_for`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from holdspace.couples.models import Stage
from holdspace.couples.selectors import CoupleSummary, couple_list
from holdspace.facilitators.selectors import sessions_at_risk
from holdspace.measures.models import SafetyAlert
from holdspace.measures.selectors import open_alerts, overdue_by_couple
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.couples import Console, get_console_for
from holdspace.screening.models import Screening
from holdspace.screening.selectors import screenings_awaiting_decision

SEARCH_LENGTH = 100


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@dataclass(frozen=True)
class ConsolePage:
    """The console of one organisation. ROWS_ONLY: the couples' rows alone (a search or a page
    of rows asked for by htmx), without what needs attention."""

    console: Console
    page: Page[CoupleSummary]
    search: str
    alerts: list[SafetyAlert]
    awaiting: list[Screening]
    overdue: dict[int, int]
    at_risk: list[tuple[Any, list[str]]]
    rows_only: bool

    @property
    def template(self) -> str:
        return "couples/_couple_rows.html" if self.rows_only else "couples/console.html"

    def context(self) -> dict[str, object]:
        console = self.console
        return {
            "organisation": console.organisation,
            "organisations": console.organisations,
            "role": console.role,
            "can_add_couple": console.adds_couples,
            "page": self.page,
            "search": self.search,
            "stages": Stage,
            "alerts": self.alerts,
            "awaiting": self.awaiting,
            "overdue": self.overdue,
            "at_risk": self.at_risk,
        }


def console_page(
    *, viewer: Viewer, console: Console, search: str, page_number: int, rows_only: bool
) -> ConsolePage:
    organisation = console.organisation
    page = couple_list(
        viewer=viewer, organisation_id=organisation.pk, search=search, page=page_number
    )
    attention = not rows_only
    return ConsolePage(
        console=console,
        page=page,
        search=search,
        alerts=open_alerts(viewer=viewer, organisation_id=organisation.pk) if attention else [],
        # Screenings that need a clinical lead's decision (none for roles without screenings).
        awaiting=screenings_awaiting_decision(viewer=viewer, organisation_id=organisation.pk)
        if attention
        else [],
        overdue=overdue_by_couple(
            viewer=viewer, organisation=organisation, couple_ids=[c.id for c in page]
        ),
        at_risk=sessions_at_risk(organisation, care_team_of=console.care_team_of)
        if attention and console.sees_sessions_at_risk
        else [],
        rows_only=rows_only,
    )


def _page_number(raw: str) -> int:
    try:
        return max(1, int(raw))
    except ValueError:
        return 1


@login_required
@require_GET
def console(request: HtmxHttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    built = console_page(
        viewer=viewer,
        console=get_console_for(viewer, request),
        search=request.GET.get("q", "")[:SEARCH_LENGTH],
        page_number=_page_number(request.GET.get("page", "1")),
        rows_only=bool(request.htmx),
    )
    return render(request, built.template, built.context())
