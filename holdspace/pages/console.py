"""The staff's console: one organisation's couples (couples), with what needs attention there:
open safety alerts and overdue questionnaires (measures), screenings awaiting a clinical lead
(screening), and sessions whose facilitators' credentials lapse before the day
(facilitators). Which organisation, and what the viewer's role shows, the policy decides
(`get_console_for`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from holdspace.couples.models import Stage
from holdspace.couples.selectors import (
    CoupleFilters,
    CoupleSummary,
    care_team_candidates,
    couple_list,
    visible_couple_ids,
)
from holdspace.facilitators.selectors import sessions_at_risk
from holdspace.measures.models import SafetyAlert
from holdspace.measures.selectors import couples_with_open_alerts, open_alerts, overdue_by_couple
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.couples import Console, get_console_for
from holdspace.screening.models import Screening
from holdspace.screening.selectors import screenings_awaiting_decision

SEARCH_LENGTH = 100


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@dataclass(frozen=True)
class ListFilters:
    """What the couples list is narrowed to, as the address says (`?q=&stage=&facilitator=
    &alerts=1&overdue=1`), so a reload or a shared link keeps it; unknown values are left out."""

    search: str = ""
    stage: str = ""
    facilitator_id: int | None = None
    alerts: bool = False
    overdue: bool = False

    @classmethod
    def from_query(cls, query: QueryDict) -> ListFilters:
        stage = query.get("stage", "")
        facilitator = query.get("facilitator", "")
        return cls(
            search=query.get("q", "")[:SEARCH_LENGTH],
            stage=stage if stage in Stage.values else "",
            facilitator_id=int(facilitator) if facilitator.isdigit() else None,
            alerts=query.get("alerts") == "1",
            overdue=query.get("overdue") == "1",
        )

    @property
    def narrowed(self) -> bool:
        """Whether anything but the search narrows the list."""
        return bool(self.stage or self.facilitator_id is not None or self.alerts or self.overdue)

    def query_string(self) -> str:
        """The filters as the pager's links carry them (without the page)."""
        pairs = {
            "q": self.search,
            "stage": self.stage,
            "facilitator": str(self.facilitator_id) if self.facilitator_id is not None else "",
            "alerts": "1" if self.alerts else "",
            "overdue": "1" if self.overdue else "",
        }
        return urlencode({key: value for key, value in pairs.items() if value})


@dataclass(frozen=True)
class ConsolePage:
    """The console of one organisation. ROWS_ONLY: the couples' rows alone (a search or a page
    of rows asked for by htmx), without what needs attention."""

    console: Console
    page: Page[CoupleSummary]
    filters: ListFilters
    facilitators: list[tuple[str, str]]
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
            "search": self.filters.search,
            "filters": self.filters,
            "filter_query": self.filters.query_string(),
            "care_filters": console.sees_care_items,
            "facilitators": self.facilitators,
            "stages": Stage,
            "alerts": self.alerts,
            "awaiting": self.awaiting,
            "overdue": self.overdue,
            "at_risk": self.at_risk,
        }


def _narrowed_to(
    viewer: Viewer, console: Console, filters: ListFilters
) -> tuple[frozenset[int] | None, dict[int, int] | None]:
    """The couples with open alerts and/or overdue questionnaires when the filters ask (None:
    not narrowed), and every visible couple's overdue count when it was worked out. A constant
    number of queries however many couples there are."""
    organisation = console.organisation
    if not console.sees_care_items or not (filters.alerts or filters.overdue):
        return None, None
    only: set[int] | None = None
    overdue: dict[int, int] | None = None
    if filters.alerts:
        only = couples_with_open_alerts(viewer=viewer, organisation_id=organisation.pk)
    if filters.overdue:
        overdue = overdue_by_couple(
            viewer=viewer,
            organisation=organisation,
            couple_ids=visible_couple_ids(viewer=viewer, organisation_id=organisation.pk),
        )
        late = {couple_id for couple_id, count in overdue.items() if count}
        only = late if only is None else only & late
    return frozenset(only or ()), overdue


def console_page(
    *, viewer: Viewer, console: Console, filters: ListFilters, page_number: int, rows_only: bool
) -> ConsolePage:
    organisation = console.organisation
    only_ids, overdue_all = _narrowed_to(viewer, console, filters)
    page = couple_list(
        viewer=viewer,
        organisation_id=organisation.pk,
        filters=CoupleFilters(
            search=filters.search,
            stage=filters.stage,
            facilitator_id=filters.facilitator_id,
            only_ids=only_ids,
        ),
        page=page_number,
    )
    attention = not rows_only
    shown = {c.id for c in page}
    return ConsolePage(
        console=console,
        page=page,
        filters=filters,
        facilitators=[
            (str(m.user_id), m.user.display_name or m.user.email)
            for m in care_team_candidates(organisation.pk)
        ]
        if attention
        else [],
        alerts=open_alerts(viewer=viewer, organisation_id=organisation.pk) if attention else [],
        # Screenings that need a clinical lead's decision (none for roles without screenings).
        awaiting=screenings_awaiting_decision(viewer=viewer, organisation_id=organisation.pk)
        if attention
        else [],
        overdue={k: v for k, v in overdue_all.items() if k in shown}
        if overdue_all is not None
        else overdue_by_couple(viewer=viewer, organisation=organisation, couple_ids=sorted(shown)),
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
        filters=ListFilters.from_query(request.GET),
        page_number=_page_number(request.GET.get("page", "1")),
        # Going back to a page htmx changed asks for the whole page again.
        rows_only=bool(request.htmx) and not request.htmx.history_restore_request,
    )
    return render(request, built.template, built.context())
