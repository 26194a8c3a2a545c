"""Every action Holdspace writes to the audit trail, each with what it means.

The values are the strings stored in `AuditEvent.action` and hashed into each chain, so they
must never change: a `StrEnum` member compares and serialises as its string, and the chains of
existing databases keep verifying. Audit calls name a member (`Action.ENTRY_CREATE`), never a
string literal (a guard test in audit/tests/test_actions.py enforces it). docs/privacy-and-audit.md
lists them, generated from here: `python -m holdspace.audit.actions` prints the table.

Names that disagreed were fixed (`export` became `export.measures`; `integration.session`
became `integration.record` and `integration.hold`; `reading.read` became `reading.mark_read`;
`guides.read` became `guide.list`; `medicine_session.refused` became
`medicine_session.refuse`). Events written under a former name stay in their chains as they were
hashed: `FORMER_NAMES` maps each former string to the action it is now, `Action.read()` reads
either, and `holdspace audit verify` counts them.
"""

# One line per action reads best as a table, so long meanings stay on their line.
# ruff: noqa: E501

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    ACCESS_DENIED = "access.denied"
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    ALERT_ESCALATE = "alert.escalate"
    ALERT_LIST = "alert.list"
    ALERT_NOTIFY = "alert.notify"
    API_TOKEN_CREATE = "api_token.create"
    AUTH_LOCKED_OUT = "auth.locked_out"
    AUTH_LOGIN = "auth.login"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOGOUT = "auth.logout"
    AUTH_TOKEN_FAILED = "auth.token_failed"
    BOOKING_CANCEL = "booking.cancel"
    BOOKING_CONFIRM = "booking.confirm"
    BOOKING_MOVE = "booking.move"
    BOOKING_RESERVE = "booking.reserve"
    CALENDAR_CREATE = "calendar.create"
    CALENDAR_READ = "calendar.read"
    CALENDAR_REVOKE = "calendar.revoke"
    CLIENT_DATA_READ = "client_data.read"
    COMMITMENT_CHECKIN = "commitment.checkin"
    COMMITMENT_CREATE = "commitment.create"
    COMMITMENT_LIST = "commitment.list"
    COMMITMENT_REVISE = "commitment.revise"
    COUPLE_CREATE = "couple.create"
    COUPLE_LIST = "couple.list"
    COUPLE_READ = "couple.read"
    COUPLE_STAGE = "couple.stage"
    COUPLE_UPDATE = "couple.update"
    COUPLE_WITHDRAW = "couple.withdraw"
    CREDENTIAL_ADD = "credential.add"
    CREDENTIAL_EVIDENCE = "credential.evidence"
    CREDENTIAL_EXPIRED = "credential.expired"
    CREDENTIAL_STATUS = "credential.status"
    CREDENTIAL_WARNING = "credential.warning"
    DOSE_LOG_READ = "dose_log.read"
    ENTRY_AUDIO = "entry.audio"
    ENTRY_CREATE = "entry.create"
    ENTRY_LIST = "entry.list"
    ENTRY_READ = "entry.read"
    ENTRY_REPLY = "entry.reply"
    ENTRY_TEAM_READ = "entry.team_read"
    ENTRY_UPDATE = "entry.update"
    EXPORT_MEASURES = "export.measures"
    EXPORT_DOSES = "export.doses"
    FACILITATOR_LIST = "facilitator.list"
    FACILITATOR_READ = "facilitator.read"
    FACILITATOR_PROFILE_UPDATE = "facilitator_profile.update"
    GUIDE_REVIEW = "guide.review"
    GUIDE_LIST = "guide.list"
    INTEGRATION_CANCEL = "integration.cancel"
    INTEGRATION_FOLLOW_UP = "integration.follow_up"
    INTEGRATION_OFFER = "integration.offer"
    INTEGRATION_READ = "integration.read"
    INTEGRATION_SCHEDULE = "integration.schedule"
    INTEGRATION_HOLD = "integration.hold"
    INTEGRATION_RECORD = "integration.record"
    INVENTORY_LOT_READ = "inventory.lot_read"
    INVENTORY_LOT_RECEIVE = "inventory.lot_receive"
    INVENTORY_LOT_STATUS = "inventory.lot_status"
    INVENTORY_MOVEMENT = "inventory.movement"
    INVENTORY_RECONCILE = "inventory.reconcile"
    INVITATION_ACCEPT = "invitation.accept"
    INVITATION_CREATE = "invitation.create"
    INVITATION_LIST = "invitation.list"
    INVITATION_RESEND = "invitation.resend"
    INVITATION_REVOKE = "invitation.revoke"
    JOURNAL_READ = "journal.read"
    MEASURE_LIST = "measure.list"
    MEASURE_READ = "measure.read"
    MEASURE_SHARE = "measure.share"
    MEASURE_SUBMIT = "measure.submit"
    MEDICINE_SESSION_CANCEL = "medicine_session.cancel"
    MEDICINE_SESSION_CONFIRM = "medicine_session.confirm"
    MEDICINE_SESSION_CONSOLE = "medicine_session.console"
    MEDICINE_SESSION_DETAILS = "medicine_session.details"
    MEDICINE_SESSION_DISCHARGE = "medicine_session.discharge"
    MEDICINE_SESSION_IMPORT = "medicine_session.import"
    MEDICINE_SESSION_PLAN = "medicine_session.plan"
    MEDICINE_SESSION_READ = "medicine_session.read"
    MEDICINE_SESSION_REFUSE = "medicine_session.refuse"
    MEDICINE_SESSION_RESCHEDULE = "medicine_session.reschedule"
    MEDICINE_SESSION_SCHEDULE = "medicine_session.schedule"
    MEDICINE_SESSION_SUMMARY = "medicine_session.summary"
    MEMBER_DEACTIVATE = "member.deactivate"
    MEMBER_REACTIVATE = "member.reactivate"
    NOTICE_SEEN = "notice.seen"
    NOTIFICATION_FAILED = "notification.failed"
    NOTIFICATION_PREFERENCE = "notification.preference"
    NOTIFICATION_RETRY = "notification.retry"
    NOTIFICATION_SEND = "notification.send"
    ORGANISATION_CREATE = "organisation.create"
    ORGANISATION_PROFILE = "organisation.profile"
    ORGANISATION_TIME_ZONE = "organisation.time_zone"
    ORGANISATION_UPDATE = "organisation.update"
    OUTBOX_READ = "outbox.read"
    OUTCOMES_READ = "outcomes.read"
    PARTNER_ADD = "partner.add"
    PREPARATION_CANCEL = "preparation.cancel"
    PREPARATION_FORM = "preparation.form"
    PREPARATION_HOLD = "preparation.hold"
    PREPARATION_SCHEDULE = "preparation.schedule"
    PREPARATION_SESSION = "preparation.session"
    PROGRESS_SUMMARY_WRITE = "progress_summary.write"
    QUEUE_READ = "queue.read"
    READINESS_READ = "readiness.read"
    READING_ASSIGN = "reading.assign"
    READING_CREATE = "reading.create"
    READING_EDIT = "reading.edit"
    READING_LIST = "reading.list"
    READING_MARK_READ = "reading.mark_read"
    READING_VIEW = "reading.view"
    REMINDER_SEND = "reminder.send"
    REPORT_GENERATE = "report.generate"
    REPORT_REGULATOR = "report.regulator"
    REPORT_REGULATOR_SUBMIT = "report.regulator_submit"
    ROOM_ARCHIVE = "room.archive"
    ROOM_CREATE = "room.create"
    ROOM_RESTORE = "room.restore"
    ROOM_UPDATE = "room.update"
    SCHEDULE_READ = "schedule.read"
    SCREENING_LIST = "screening.list"
    SCREENING_OVERRIDE = "screening.override"
    SCREENING_READ = "screening.read"
    SCREENING_SUBMIT = "screening.submit"
    SESSION_EVENT_LIST = "session_event.list"
    SESSION_EVENT_RECORD = "session_event.record"
    SIGNATURE_CREATE = "signature.create"
    SIGNATURE_LIST = "signature.list"
    SIGNATURE_PDF = "signature.pdf"
    SIGNIN_LINK_USE = "signin_link.use"

    @property
    def meaning(self) -> str:
        return MEANINGS[self]

    @classmethod
    def read(cls, stored: str) -> Action | None:
        """The action a stored string names, under its current or a former name; None for a
        string Holdspace never wrote."""
        try:
            return cls(stored)
        except ValueError:
            return FORMER_NAMES.get(stored)


# One line each, in the product's words: what happened when this action is in the trail.
MEANINGS: dict[Action, str] = {
    Action.ACCESS_DENIED: "Someone asked for a record or an organisation they may not see or change (answered 404 or 403).",
    Action.ALERT_ACKNOWLEDGE: "A member of staff recorded that they saw a safety alert and what they did.",
    Action.ALERT_ESCALATE: "A safety alert still unacknowledged past its window was escalated.",
    Action.ALERT_LIST: "Staff opened the list of open safety alerts.",
    Action.ALERT_NOTIFY: "The care team's notices and notifications of a safety alert were planned.",
    Action.API_TOKEN_CREATE: "Someone created an API token.",
    Action.AUTH_LOCKED_OUT: "Sign-in was locked after repeated failures.",
    Action.AUTH_LOGIN: "Someone signed in.",
    Action.AUTH_LOGIN_FAILED: "A sign-in failed.",
    Action.AUTH_LOGOUT: "Someone signed out.",
    Action.AUTH_TOKEN_FAILED: "An API request came with a bearer token that is unknown, revoked or expired.",
    Action.BOOKING_CANCEL: "A booking on the calendar was cancelled, with a reason: its room and facilitators are free again.",
    Action.BOOKING_CONFIRM: "A tentative booking on the calendar was confirmed.",
    Action.BOOKING_MOVE: "A booking on the calendar was moved to another time, room or set of facilitators.",
    Action.BOOKING_RESERVE: "A time, room and facilitators were booked on the calendar for a session.",
    Action.CALENDAR_CREATE: "A partner made a private calendar feed (any earlier one stops working).",
    Action.CALENDAR_READ: "Staff opened the organisation's calendar of bookings (a day or a week).",
    Action.CALENDAR_REVOKE: "A partner revoked their calendar feed.",
    Action.CLIENT_DATA_READ: "Someone opened a partner's client data form (Oregon's 303 answers), on the web or through the API.",
    Action.COMMITMENT_CHECKIN: "A partner said whether they kept an integration commitment this period.",
    Action.COMMITMENT_CREATE: "A couple's integration commitment was written.",
    Action.COMMITMENT_LIST: "Someone opened a couple's integration commitments.",
    Action.COMMITMENT_REVISE: "An integration commitment got a new revision.",
    Action.COUPLE_CREATE: "A couple was created with its care team.",
    Action.COUPLE_LIST: "Someone opened a list of the couples they may see.",
    Action.COUPLE_READ: "Someone opened a couple's page.",
    Action.COUPLE_STAGE: "A couple's stage in the journey changed, following the record just written.",
    Action.COUPLE_UPDATE: "Someone of the care team, a clinical lead or an org admin changed a couple's name or care team.",
    Action.COUPLE_WITHDRAW: "A couple's withdrawal from the programme was recorded.",
    Action.CREDENTIAL_ADD: "A facilitator credential was recorded, unverified, with its evidence.",
    Action.CREDENTIAL_EVIDENCE: "Someone opened a credential's evidence file.",
    Action.CREDENTIAL_EXPIRED: "A facilitator credential reached its expiry date.",
    Action.CREDENTIAL_STATUS: "An org admin or clinical lead changed a facilitator credential's status (e.g. verified against a named register).",
    Action.CREDENTIAL_WARNING: "A warning that a facilitator credential expires soon was sent.",
    Action.DOSE_LOG_READ: "Someone opened the organisation's dose log.",
    Action.ENTRY_AUDIO: "Someone played an entry's voice note.",
    Action.ENTRY_CREATE: "A partner entry (including a journal entry or shared reflection) was written.",
    Action.ENTRY_LIST: "Someone opened a list of a couple's entries.",
    Action.ENTRY_READ: "Someone opened one entry.",
    Action.ENTRY_REPLY: "Someone of the care team replied to a partner's team- or couple-visible entry.",
    Action.ENTRY_TEAM_READ: "The care team first read (opened or replied to) a partner's team- or couple-visible entry.",
    Action.ENTRY_UPDATE: "An entry's author changed its text, kind or visibility.",
    Action.EXPORT_MEASURES: "Someone exported the organisation's scored measures as CSV.",
    Action.EXPORT_DOSES: "Someone exported the dose log as CSV.",
    Action.FACILITATOR_LIST: "Someone opened the list of facilitators.",
    Action.FACILITATOR_READ: "Someone opened a facilitator's credentials and profile.",
    Action.FACILITATOR_PROFILE_UPDATE: "A facilitator's profile was changed.",
    Action.GUIDE_REVIEW: "A partner approved, or did not approve, a facilitator of their care team.",
    Action.GUIDE_LIST: "Someone opened a couple's guides (their care team and the partners' reviews).",
    Action.INTEGRATION_CANCEL: "A scheduled integration session was closed as cancelled, not held.",
    Action.INTEGRATION_FOLLOW_UP: "A follow-up contact with the couple was recorded as done.",
    Action.INTEGRATION_OFFER: "The care team recorded that integration was offered after a medicine session, and the answer.",
    Action.INTEGRATION_READ: "The care team opened a couple's integration page.",
    Action.INTEGRATION_SCHEDULE: "An integration session was scheduled.",
    Action.INTEGRATION_HOLD: "A scheduled integration session was closed as held.",
    Action.INTEGRATION_RECORD: "An integration session was recorded as held, without having been scheduled.",
    Action.INVITATION_ACCEPT: "An invitation was used: the account was created or joined.",
    Action.INVITATION_CREATE: "Someone was invited by e-mail.",
    Action.INVITATION_LIST: "Staff opened a couple's pending partner invitations.",
    Action.INVITATION_RESEND: "An invitation not yet accepted was sent again with a new link (the old link no longer works), to its address or a corrected one.",
    Action.INVITATION_REVOKE: "An invitation not yet accepted was revoked: its link no longer works.",
    Action.JOURNAL_READ: "Someone opened a couple's journal entries and reflections.",
    Action.MEASURE_LIST: "Someone opened a couple's questionnaire responses or scores over time.",
    Action.MEASURE_READ: "Someone opened one questionnaire response.",
    Action.MEASURE_SHARE: "A partner chose whether their partner sees their questionnaire scores.",
    Action.MEASURE_SUBMIT: "A partner's questionnaire response was scored and stored.",
    Action.MEDICINE_SESSION_CANCEL: "A medicine session was cancelled, with a reason; its booking, reminders and calendar entries go.",
    Action.MEDICINE_SESSION_CONFIRM: "A tentative medicine session was confirmed once the couple was ready.",
    Action.MEDICINE_SESSION_CONSOLE: "The care team opened a medicine session's live console.",
    Action.MEDICINE_SESSION_DETAILS: "The details a regulator's log asks of a medicine session (its de-identified intention, other food or drink) were recorded.",
    Action.MEDICINE_SESSION_DISCHARGE: "A partner was discharged from a medicine session, signed off by the care team.",
    Action.MEDICINE_SESSION_IMPORT: "A medicine session held before its records were kept in Holdspace was recorded by the care team, outside the readiness gate.",
    Action.MEDICINE_SESSION_PLAN: "A medicine session's plan (products, doses, facilitators, room, music) was completed or changed.",
    Action.MEDICINE_SESSION_READ: "Someone read a medicine session (its time and room; for the care team, its plan).",
    Action.MEDICINE_SESSION_REFUSE: "Confirming a tentative medicine session was refused: the couple is not ready (the missing items listed).",
    Action.MEDICINE_SESSION_RESCHEDULE: "A medicine session was moved to another time or room.",
    Action.MEDICINE_SESSION_SCHEDULE: "A medicine session was scheduled.",
    Action.MEDICINE_SESSION_SUMMARY: "The care team opened a medicine session's whole record.",
    Action.MEMBER_DEACTIVATE: "An org admin deactivated a member: signed out at once, no longer acting in the organisation, their records and authorship kept.",
    Action.MEMBER_REACTIVATE: "An org admin reactivated a deactivated member: their role applies again.",
    Action.NOTICE_SEEN: "A partner was shown, for the first time, that what they write is not monitored in real time.",
    Action.NOTIFICATION_FAILED: "A notification could not be delivered and will not be tried again.",
    Action.NOTIFICATION_PREFERENCE: "A member of staff chose the channel they are told by.",
    Action.NOTIFICATION_RETRY: "A notification could not be delivered and will be tried again.",
    Action.NOTIFICATION_SEND: "A notification was delivered.",
    Action.ORGANISATION_CREATE: "An organisation was created (from the command line), with its first org admin invited.",
    Action.ORGANISATION_PROFILE: "The organisation's jurisdiction profile (the rules that apply) was chosen.",
    Action.ORGANISATION_TIME_ZONE: "The organisation's time zone was set.",
    Action.ORGANISATION_UPDATE: "The organisation's name, address or phone was changed.",
    Action.OUTBOX_READ: "Someone opened the organisation's e-mail outbox.",
    Action.OUTCOMES_READ: "Someone opened the programme outcomes report.",
    Action.PARTNER_ADD: "A person was seated as a partner of a couple.",
    Action.PREPARATION_CANCEL: "A preparation session booked ahead was cancelled, with a reason.",
    Action.INVENTORY_LOT_READ: "Someone read the product ledger of a lot or of the organisation.",
    Action.INVENTORY_LOT_RECEIVE: "A lot of product was received into the organisation's ledger.",
    Action.INVENTORY_LOT_STATUS: "A lot's status (quarantined, released, recalled, expired) or its test result was changed.",
    Action.INVENTORY_MOVEMENT: "A line was added to a lot's ledger: a receipt, dose, waste, return or adjustment, with the balance after it.",
    Action.INVENTORY_RECONCILE: "A lot was counted and reconciled against its ledger, with the variance found.",
    Action.PREPARATION_FORM: "A new version of a partner's preparation form was stored.",
    Action.PREPARATION_HOLD: "A preparation session booked ahead was recorded as held.",
    Action.PREPARATION_SCHEDULE: "A preparation session was booked ahead on the calendar.",
    Action.PREPARATION_SESSION: "The care team recorded a preparation session, private or joint.",
    Action.PROGRESS_SUMMARY_WRITE: "A new progress summary of a couple was written.",
    Action.QUEUE_READ: "A member of staff opened their Today view, their queue or today's sessions (`part`: page, queue or today), with the ids of the records it listed.",
    Action.READINESS_READ: "Someone opened a couple's readiness.",
    Action.READING_ASSIGN: "A reading of the library was given to a couple or one partner.",
    Action.READING_CREATE: "A reading was added to the library.",
    Action.READING_EDIT: "A reading of the library was edited or archived.",
    Action.READING_LIST: "Someone opened a couple's assigned readings.",
    Action.READING_MARK_READ: "A partner marked an assigned reading as read (the first time only).",
    Action.READING_VIEW: "Someone opened an assigned reading.",
    Action.REMINDER_SEND: "A reminder was sent to a partner.",
    Action.REPORT_GENERATE: "A couple's progress report was generated.",
    Action.REPORT_REGULATOR: "A regulator report (Oregon's 303 quarterly report, Colorado's administration-session log) was generated, with its period and format.",
    Action.REPORT_REGULATOR_SUBMIT: "A regulator report for a period was marked as submitted to the state.",
    Action.ROOM_ARCHIVE: "A room was archived: no longer offered for new bookings, past ones keep naming it.",
    Action.ROOM_CREATE: "A room was added to the organisation.",
    Action.ROOM_RESTORE: "An archived room was offered for bookings again.",
    Action.ROOM_UPDATE: "A room was renamed or its notes changed.",
    Action.SCHEDULE_READ: "Someone opened a couple's schedule through the API.",
    Action.SCREENING_LIST: "Someone opened a list of screenings.",
    Action.SCREENING_OVERRIDE: "A clinical lead replaced a screening's decision, with a written reason.",
    Action.SCREENING_READ: "Someone opened a screening.",
    Action.SCREENING_SUBMIT: "A partner's screening was decided and stored.",
    Action.SESSION_EVENT_LIST: "Someone read a medicine session's events through the API.",
    Action.SESSION_EVENT_RECORD: "An event of a medicine session was recorded.",
    Action.SIGNATURE_CREATE: "Someone signed a document by typing their full name: who, in which role, the document's version and the SHA-256 of the text shown.",
    Action.SIGNATURE_LIST: "Someone listed the signatures of a couple they may see.",
    Action.SIGNATURE_PDF: "Someone downloaded the signed PDF copy of a signature.",
    Action.SIGNIN_LINK_USE: "A one-time sign-in link was used.",
}

# Strings written before a rename, and the action each is now. They stay in the chains exactly
# as they were hashed; never reuse one for another meaning.
FORMER_NAMES: dict[str, Action] = {
    "export": Action.EXPORT_MEASURES,
    "guides.read": Action.GUIDE_LIST,
    # Before the split, one string for both; a held session is what both recorded.
    "integration.session": Action.INTEGRATION_RECORD,
    "medicine_session.refused": Action.MEDICINE_SESSION_REFUSE,
    "reading.read": Action.READING_MARK_READ,
}


def actions_table() -> str:
    """The Markdown table of every action and its meaning, as docs/privacy-and-audit.md has it."""
    lines = ["| Action | Meaning |", "| --- | --- |"]
    lines += [f"| `{action.value}` | {action.meaning} |" for action in Action]
    lines += ["", "Former names, still read in older events:", ""]
    lines += ["| Former | Now |", "| --- | --- |"]
    lines += [f"| `{old}` | `{new.value}` |" for old, new in sorted(FORMER_NAMES.items())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(actions_table(), end="")
