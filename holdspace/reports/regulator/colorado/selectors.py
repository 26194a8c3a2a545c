"""Colorado's administration-session log (1 CCR 212-3 Rule 8035 C) for one year, and the
facilitator's participant record (4 CCR 755-1 §6.3), read from the medicine sessions' record.

One row per medicine session that took place in the year on the organisation's clock (its
start, from local midnight on 1 January to local midnight on the next): date, duration from the
first dose to the end in minutes, the number of participants (partners dosed), the facilitators'
licence numbers (the licence of the jurisdiction the profile names, valid on the day), each
participant's package numbers, doses and product type (the type from the product ledger's lot
of that number), the de-identified intention and other food or drink. A field the log needs and
the record lacks is named in the row's `missing`, never left blank.

The log names no person: a session is known by its reference, an HMAC of its id under the
pseudonym key (`reports/pseudonyms.py`), stable for as long as the key is, and participants by
their number within the session. The only free text is `food_and_drink`, the log's own field.
The same data gives the same bytes: rows are ordered by start and reference, and nothing is
stamped with the time of generation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from holdspace.accounts.models import Organisation
from holdspace.accounts.services import COMMAND_LINE
from holdspace.audit.actions import Action
from holdspace.audit.services import audit_record
from holdspace.facilitators.models import Credential, CredentialKind, CredentialStatus
from holdspace.inventory.models import Lot, ProductType
from holdspace.lib.csv import csv_row
from holdspace.policy.core import Viewer
from holdspace.reports.pseudonyms import pseudonym
from holdspace.reports.regulator.periods import Period, year_period
from holdspace.screening.profiles import FacilitatorRequirements, RegulatorReport, get_profile
from holdspace.sessions.models import (
    DOSE_KINDS,
    Discharge,
    EventKind,
    Intention,
    MedicineSession,
    SessionEvent,
    SessionFacilitator,
    SessionStatus,
)

REPORT_ID = "colorado-admin-log"
# Sessions that took place (a scheduled or cancelled one did not).
TOOK_PLACE = (SessionStatus.IN_PROGRESS, SessionStatus.ENDED, SessionStatus.CLOSED)
# A licence number is read from a credential someone has checked: not one still unverified.
_CHECKED = (
    CredentialStatus.VERIFIED,
    CredentialStatus.EXPIRED,
    CredentialStatus.SUSPENDED,
    CredentialStatus.REVOKED,
)


def year_bounds(year: int, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight on 1 January of YEAR and of the next year, in ZONE (as periods.py
    bounds every regulator report's period)."""
    period = year_period(year, zone)
    return period.starts_at, period.ends_at


@dataclass(frozen=True)
class Dose:
    """One dose event as corrected: its package (lot) number, mg, units and product type."""

    at: dt.datetime
    kind: str
    package: str
    amount_mg: float
    units: float | None
    product_type: str  # a ProductType code, "" when the package is not in the ledger


@dataclass(frozen=True)
class ParticipantRecord:
    """What 4 CCR 755-1 §6.3 asks of one participant's administration session: each
    product's unique id (the package number), the amount, single or multiple dose."""

    number: int  # 1, 2, … in the order of their first dose
    partner_id: int  # for the session's own page; never in the log
    doses: list[Dose]
    missing: list[str]

    @property
    def packages(self) -> list[str]:
        return list(dict.fromkeys(d.package for d in self.doses if d.package))

    @property
    def product_types(self) -> list[str]:
        return list(dict.fromkeys(d.product_type for d in self.doses if d.product_type))

    @property
    def product_type_labels(self) -> list[str]:
        return [str(ProductType(t).label) for t in self.product_types if t in ProductType]

    @property
    def amount_mg(self) -> float:
        return sum(d.amount_mg for d in self.doses)

    @property
    def dosing(self) -> str:
        """`single`, or `multiple` for more than one dose event."""
        return "multiple" if len(self.doses) > 1 else "single"


@dataclass(frozen=True)
class LogRow:
    reference: str
    session_id: int  # for the page's links to fix a session; never in the CSV or JSON
    began_at: dt.datetime
    date: dt.date
    duration_minutes: int | None
    licences: list[str]
    intention: str
    food_and_drink: str
    participants: list[ParticipantRecord]
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def packages(self) -> list[str]:
        return list(dict.fromkeys(p for r in self.participants for p in r.packages))

    @property
    def product_types(self) -> list[str]:
        return list(dict.fromkeys(t for r in self.participants for t in r.product_types))

    @property
    def intention_label(self) -> str:
        return str(Intention(self.intention).label) if self.intention in Intention else ""


@dataclass(frozen=True)
class AdminLog:
    organisation: Organisation
    report: RegulatorReport
    year: int
    starts: dt.datetime
    ends: dt.datetime
    rows: list[LogRow] = field(default_factory=list)

    @property
    def incomplete(self) -> list[LogRow]:
        return [row for row in self.rows if row.missing]


def admin_log_read(
    *,
    viewer: Viewer | None,
    organisation: Organisation,
    report: RegulatorReport,
    period: Period,
    output: str,
) -> AdminLog:
    """ORGANISATION's log for the year PERIOD (ORGANISATION and REPORT from
    get_regulator_report_for, which answers 404 where the profile keeps no log), in OUTPUT
    ("page", "json" or "csv"), audited; VIEWER None is the command line, run by the server's
    operator."""
    year = period.first_day.year
    log = admin_log(organisation, year, report=report)
    detail = {
        "report": REPORT_ID,
        "period": str(year),
        "format": output,
        "sessions": len(log.rows),
        "incomplete": len(log.incomplete),
    }
    if viewer is None:
        audit_record(
            action=Action.REPORT_REGULATOR,
            organisation_id=organisation.pk,
            actor_label=COMMAND_LINE,
            object_type="regulator_report",
            object_id=REPORT_ID,
            detail=detail,
        )
    else:
        viewer.audit(
            Action.REPORT_REGULATOR,
            organisation_id=organisation.pk,
            couple_id=None,
            object_type="regulator_report",
            object_id=REPORT_ID,
            detail=detail,
        )
    return log


def admin_log_text(log: AdminLog, output: str) -> str:
    """The log as the API's JSON or as CSV, for the command line."""
    return log_csv(log) if output == "csv" else log_json(log)


def admin_log(organisation: Organisation, year: int, *, report: RegulatorReport) -> AdminLog:
    """The log's rows in a fixed number of queries, whatever the number of sessions."""
    zone = organisation.tzinfo
    starts, ends = year_bounds(year, zone)
    sessions = list(
        MedicineSession.objects.filter(organisation=organisation, status__in=TOOK_PLACE)
        .annotate(began=Coalesce("started_at", "starts_at"))
        .filter(began__gte=starts, began__lt=ends)
        .order_by("began", "id")
    )
    ids = [s.pk for s in sessions]
    facilitators: dict[int, list[int]] = {pk: [] for pk in ids}
    for session_id, user_id in (
        SessionFacilitator.objects.filter(session_id__in=ids)
        .order_by("session_id", "user_id")
        .values_list("session_id", "user_id")
    ):
        facilitators[session_id].append(user_id)
    licences = _licences(organisation, {u for users in facilitators.values() for u in users})
    doses = session_doses(organisation, ids)
    declined: dict[int, set[int]] = {}
    for session_id, partner_id in Discharge.objects.filter(
        session_id__in=ids, declined_dose=True
    ).values_list("session_id", "partner_id"):
        declined.setdefault(session_id, set()).add(partner_id)
    requirements = get_profile(organisation.profile).facilitators
    rows = []
    for session in sessions:
        given = doses.get(session.pk, {})
        if not given and declined.get(session.pk) and _all_declined(session, declined):
            continue  # nobody took the medicine: not an administration session
        began = timezone.localtime(session.began, zone)  # type: ignore[attr-defined]
        rows.append(
            _row(
                organisation,
                session,
                began,
                given,
                [
                    _licence_on(licences.get(user_id, []), began.date(), requirements)
                    for user_id in facilitators[session.pk]
                ],
            )
        )
    rows.sort(key=lambda r: (r.began_at, r.reference))
    return AdminLog(organisation, report, year, starts, ends, rows)


def _all_declined(session: MedicineSession, declined: Mapping[int, set[int]]) -> bool:
    # A couple's two partners: both declined when two discharges say so.
    return len(declined.get(session.pk, set())) >= 2


def _licences(organisation: Organisation, user_ids: set[int]) -> dict[int, list[Credential]]:
    held: dict[int, list[Credential]] = {}
    for credential in (
        Credential.objects.filter(
            organisation=organisation,
            facilitator_id__in=user_ids,
            kind=CredentialKind.LICENCE,
            status__in=_CHECKED,
        )
        .exclude(number="")
        .defer("evidence")
        .order_by("facilitator_id", "-issued_on", "-id")
    ):
        held.setdefault(credential.facilitator_id, []).append(credential)
    return held


def _licence_on(held: list[Credential], day: dt.date, requirements: FacilitatorRequirements) -> str:
    """The number of the licence of the profile's jurisdiction that was valid on DAY (a
    licence expired or revoked since still was then), newest first; "" when none was."""
    wanted = requirements.licence_jurisdiction.strip().lower()
    for credential in held:
        if wanted and credential.jurisdiction.strip().lower() != wanted:
            continue
        if credential.issued_on is not None and credential.issued_on > day:
            continue
        if credential.expires_on is not None and credential.expires_on <= day:
            continue
        return credential.number.strip()
    return ""


def session_doses(
    organisation: Organisation, session_ids: Iterable[int]
) -> dict[int, dict[int, list[Dose]]]:
    """Each session's doses per partner, as corrected, with the ledger's product type for
    each package number (two queries)."""
    events = list(
        SessionEvent.objects.filter(
            organisation=organisation,
            session_id__in=list(session_ids),
            kind__in=[*DOSE_KINDS, EventKind.CORRECTION],
        ).order_by("occurred_at", "id")
    )
    changes: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.kind == EventKind.CORRECTION and isinstance(event.data.get("data"), Mapping):
            changes.setdefault(str(event.data.get("corrects")), {}).update(event.data["data"])
    effective = [
        (event, {**event.data, **changes.get(str(event.uuid), {})})
        for event in events
        if event.kind in DOSE_KINDS and event.partner_id is not None
    ]
    numbers = {str(data.get("lot") or "").strip() for _event, data in effective} - {""}
    types = dict(
        Lot.objects.filter(organisation=organisation, lot_number__in=numbers).values_list(
            "lot_number", "product_type"
        )
    )
    found: dict[int, dict[int, list[Dose]]] = {}
    for event, data in effective:
        package = str(data.get("lot") or "").strip()
        units = data.get("units")
        assert event.partner_id is not None
        found.setdefault(event.session_id, {}).setdefault(event.partner_id, []).append(
            Dose(
                at=event.occurred_at,
                kind=event.kind,
                package=package,
                amount_mg=_number(data.get("amount_mg")),
                units=_number(units) if units is not None else None,
                product_type=types.get(package, ""),
            )
        )
    return found


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def participant_records(given: Mapping[int, list[Dose]]) -> list[ParticipantRecord]:
    """Each partner dosed, numbered in the order of their first dose, with what their record
    lacks."""
    ordered = sorted(given.items(), key=lambda item: (item[1][0].at, item[0]))
    records = []
    for number, (partner_id, doses) in enumerate(ordered, start=1):
        missing = []
        if any(not d.package for d in doses):
            missing.append(_("package number"))
        unknown = sum(1 for d in doses if d.package and not d.product_type)
        if unknown:
            missing.append(
                ngettext(
                    "product type for %(n)d dose (its package is not in the product ledger)",
                    "product type for %(n)d doses (their package is not in the product ledger)",
                    unknown,
                )
                % {"n": unknown}
            )
        if any(d.amount_mg <= 0 for d in doses):
            missing.append(_("amount"))
        records.append(ParticipantRecord(number, partner_id, doses, missing))
    return records


def _row(
    organisation: Organisation,
    session: MedicineSession,
    began: dt.datetime,
    given: Mapping[int, list[Dose]],
    licences: list[str],
) -> LogRow:
    records = participant_records(given)
    first = min((r.doses[0].at for r in records), default=None)
    missing: list[str] = []
    duration = None
    if first is not None and session.ended_at is not None:
        duration = int((session.ended_at - first).total_seconds() // 60)
    if not records:
        missing.append(_("dose (none recorded)"))
    elif session.ended_at is None:
        missing.append(_("duration (the session has not ended)"))
    unlicensed = sum(1 for number in licences if not number)
    if not licences:
        missing.append(_("facilitator licence number (no facilitator recorded)"))
    elif unlicensed:
        missing.append(
            ngettext(
                "facilitator licence number for %(n)d facilitator",
                "facilitator licence number for %(n)d facilitators",
                unlicensed,
            )
            % {"n": unlicensed}
        )
    if not session.intention:
        missing.append(_("intention"))
    if not session.food_and_drink.strip():
        missing.append(_("food and drink (write 'none' if none)"))
    for record in records:
        for what in record.missing:
            text = _("participant %(n)d: %(what)s") % {"what": what, "n": record.number}
            missing.append(text)
    return LogRow(
        reference=pseudonym("session", organisation.pk, session.pk),
        session_id=session.pk,
        began_at=began,
        date=began.date(),
        duration_minutes=duration,
        licences=sorted(number for number in licences if number),
        intention=session.intention,
        food_and_drink=session.food_and_drink.strip(),
        participants=records,
        missing=missing,
    )


# The log as a file --------------------------------------------------------------------------


def _mg(value: float) -> str:
    return f"{value:g}"


def row_data(row: LogRow) -> dict[str, Any]:
    """One row as the API and the JSON file give it."""
    return {
        "reference": row.reference,
        "date": row.date.isoformat(),
        "duration_minutes": row.duration_minutes,
        "participants": len(row.participants),
        "facilitator_licence_numbers": row.licences,
        "package_numbers": row.packages,
        "product_types": row.product_types,
        "intention": row.intention or None,
        "food_and_drink": row.food_and_drink or None,
        "complete": row.complete,
        "missing": row.missing,
        "participant_records": [
            {
                "participant": record.number,
                "package_numbers": record.packages,
                "product_types": record.product_types,
                "amount_mg": record.amount_mg,
                "doses": [
                    {
                        "package_number": dose.package or None,
                        "amount_mg": dose.amount_mg,
                        "units": dose.units,
                        "product_type": dose.product_type or None,
                        "supplemental": dose.kind == EventKind.SUPPLEMENTAL_DOSE,
                    }
                    for dose in record.doses
                ],
                "dosing": record.dosing,
                "missing": record.missing,
            }
            for record in row.participants
        ],
    }


def log_data(log: AdminLog) -> dict[str, Any]:
    items = [row_data(row) for row in log.rows]
    return {
        "report": REPORT_ID,
        "year": log.year,
        "time_zone": str(log.organisation.tzinfo),
        "period_start": log.starts.isoformat(),
        "period_end": log.ends.isoformat(),
        "count": len(items),
        "incomplete": len(log.incomplete),
        # The whole year in one answer: a document to submit, not a list paged through.
        "sessions": items,
    }


def log_json(log: AdminLog) -> str:
    return json.dumps(log_data(log), ensure_ascii=False, sort_keys=True, indent=1) + "\n"


SESSION_COLUMNS = [
    "reference",
    "date",
    "duration_minutes",
    "participants",
    "facilitator_licence_numbers",
    "package_numbers",
    "product_types",
    "intention",
    "food_and_drink",
    "status",
    "missing",
]
PARTICIPANT_COLUMNS = ["package_numbers", "amount_mg", "doses_mg", "product_type", "dosing"]


def csv_columns(log: AdminLog) -> list[str]:
    """The session's columns, then the participant record's per participant: as many as the
    year's largest session has, and at least a couple's two."""
    most = max([2, *(len(row.participants) for row in log.rows)])
    return SESSION_COLUMNS + [
        f"participant_{n}_{column}" for n in range(1, most + 1) for column in PARTICIPANT_COLUMNS
    ]


def log_csv(log: AdminLog) -> str:
    """The log as CSV, each cell safe to open in a spreadsheet, the same bytes every run."""
    columns = csv_columns(log)
    most = (len(columns) - len(SESSION_COLUMNS)) // len(PARTICIPANT_COLUMNS)
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(columns)
    for row in log.rows:
        cells: list[object] = [
            row.reference,
            row.date.isoformat(),
            "" if row.duration_minutes is None else row.duration_minutes,
            len(row.participants),
            "; ".join(row.licences),
            "; ".join(row.packages),
            "; ".join(row.product_types),
            row.intention,
            row.food_and_drink,
            "complete" if row.complete else "incomplete",
            "; ".join(row.missing),
        ]
        for n in range(most):
            record = row.participants[n] if n < len(row.participants) else None
            cells += (
                [
                    "; ".join(record.packages),
                    _mg(record.amount_mg),
                    "; ".join(_mg(d.amount_mg) for d in record.doses),
                    "; ".join(record.product_types),
                    record.dosing,
                ]
                if record
                else [""] * len(PARTICIPANT_COLUMNS)
            )
        writer.writerow(csv_row(cells))
    return output.getvalue()


def session_participant_records(session: MedicineSession) -> list[ParticipantRecord]:
    """SESSION's participant records (4 CCR 755-1 §6.3), for its page (the care team's, the
    caller checked); two queries."""
    organisation = session.organisation
    return participant_records(session_doses(organisation, [session.pk]).get(session.pk, {}))


def csv_filename(log: AdminLog) -> str:
    return f"holdspace-colorado-admin-log-{log.organisation.slug}-{log.year}.csv"


def keeps_admin_log(organisation: Organisation) -> bool:
    return get_profile(organisation.profile).report(REPORT_ID) is not None
