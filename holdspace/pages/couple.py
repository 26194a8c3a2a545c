"""The couple page: the staff's view of a couple, or for a partner their portal's Today (its
other sections are in portal.py). The staff's page gathers the couple
and its entries (couples), safety alerts and questionnaire trends (measures), commitments and
the follow-up schedule (integration), assigned readings (readings) and medicine sessions
(sessions); each part is read, scoped and audited by its own app's selector."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from holdspace.couples.forms import EntryForm, VisibilityForm
from holdspace.couples.models import Couple, Partner, Stage
from holdspace.couples.selectors import CoupleRead, couple_read, portal_couple
from holdspace.integration.schedule import ShownItem, schedule_for, shown
from holdspace.integration.selectors import couple_commitments
from holdspace.measures.library import Instrument
from holdspace.measures.models import SafetyAlert, Timepoint
from holdspace.measures.selectors import (
    InstrumentTrend,
    administrable_instruments,
    couple_measures,
    open_alerts,
)
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.couples import own_couples_of
from holdspace.readings.selectors import AssignmentView, couple_readings
from holdspace.sessions.models import MedicineSession


@dataclass(frozen=True)
class CouplePage:
    """Everything the couple page shows VIEWER; the parts they may not see are empty."""

    cp: CoupleRead
    alerts: list[SafetyAlert]
    trends: list[InstrumentTrend]
    administrable: list[Instrument]
    my_partner_row: Partner | None
    commitments: list[Any]
    schedule: list[Any]
    assigned_readings: list[Any]
    medicine_sessions: list[MedicineSession]

    @property
    def couple(self) -> Couple:
        return self.cp.couple

    @property
    def template(self) -> str:
        return "couples/couple.html"

    def context(self) -> dict[str, object]:
        """The template's context: each part by name, and the couple."""
        parts = {field.name: getattr(self, field.name) for field in fields(self)}
        return {**parts, "couple": self.couple}


def couple_page(*, viewer: Viewer, couple_id: int) -> CouplePage:
    """The couple page for VIEWER (404 for a couple they may not see)."""
    cp = couple_read(viewer=viewer, couple_id=couple_id)
    couple = cp.couple
    care_team, partner = cp.viewer_is_care_team, cp.viewer_is_partner
    follows = partner or care_team  # the couple's own people
    return CouplePage(
        cp=cp,
        alerts=open_alerts(viewer=viewer, organisation_id=couple.organisation_id, couple=couple)
        if care_team
        else [],
        trends=couple_measures(viewer=viewer, couple=couple),
        administrable=administrable_instruments(couple=couple) if care_team else [],
        my_partner_row=next(
            (p for p in couple.loaded_partners if p.user_id == viewer.user.pk), None
        ),
        commitments=list(couple_commitments(couple, viewer_id=viewer.user.pk if partner else None))
        if follows
        else [],
        schedule=list(shown(schedule_for(viewer, couple), couple)) if follows else [],
        # The partner's assigned readings, new or read (two queries).
        assigned_readings=list(couple_readings(viewer, couple)) if partner else [],
        # Partners see when their sessions are; the care team opens the console from here.
        medicine_sessions=list(
            couple.medicine_sessions.exclude(status="cancelled").order_by("starts_at")
        ),
    )


def _render(
    request: HttpRequest,
    page: CouplePage,
    *,
    form: EntryForm | None = None,
    template: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        **page.context(),
        "form": form or EntryForm(),
        "visibility_choices": VisibilityForm.base_fields["visibility"].choices,  # type: ignore[attr-defined]
        "stages": Stage,
        "timepoints": Timepoint.choices,
    }
    return render(request, template or page.template, context, status=status)


@dataclass(frozen=True)
class TodayPage:
    """The couple page as one of its partners sees it, the first section of their portal: what
    is next for them."""

    couple: Couple
    schedule: list[ShownItem]
    next_sessions: list[MedicineSession]
    preparing: bool
    new_readings: list[AssignmentView]  # assigned to them and not yet read

    @property
    def due_now(self) -> list[ShownItem]:
        return [row for row in self.schedule if row.state in {"overdue", "due"}]

    @property
    def coming_up(self) -> list[ShownItem]:
        return [row for row in self.schedule if row.state == "upcoming"]


def today_page(*, viewer: Viewer, couple_id: int) -> TodayPage:
    couple = portal_couple(viewer=viewer, couple_id=couple_id, section="today")
    return TodayPage(
        couple=couple,
        schedule=list(shown(schedule_for(viewer, couple), couple)),
        next_sessions=list(
            couple.medicine_sessions.filter(
                status="scheduled", starts_at__gte=timezone.now()
            ).order_by("starts_at")[:2]
        ),
        preparing=couple.stage not in {Stage.INTEGRATION, Stage.CLOSED},
        new_readings=[v for v in couple_readings(viewer, couple) if v.is_new],
    )


@login_required
@require_GET
def couple_detail(request: HttpRequest, couple_id: int) -> HttpResponse:
    """A couple's page: for one of its partners the Today section of their portal, for anyone
    else who sees the couple the whole of it."""
    viewer = viewer_from_request(request)
    if own_couples_of(viewer).filter(pk=couple_id).exists():
        today = today_page(viewer=viewer, couple_id=couple_id)
        context = {
            "couple": today.couple,
            "page": today,
            "section": "today",
            "schedule": today.schedule,
            "cp": {"viewer_is_partner": True},
        }
        return render(request, "couples/portal.html", context)
    return _render(request, couple_page(viewer=viewer, couple_id=couple_id))
