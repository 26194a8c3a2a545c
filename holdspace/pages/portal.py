"""The partner's portal in sections, each at its own address so a reload and the back button
keep the place: Today (the couple page as a partner sees it, in couple.py), Questionnaires
and Sessions here, the Journal, Readings and Report on their own apps' pages (the Write form
posts here: `entry_new`). Each section
reads only what it shows, through its apps' selectors, audited there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from holdspace.couples.forms import WriteForm
from holdspace.couples.models import Couple, Partner, Stage
from holdspace.couples.selectors import partner_couples, portal_couple
from holdspace.couples.services import entry_create
from holdspace.integration.journal.selectors import journal_page
from holdspace.integration.schedule import Kind, ShownItem, schedule_for, shown
from holdspace.integration.selectors import CommitmentView, couple_commitments
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.measures.selectors import InstrumentTrend, couple_measures
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.sessions.models import MedicineSession

# The portal's sections in the order its navigation shows them: (key, URL name).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("today", "couple_detail"),
    ("journal", "journal"),
    ("questionnaires", "portal_questionnaires"),
    ("sessions", "portal_sessions"),
    ("readings", "couple_readings"),
    ("report", "progress_report"),
)
SECTION_URL_NAMES = dict(SECTIONS)
# Stages before the medicine session is behind the couple: preparation is still to do.
PREPARING = frozenset({Stage.CONTACT, Stage.SCREENING, Stage.PREPARATION, Stage.MEDICINE_SESSION})


def _partner_row(viewer: Viewer, couple: Couple) -> Partner | None:
    return next((p for p in couple.loaded_partners if p.user_id == viewer.user.pk), None)


def _upcoming_sessions(couple: Couple) -> list[MedicineSession]:
    return list(couple.medicine_sessions.exclude(status="cancelled").order_by("starts_at"))


# Journal (the section itself is the journal's page, integration/journal/views.py) -----------


@login_required
@post_only
def entry_new(request: HttpRequest, couple_id: int) -> HttpResponse:
    """A partner writes an entry with the Write form; a refused one shows the Journal section
    again with the errors beside the fields and what was typed."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    form = WriteForm(request.POST, request.FILES, stage=couple.stage)
    if form.is_valid():
        try:
            entry_create(viewer=viewer, couple=couple, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("journal", couple_id=couple.pk)
    page = journal_page(viewer, couple)
    context = {
        "couple": couple,
        "page": page,
        "section": "journal",
        **form.context([p.text for p in page.prompts]),
    }
    return render(request, "couples/portal_journal.html", context, status=422)


# Questionnaires ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionnairesSection:
    """The questionnaires due for the partner, and those done: their scores over time, with
    their partner's where it was shared with them."""

    couple: Couple
    due: list[ShownItem]
    trends: list[InstrumentTrend]
    my_partner_row: Partner | None


def questionnaires_section(*, viewer: Viewer, couple_id: int) -> QuestionnairesSection:
    couple = portal_couple(viewer=viewer, couple_id=couple_id, section="questionnaires")
    rows = shown(schedule_for(viewer, couple), couple)
    return QuestionnairesSection(
        couple=couple,
        due=[row for row in rows if row.item.kind == Kind.MEASURE],
        trends=couple_measures(viewer=viewer, couple=couple),
        my_partner_row=_partner_row(viewer, couple),
    )


@login_required
@require_GET
def questionnaires(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    section = questionnaires_section(viewer=viewer, couple_id=couple_id)
    context: dict[str, Any] = {
        "couple": section.couple,
        "section": "questionnaires",
        "due": section.due,
        "trends": section.trends,
        "my_partner_row": section.my_partner_row,
        "cp": {"viewer_is_partner": True},
    }
    return render(request, "couples/portal_questionnaires.html", context)


# Sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionsSection:
    """Preparation (what is left before the medicine session), the medicine sessions, the
    integration sessions and follow-ups on the schedule, and the couple's commitments."""

    couple: Couple
    preparing: bool
    medicine_sessions: list[MedicineSession]
    coming_up: list[ShownItem]
    commitments: list[CommitmentView]


def sessions_section(*, viewer: Viewer, couple_id: int) -> SessionsSection:
    couple = portal_couple(viewer=viewer, couple_id=couple_id, section="sessions")
    rows = shown(schedule_for(viewer, couple), couple)
    return SessionsSection(
        couple=couple,
        preparing=couple.stage in PREPARING,
        medicine_sessions=_upcoming_sessions(couple),
        coming_up=[row for row in rows if row.item.kind in {Kind.SESSION, Kind.FOLLOW_UP}],
        commitments=list(couple_commitments(couple, viewer_id=viewer.user.pk)),
    )


@login_required
@require_GET
def sessions(request: HttpRequest, couple_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    section = sessions_section(viewer=viewer, couple_id=couple_id)
    context: dict[str, Any] = {
        "couple": section.couple,
        "section": "sessions",
        "preparing": section.preparing,
        "medicine_sessions": section.medicine_sessions,
        "coming_up": section.coming_up,
        "commitments": section.commitments,
        "cp": {"viewer_is_partner": True},
    }
    return render(request, "couples/portal_sessions.html", context)


# /portal/<section>/ --------------------------------------------------------------------------


@login_required
@require_GET
def section_of_my_couple(request: HttpRequest, section: str) -> HttpResponse:
    """`/portal/journal/` and the like: that section of the partner's couple, or the choice of
    couple when they are a partner in more than one (an unknown section: the portal)."""
    viewer = viewer_from_request(request)
    name = SECTION_URL_NAMES.get(section)
    couples = partner_couples(viewer=viewer)
    if name is None:
        return redirect("portal")
    if len(couples) == 1:
        return redirect(name, couple_id=couples[0].pk)
    return render(
        request, "couples/portal_choose.html", {"couples": couples, "section_url_name": name}
    )
