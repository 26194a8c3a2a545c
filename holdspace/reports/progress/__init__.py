"""The couple progress report, in a couple variant and a clinical variant.

`selectors.progress_report` gathers what the report holds for a viewer and a variant (each
section read in `parts.py`); the page (`views.py`), the PDF (`pdf.py`) and the JSON (`api.py`)
all render the dataclass it returns (`types.py`), so the three never disagree about what a
variant shows. The facilitator's summary is written by `services.progress_summary_write`.
Who may generate which variant is `holdspace/policy/reports.py`.

- `couple`: only what both partners may see — entries shared with the couple, the scores of a
  partner who shared them with the couple, commitments and adherence, what the couple carries
  forward from integration, the dates of sessions, and the facilitator's summary.
- `clinical`: what the care team may see — the above, plus entries shared with the team, every
  score, the doses and adverse events of each medicine session, integration notes, each
  partner's themes, and screening and readiness at a summary level.

Private entries are in neither. Every record is reached through holdspace.policy, and the
couple variant narrows what the policy returns rather than trusting the viewer's role.
"""
