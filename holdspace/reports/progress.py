"""The couple progress report, in a couple variant and a clinical variant.

One function, `progress_report`, gathers what the report holds for a viewer and a variant; the
page, the PDF and the JSON all render the dataclass it returns, so the three never disagree
about what a variant shows.

- `couple`: only what both partners may see — entries shared with the couple, the scores of a
  partner who shared them with the couple, commitments and adherence, what the couple carries
  forward from integration, the dates of sessions, and the facilitator's summary.
- `clinical`: what the care team may see — the above, plus entries shared with the team, every
  score, the doses and adverse events of each medicine session, integration notes, each
  partner's themes, and screening and readiness at a summary level.

Private entries are in neither. Every record is reached through holdspace.policy, and the
couple variant narrows what the policy returns rather than trusting the viewer's role.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from holdspace.accounts.models import Organisation, User
from holdspace.audit.actions import Action
from holdspace.couples.models import Couple, Stage
from holdspace.integration.models import IntegrationSession
from holdspace.integration.selectors import couple_commitments
from holdspace.policy import Viewer, is_care_team_of, require_progress_report
from holdspace.reports import progress_parts as parts
from holdspace.reports.models import ProgressSummary
from holdspace.reports.progress_types import (
    HELD,
    VARIANT_LABELS,
    VARIANTS,
    CommitmentSummary,
    IntegrationSummary,
    ProgressReport,
    Summary,
)
from holdspace.sessions.models import MedicineSession, SessionStatus

__all__ = ["VARIANTS", "ProgressReport", "progress_report", "seed_demo_progress"]


# Who may ask ---------------------------------------------------------------------------------


def can_write_summary(viewer: Viewer, couple: Couple) -> bool:
    return is_care_team_of(viewer, couple)


# The report ----------------------------------------------------------------------------------


def progress_report(
    viewer: Viewer, couple: Couple, variant: str, *, output: str = "html"
) -> ProgressReport:
    """The progress report of COUPLE (from get_couple_for) as VARIANT shows it to VIEWER,
    audited as generated in OUTPUT (html, pdf or json). A constant number of queries."""
    require_progress_report(viewer, couple, variant)
    clinical = variant == "clinical"
    names = {p.user_id: p.user.display_name for p in couple.loaded_partners}
    summary = _summary(couple)
    intentions, reflections, truncated = parts.entries_for(viewer, couple, clinical, names)
    responses, withheld = parts.scored_responses(viewer, couple, clinical)
    sessions = list(
        MedicineSession.objects.filter(organisation_id=couple.organisation_id, couple=couple)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at", "id")
    )
    held_dates = [s.started_at or s.starts_at for s in sessions if s.status in HELD]
    integration = list(
        IntegrationSession.objects.filter(
            organisation_id=couple.organisation_id, couple=couple, status="held"
        )
        .select_related("facilitator")
        .order_by("held_at", "id")
    )
    commitments = [
        CommitmentSummary(
            description=v.current.description,
            cadence_label=str(v.current.get_cadence_display()),
            keepers=[name for _uid, name in v.keepers],
            adherence=v.adherence,
            started_on=v.current.starts_on,
            ended=v.commitment.ended_at is not None,
        )
        for v in couple_commitments(couple)
    ]
    report = ProgressReport(
        couple_id=couple.pk,
        couple_name=couple.name,
        organisation_name=couple.organisation.name,
        variant="clinical" if clinical else "couple",
        variant_label=VARIANT_LABELS[variant],
        generated_at=timezone.now(),
        generated_by=viewer.user.display_name or viewer.user.email,
        stage=couple.stage,
        stage_label=str(Stage(couple.stage).label),
        partners=list(names.values()),
        care_team=[m.user.display_name for m in couple.loaded_care_team],
        summary=summary,
        timeline=parts.journey(
            viewer, couple, clinical, names, responses, sessions, integration, commitments
        ),
        intentions=intentions,
        reflections=reflections,
        entries_truncated=truncated,
        measures=parts.measure_charts(couple, responses, names, held_dates),
        measures_withheld=withheld,
        medicine_sessions=(
            parts.session_details(couple, sessions, names)
            if clinical
            else parts.session_dates(sessions)
        ),
        integration_sessions=[
            IntegrationSummary(
                held_at=held.held_at,
                with_whom=names.get(held.partner_id or 0, "") or _("Both partners"),
                facilitator=held.facilitator.display_name,
                carry_forward=held.carry_forward,
                notes=held.notes if clinical else "",
            )
            for held in integration
        ],
        commitments=commitments,
        partners_clinical=parts.partners_clinical(viewer, couple, names) if clinical else [],
        readiness=parts.readiness_sentence(couple, sessions) if clinical else "",
    )
    viewer.audit(
        Action.REPORT_GENERATE,
        organisation_id=couple.organisation_id,
        object_type="couple",
        object_id=couple.pk,
        couple_id=couple.pk,
        report="progress",
        variant=variant,
        format=output,
    )
    return report


def _summary(couple: Couple) -> Summary | None:
    current = (
        ProgressSummary.objects.filter(organisation_id=couple.organisation_id, couple=couple)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )
    if current is None:
        return None
    return Summary(current.text, current.author.display_name, current.created_at)


def summary_history(couple: Couple) -> list[Summary]:
    """Every summary written for COUPLE, newest first (for the care team's page)."""
    return [
        Summary(s.text, s.author.display_name, s.created_at)
        for s in ProgressSummary.objects.filter(
            organisation_id=couple.organisation_id, couple=couple
        )
        .select_related("author")
        .order_by("-created_at", "-id")
    ]


# The demo ------------------------------------------------------------------------------------

DEMO_SUMMARY = """\
Riley and Jordan, you came to this work bruised, not broken: a long stretch of silences, and a \
pattern you both named early on — one of you reaching out, the other going quiet.

What changed: in the medicine session and the weeks since, you have been able to say out loud \
what you used to wait out. You both describe feeling closer, and both of you tell us the low \
mood and worry you came with have eased. Riley noticed the glow fading around the fourth week; \
naming that together, rather than taking it as a sign that nothing had changed, was part of \
the work itself.

What you carry forward: naming the silence instead of waiting it out; the Sunday check-in, \
twenty minutes with phones away, which you have kept most weeks; and Jordan being the first \
to reach out after an argument.

Next steps: your one-month questionnaires are done. We meet again for a joint integration \
session in two weeks, and the three-month follow-up comes after that. If either of you wants \
to talk before then, write to us in the portal."""


def seed_demo_progress(organisation: Organisation) -> None:
    """The facilitator's summary for Riley & Jordan, once."""
    from holdspace.policy import viewer_for
    from holdspace.reports.services import progress_summary_write

    couple = Couple.with_people(
        Couple.objects.filter(organisation=organisation, name="Riley & Jordan")
    ).first()
    if couple is None or not couple.loaded_care_team:
        return
    if ProgressSummary.objects.filter(couple=couple).exists():
        return
    author = User.objects.get(pk=couple.loaded_care_team[0].user_id)
    progress_summary_write(viewer=viewer_for(author), couple=couple, text=DEMO_SUMMARY)
