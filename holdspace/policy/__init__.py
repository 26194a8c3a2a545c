"""Who may see and do what: the one place that decides access to couples and their records.

Views, the API, exports and search reach records only through the getters and
querysets of this package. A record the viewer may not see is reported as missing
(Http404), exactly like a record that does not exist, and the refusal is audited.

Who sees what
- A partner sees their own couple, every entry they wrote, and the entries their
  partner shared with the couple.
- The care team of a couple is the facilitators assigned to it plus the organisation's
  clinical leads (who oversee every couple). They see entries shared with the team or
  the couple, never private ones.
- An org admin sees which couples exist (to manage people and invitations) but no entry.
- A researcher sees no couple or entry here: only de-identified exports, later.
- Nobody sees anything of another organisation.

`core` holds the viewer, `deny`/`refuse` and the rules every resource shares; each resource
has its own module (`couples`, `entries`, `screening`, `preparation`, `sessions`, `measures`,
`notifications`, `reminders`, `reports`, `facilitators`, `readings`, `accounts` and
`integration`). This module only re-exports the names
callers imported from the former `holdspace/policy.py`, so that none had to change at once:
new code imports from the resource module (`from holdspace.policy.entries import
get_entry_for`), and callers move there; these re-exports then go.
"""

from __future__ import annotations

from holdspace.policy.accounts import can_invite
from holdspace.policy.core import (
    Viewer,
    client_ip,
    deny,
    is_care_team_of,
    is_partner_of,
    organisation_for,
    refuse,
    require_care_team,
    require_couple_people,
    require_partner,
    require_partner_record_write,
    viewer_for,
    viewer_from_request,
)
from holdspace.policy.couples import couples_visible_to, get_couple_for
from holdspace.policy.entries import (
    can_change_entry,
    can_write_entries,
    entries_visible_to,
    get_entry_for,
    require_entry_change,
    require_entry_write,
)
from holdspace.policy.facilitators import require_guides_view
from holdspace.policy.measures import (
    alerts_visible_to,
    can_see_item_answers,
    get_alert_for,
    require_item_answers,
    require_measures_share,
    require_response_submit,
    responses_visible_to,
)
from holdspace.policy.preparation import (
    partner_forms_visible_to,
    preparation_sessions_visible_to,
    require_readiness,
)
from holdspace.policy.reports import can_export, require_export, require_progress_report
from holdspace.policy.screening import (
    can_override_screening,
    get_screening_for,
    org_screenings_visible_to,
    require_screening_override,
    screening_queue_organisation,
    screenings_visible_to,
)
from holdspace.policy.sessions import get_medicine_session_for, require_session_care

__all__ = [
    "Viewer",
    "alerts_visible_to",
    "can_change_entry",
    "can_export",
    "can_invite",
    "can_override_screening",
    "can_see_item_answers",
    "can_write_entries",
    "client_ip",
    "couples_visible_to",
    "deny",
    "entries_visible_to",
    "get_alert_for",
    "get_couple_for",
    "get_entry_for",
    "get_medicine_session_for",
    "get_screening_for",
    "is_care_team_of",
    "is_partner_of",
    "org_screenings_visible_to",
    "organisation_for",
    "partner_forms_visible_to",
    "preparation_sessions_visible_to",
    "refuse",
    "require_care_team",
    "require_couple_people",
    "require_entry_change",
    "require_entry_write",
    "require_export",
    "require_guides_view",
    "require_item_answers",
    "require_measures_share",
    "require_partner",
    "require_partner_record_write",
    "require_progress_report",
    "require_readiness",
    "require_response_submit",
    "require_screening_override",
    "require_session_care",
    "responses_visible_to",
    "screening_queue_organisation",
    "screenings_visible_to",
    "viewer_for",
    "viewer_from_request",
]
