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

Where each rule lives: `core` holds the viewer (`Viewer`, `viewer_for`, `viewer_from_request`),
`deny` (404) and `refuse` (403), both audited, `organisation_for`, `denial_chain` and the rules
every resource shares (who is a partner or the care team of a couple). Each resource has a
module of its own offering the same trio: `<resource>_visible_to(viewer, scope)` (a queryset),
`get_<resource>_for(viewer, parent, id)` (404, audited) and `require_<resource>_<verb>(viewer,
obj)` (403, audited): `accounts`, `couples`, `entries`, `screening`, `preparation`, `sessions`,
`measures`, `integration`, `readings`, `facilitators`, `reminders`, `notifications`, `reports`,
`regulator`, `inventory` (the product ledger).
Import from the resource module (`from holdspace.policy.entries import get_entry_for`); this
package re-exports nothing.
"""
