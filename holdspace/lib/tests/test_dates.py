"""Every date or time a person enters, through the real web form and the real API: one row per
(form or API body, field, implausible value, the message that names the window). Each row
checks the answer (422, the message beside the field) and that nothing was saved."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.db.models import Model
from django.utils import timezone

from holdspace.conftest import Cast, joined_before, make_session
from holdspace.facilitators.models import Credential
from holdspace.integration.models import CommitmentRevision, IntegrationSession
from holdspace.integration.services import commitment_create
from holdspace.inventory.models import Lot
from holdspace.inventory.services import EXPIRY_AHEAD
from holdspace.lib.api import Input
from holdspace.lib.dates import (
    COMMITMENT_LOOKBACK,
    CREDENTIAL_AHEAD,
    CREDENTIAL_LOOKBACK,
    PLAN_AHEAD,
    RECORD_LOOKBACK,
    day_text,
)
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.models import PreparationSession
from holdspace.screening.models import Screening
from holdspace.screening.rules import rule_set
from holdspace.sessions.models import Discharge, MedicineSession, SessionEvent

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _local(at: dt.datetime) -> str:
    """AT as a datetime-local input sends it."""
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def _json(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@dataclass(frozen=True)
class Row:
    """One implausible value: SEND posts it (web or API) after SETUP; MESSAGE (a regular
    expression, built once the setup has run) is the error on FIELD; no new MODEL row."""

    id: str
    via: str  # "web" (the HTML form, or the console's JSON post) or "api"
    field: str
    model: type[Model]
    send: Callable[[Cast], Any]
    message: Callable[[Cast], str]
    setup: Callable[[Cast], None] = lambda cast: None


def _joined(days_ago: int) -> Callable[[Cast], None]:
    def setup(cast: Cast) -> None:
        joined_before(cast.couple, timezone.now(), days=days_ago)

    return setup


def _joined_text(cast: Cast) -> str:
    cast.couple.refresh_from_db(fields=["created_at"])
    return re.escape(day_text(cast.couple.created_at))


def _ago(delta: dt.timedelta) -> str:
    return re.escape(day_text(timezone.now() - delta))


def _ahead(delta: dt.timedelta) -> str:
    return re.escape(day_text(timezone.now() + delta))


FUTURE_HELD = re.escape("Record a session once it has been held: this time is in the future.")


# The senders: one per form and API body -----------------------------------------------------


def _session_booked(cast: Cast) -> None:
    """A medicine session booked five days ahead (tentative: the couple is preparing)."""
    starts = (timezone.now() + 5 * DAY).isoformat()
    answer = _json(
        cast.api("facilitator"),
        f"/api/v1/couples/{cast.couple.pk}/sessions",
        {"starts_at": starts, "facilitator_ids": [cast.facilitator.pk]},
    )
    assert answer.status_code == 201, answer.content


def _session_moved(via: str, at: dt.datetime) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        session = MedicineSession.objects.get()
        if via == "api":
            return cast.api("facilitator").patch(
                f"/api/v1/sessions/{session.pk}",
                json.dumps({"starts_at": at.isoformat()}),
                content_type="application/json",
            )
        return cast.client("facilitator").post(
            f"/sessions/{session.pk}/booking/move", {"starts_at": _local(at), "room": ""}
        )

    return send


def _preparation_booked(
    via: str, at: dt.datetime, ends: dt.datetime | None = None
) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        if via == "api":
            body: dict[str, Any] = {
                "kind": "joint",
                "starts_at": at.isoformat(),
                "facilitator_id": cast.facilitator.pk,
            }
            if ends is not None:
                body["ends_at"] = ends.isoformat()
            return _json(
                cast.api("facilitator"),
                f"/api/v1/couples/{cast.couple.pk}/preparation-sessions",
                body,
            )
        return cast.client("facilitator").post(
            f"/couples/{cast.couple.pk}/preparation/book/",
            {"kind": "joint", "starts_at": _local(at), "facilitator": cast.facilitator.pk},
        )

    return send


def _preparation(at: dt.datetime | str) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        return cast.client("facilitator").post(
            f"/couples/{cast.couple.pk}/preparation/new/",
            {
                "kind": "private",
                "partner": cast.partner_a.pk,
                "held_at": at if isinstance(at, str) else _local(at),
                "facilitator": cast.facilitator.pk,
            },
        )

    return send


def _integration_held(at: dt.datetime | str) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        return cast.client("facilitator").post(
            f"/couples/{cast.couple.pk}/integration/sessions",
            {
                "held_at": at if isinstance(at, str) else _local(at),
                "partner": "",
                "facilitator": cast.facilitator.pk,
            },
        )

    return send


def _integration_planned(at: dt.datetime) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        return cast.client("facilitator").post(
            f"/couples/{cast.couple.pk}/integration/schedule",
            {
                "at": _local(at),
                "partner": "",
                "facilitator": cast.facilitator.pk,
            },
        )

    return send


def _commitment(via: str, day: dt.date) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        if via == "api":
            return _json(
                cast.api("partner_a"),
                f"/api/v1/couples/{cast.couple.pk}/commitments",
                {
                    "description": "A walk",
                    "who": "both",
                    "cadence": "weekly",
                    "starts_on": str(day),
                },
            )
        return cast.client("partner_a").post(
            f"/couples/{cast.couple.pk}/commitments/add",
            {
                "description": "A walk",
                "who": "both",
                "cadence": "weekly",
                "starts_on": str(day),
            },
        )

    return send


def _commitment_made(cast: Cast) -> None:
    viewer = cast.viewer("partner_a")
    commitment_create(
        viewer=viewer,
        couple=get_couple_for(viewer, cast.couple.pk),
        description="A walk",
        who="both",
        cadence="weekly",
    )


def _commitment_revised(day: dt.date) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        revision = CommitmentRevision.objects.get()
        prefix = f"r{revision.commitment_id}"
        return cast.client("partner_a").post(
            f"/couples/{cast.couple.pk}/commitments/{revision.commitment_id}/revise",
            {
                f"{prefix}-description": "A longer walk",
                f"{prefix}-who": "both",
                f"{prefix}-cadence": "weekly",
                f"{prefix}-starts_on": str(day),
            },
        )

    return send


def _credential(issued_on: str, expires_on: str) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        return cast.client("facilitator").post(
            f"/facilitators/{cast.facilitator.pk}/credentials",
            {
                "c-kind": "bls",
                "c-title": "Basic Life Support",
                "c-issued_on": issued_on,
                "c-expires_on": expires_on,
            },
        )

    return send


def _medicine_session(via: str, at: dt.datetime) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        if via == "api":
            return _json(
                cast.api("facilitator"),
                f"/api/v1/couples/{cast.couple.pk}/sessions",
                {"starts_at": at.isoformat(), "facilitator_ids": [cast.facilitator.pk]},
            )
        return cast.client("facilitator").post(
            f"/couples/{cast.couple.pk}/sessions/new/",
            {"starts_at": _local(at), "facilitators": [cast.facilitator.pk]},
        )

    return send


def _in_session(cast: Cast) -> None:
    make_session(cast)


def _vital_sign(via: str) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        session = MedicineSession.objects.get()
        # The console's script sends to the same endpoint, with the signed-in session.
        client = cast.api("facilitator") if via == "api" else cast.client("facilitator")
        return _json(
            client,
            f"/api/v1/sessions/{session.pk}/events",
            {
                "id": str(uuid.uuid4()),
                "partner_id": cast.partner_a.pk,
                "kind": "vitals",
                "occurred_at": (timezone.now() + dt.timedelta(hours=2)).isoformat(),
                "data": {"systolic": 128, "diastolic": 82},
            },
        )

    return send


def _dosed(cast: Cast) -> None:
    """A session of A & B scheduled two days ago; both partners dosed four hours ago."""
    session = make_session(cast, starts_at=timezone.now() - 2 * DAY)
    for partner, kind, data in (
        (None, "note", {"text": "Both arrived"}),
        (cast.partner_a, "dose", DOSE),
        (cast.partner_b, "dose", DOSE),
    ):
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "occurred_at": (timezone.now() - dt.timedelta(minutes=250)).isoformat(),
            "data": data,
        }
        if partner is not None:
            body["partner_id"] = partner.pk
        response = _json(cast.api("facilitator"), f"/api/v1/sessions/{session.pk}/events", body)
        assert response.status_code == 201, response.content


DOSE = {"amount_mg": 20, "product": "Golden Teacher capsules", "lot": "GT-2609"}


def _discharge(via: str) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        session = MedicineSession.objects.get()
        left = timezone.now() - dt.timedelta(minutes=300)
        if via == "api":
            return _json(
                cast.api("facilitator"),
                f"/api/v1/sessions/{session.pk}/discharge",
                {
                    "partner_id": cast.partner_a.pk,
                    "transport_confirmed": True,
                    "left_at": left.isoformat(),
                },
            )
        return cast.client("facilitator").post(
            f"/sessions/{session.pk}/discharge/{cast.partner_a.pk}/",
            {"transport_confirmed": "on", "left_at": _local(left)},
        )

    return send


# The table ---------------------------------------------------------------------------------

NOW = timezone.now  # evaluated inside each row, so a row built at import is never stale
TODAY = timezone.localdate


def YEAR_AGO(what: str) -> Callable[[Cast], str]:
    return lambda cast: (
        re.escape(f"{what} cannot be more than a year ago (before ") + _ago(RECORD_LOOKBACK)
    )


def BEFORE_JOINED(what: str) -> Callable[[Cast], str]:
    return lambda cast: (
        re.escape(f"{what} cannot be before the couple joined on ") + _joined_text(cast)
    )


# Long because it is one table: a row per (form or body, field, bad value).
def _rows() -> list[Row]:
    now, today = NOW(), TODAY()
    rows = [
        Row(
            "preparation held in the future",
            "web",
            "held_at",
            PreparationSession,
            _preparation(now + 2 * DAY),
            lambda cast: FUTURE_HELD,
        ),
        Row(
            "preparation held before the couple joined",
            "web",
            "held_at",
            PreparationSession,
            _preparation(now - 20 * DAY),
            BEFORE_JOINED("A preparation session"),
            _joined(10),
        ),
        Row(
            "preparation held in 1999",
            "web",
            "held_at",
            PreparationSession,
            _preparation("1999-05-01T10:00"),
            BEFORE_JOINED("A preparation session"),
            _joined(10),
        ),
        Row(
            "preparation held more than a year ago",
            "web",
            "held_at",
            PreparationSession,
            _preparation(now - 400 * DAY),
            YEAR_AGO("A preparation session"),
            _joined(3 * 365),
        ),
        Row(
            "integration held in the future",
            "web",
            "held_at",
            IntegrationSession,
            _integration_held(now + 2 * DAY),
            lambda cast: FUTURE_HELD,
        ),
        Row(
            "integration held before the couple joined",
            "web",
            "held_at",
            IntegrationSession,
            _integration_held(now - 20 * DAY),
            BEFORE_JOINED("An integration session"),
            _joined(10),
        ),
        Row(
            "integration held more than a year ago",
            "web",
            "held_at",
            IntegrationSession,
            _integration_held(now - 400 * DAY),
            YEAR_AGO("An integration session"),
            _joined(3 * 365),
        ),
        Row(
            "integration scheduled in the past",
            "web",
            "at",
            IntegrationSession,
            _integration_planned(now - DAY),
            lambda cast: re.escape("Schedule a session in the future; record one already held."),
        ),
        Row(
            "integration scheduled more than a year ahead",
            "web",
            "at",
            IntegrationSession,
            _integration_planned(now + 400 * DAY),
            lambda cast: (
                re.escape(
                    "An integration session cannot be scheduled more than a year ahead (after "
                )
                + _ahead(PLAN_AHEAD)
            ),
        ),
        Row(
            "credential issued in the future",
            "web",
            "issued_on",
            Credential,
            _credential(str(today + DAY), str(today + 700 * DAY)),
            lambda cast: re.escape("A credential cannot be issued in the future."),
        ),
        Row(
            "credential issued in 1900",
            "web",
            "issued_on",
            Credential,
            _credential("1900-01-01", str(today + 700 * DAY)),
            lambda cast: (
                re.escape("A credential cannot be issued more than 50 years ago (before ")
                + re.escape(day_text(TODAY() - CREDENTIAL_LOOKBACK))
            ),
        ),
        Row(
            "credential expiring in 2100",
            "web",
            "expires_on",
            Credential,
            _credential(str(today - DAY), "2100-01-01"),
            lambda cast: (
                re.escape("A credential cannot expire more than 10 years ahead (after ")
                + re.escape(day_text(TODAY() + CREDENTIAL_AHEAD))
            ),
        ),
        Row(
            "credential expiring before it was issued",
            "web",
            "expires_on",
            Credential,
            _credential(str(today - DAY), str(today - 30 * DAY)),
            lambda cast: re.escape("The expiry date is before the issue date."),
        ),
        Row(
            "commitment revised to start more than a year ahead",
            "web",
            "starts_on",
            CommitmentRevision,
            _commitment_revised(today + 400 * DAY),
            lambda cast: (
                re.escape("A commitment cannot start more than a year ahead (after ")
                + re.escape(day_text(TODAY() + PLAN_AHEAD))
            ),
            _commitment_made,
        ),
    ]
    for via in ("web", "api"):
        rows += [
            Row(
                f"medicine session moved into the past ({via})",
                via,
                "starts_at",
                MedicineSession,
                _session_moved(via, now - DAY),
                lambda cast: re.escape("Choose a start time in the future."),
                _session_booked,
            ),
            Row(
                f"preparation booked in the past ({via})",
                via,
                "starts_at",
                PreparationSession,
                _preparation_booked(via, now - DAY),
                lambda cast: re.escape(
                    "Schedule a session in the future; record one already held."
                ),
            ),
        ]
    rows.append(
        Row(
            "preparation booked to end before it starts (api)",
            "api",
            "ends_at",
            PreparationSession,
            _preparation_booked("api", now + DAY, now + DAY - dt.timedelta(hours=1)),
            lambda cast: re.escape("The end must be after the start."),
        )
    )
    for via in ("web", "api"):
        rows += [
            Row(
                f"commitment starting more than a year ago ({via})",
                via,
                "starts_on",
                CommitmentRevision,
                _commitment(via, today - 400 * DAY),
                lambda cast: (
                    re.escape("A commitment cannot start more than a year ago (before ")
                    + re.escape(day_text(TODAY() - COMMITMENT_LOOKBACK))
                ),
            ),
            Row(
                f"commitment starting more than a year ahead ({via})",
                via,
                "starts_on",
                CommitmentRevision,
                _commitment(via, today + 400 * DAY),
                lambda cast: (
                    re.escape("A commitment cannot start more than a year ahead (after ")
                    + re.escape(day_text(TODAY() + PLAN_AHEAD))
                ),
            ),
            Row(
                f"medicine session in the past ({via})",
                via,
                "starts_at",
                MedicineSession,
                _medicine_session(via, now - DAY),
                lambda cast: re.escape("Choose a start time in the future."),
            ),
            Row(
                f"medicine session more than a year ahead ({via})",
                via,
                "starts_at",
                MedicineSession,
                _medicine_session(via, now + 400 * DAY),
                lambda cast: "more than a year ahead",
            ),
            Row(
                f"vital sign in the future ({via})",
                via,
                "occurred_at",
                SessionEvent,
                _vital_sign(via),
                lambda cast: re.escape("This time is in the future."),
                _in_session,
            ),
            Row(
                f"discharge before the dose ({via})",
                via,
                "left_at",
                Discharge,
                _discharge(via),
                lambda cast: re.escape("is before the partner's first dose"),
                _dosed,
            ),
        ]
    for via in ("web", "api"):
        for what, born, message in (
            ("tomorrow", today + DAY, "cannot be in the future"),
            ("in 1899", dt.date(1899, 5, 1), "before 1900 cannot be right"),
            ("under age", today - 20 * 365 * DAY, "only for people aged 21 or older"),
        ):
            rows.append(
                Row(
                    f"date of birth {what} ({via})",
                    via,
                    "date_of_birth",
                    Screening,
                    _screening(via, born),
                    lambda cast, message=message: re.escape(message),
                )
            )
    rows += _ledger_rows()
    return rows


# The product ledger: a lot's test and expiry dates, when received and when its status changes.


def _lot_body(tested_on: str, expires_on: str) -> dict[str, str]:
    return {
        "id": str(uuid.uuid4()),
        "lot_number": "DATES-1",
        "product_name": "Dried fungi",
        "product_type": "whole_fungi",
        "source_licence": "PSI-MFG-1",
        "source_name": "Source LLC",
        "units": "10",
        "mg_per_unit": "5",
        "lab_result": "pass",
        "status": "quarantined",
        "tested_on": tested_on,
        "expires_on": expires_on,
    }


def _lot_received(via: str, tested_on: str, expires_on: str) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        body = _lot_body(tested_on, expires_on)
        if via == "api":
            return _json(cast.api("lead"), "/api/v1/inventory/lots", body)
        return cast.client("lead").post("/inventory/lots/new/", body)

    return send


def _lot_tested(via: str, tested_on: str) -> Callable[[Cast], Any]:
    def send(cast: Cast) -> Any:
        lot = Lot.objects.get(lot_number="DATES-0")
        body = {"status": "released", "lab_result": "pass", "tested_on": tested_on}
        if via == "api":
            return _json(cast.api("lead"), f"/api/v1/inventory/lots/{lot.pk}/status", body)
        return cast.client("lead").post(f"/inventory/lots/{lot.pk}/status", body)

    return send


def _pending_lot(cast: Cast) -> None:
    body = {**_lot_body("", ""), "lot_number": "DATES-0", "lab_result": "pending"}
    assert cast.client("lead").post("/inventory/lots/new/", body).status_code == 302


def _ledger_rows() -> list[Row]:
    today = TODAY()
    rows = []
    for via in ("web", "api"):
        rows += [
            Row(
                f"lot tested in the future ({via})",
                via,
                "tested_on",
                Lot,
                _lot_received(via, str(today + DAY), str(today + 300 * DAY)),
                lambda cast: re.escape("The test date cannot be in the future."),
            ),
            Row(
                f"lot tested in 1999 ({via})",
                via,
                "tested_on",
                Lot,
                _lot_received(via, "1999-05-01", str(today + 300 * DAY)),
                lambda cast: re.escape("The test date cannot be before 1 Jan 2000."),
            ),
            Row(
                f"lot expiring in 2100 ({via})",
                via,
                "expires_on",
                Lot,
                _lot_received(via, str(today - DAY), "2100-01-01"),
                lambda cast: (
                    re.escape("A lot cannot expire more than 10 years ahead (after ")
                    + re.escape(day_text(TODAY() + EXPIRY_AHEAD))
                ),
            ),
            Row(
                f"lot expiring before its test ({via})",
                via,
                "expires_on",
                Lot,
                _lot_received(via, str(today - DAY), str(today - 30 * DAY)),
                lambda cast: re.escape("The expiry date must be after the test date."),
            ),
            Row(
                f"lot's new test in the future ({via})",
                via,
                "tested_on",
                Lot,
                _lot_tested(via, str(today + 2 * DAY)),
                lambda cast: re.escape("The test date cannot be in the future."),
                _pending_lot,
            ),
        ]
    return rows


def _screening(via: str, born: dt.date) -> Callable[[Cast], Any]:
    """Partner A's intake with BORN as their date of birth."""

    def send(cast: Cast) -> Any:
        url = f"/couples/{cast.couple.pk}/partners/{cast.partner_a.pk}/screening/"
        if via == "web":
            return cast.client("partner_a").post(
                url,
                {
                    "substance": "psilocybin",
                    "date_of_birth": born.isoformat(),
                    **{f"q_{code}": "no" for code in rule_set().questions},
                },
            )
        body = {
            "substance": "psilocybin",
            "date_of_birth": born.isoformat(),
            "answers": {code: False for code in rule_set().questions},
        }
        return cast.api("partner_a").post(
            f"/api/v1/couples/{cast.couple.pk}/screenings",
            json.dumps(body),
            content_type="application/json",
        )

    return send


def _web_errors(response: Any) -> str:
    return html.unescape(response.content.decode())


def _api_errors(response: Any, field: str) -> list[str]:
    return [
        problem["msg"] for problem in response.json()["detail"] if str(problem["loc"][-1]) == field
    ]


@pytest.mark.parametrize("row", [pytest.param(row, id=row.id) for row in _rows()])
def test_it_refuses_an_implausible_date_with_a_message_naming_the_window(
    cast: Cast, row: Row
) -> None:
    row.setup(cast)
    before = row.model._default_manager.count()
    response = row.send(cast)
    assert response.status_code == 422, response.content[:2000]
    expected = row.message(cast)
    if row.via == "api" or response.get("Content-Type", "").startswith("application/json"):
        found = (
            _api_errors(response, row.field)
            if row.via == "api"
            else [m for ms in response.json().get("errors", {}).values() for m in ms]
            or [str(response.json())]
        )
        assert any(re.search(expected, m) for m in found), (expected, response.json())
    else:
        page = _web_errors(response)
        assert re.search(expected, page), (expected, page[:4000])
    assert row.model._default_manager.count() == before


# Where each row's value goes in: every date or time field of a form or API body.
COVERED = {
    ("holdspace.preparation.forms.PreparationSessionForm", "held_at"): "preparation held",
    ("holdspace.integration.forms.IntegrationSessionForm", "held_at"): "integration held",
    ("holdspace.integration.forms.ScheduleForm", "at"): "integration scheduled",
    ("holdspace.integration.forms.CommitmentForm", "starts_on"): "commitment",
    ("holdspace.integration.api.CommitmentIn", "starts_on"): "commitment",
    ("holdspace.facilitators.views.CredentialForm", "issued_on"): "credential issued",
    ("holdspace.facilitators.views.CredentialForm", "expires_on"): "credential expiring",
    ("holdspace.sessions.forms.ScheduleForm", "starts_at"): "medicine session",
    ("holdspace.sessions.api.SessionIn", "starts_at"): "medicine session",
    ("holdspace.sessions.api.EventIn", "occurred_at"): "vital sign",
    ("holdspace.sessions.api.DischargeIn", "left_at"): "discharge",
    ("holdspace.sessions.forms.DischargeForm", "left_at"): "discharge",
    ("holdspace.screening.forms.ScreeningForm", "date_of_birth"): "date of birth",
    ("holdspace.screening.api.ScreeningIn", "date_of_birth"): "date of birth",
    ("holdspace.sessions.forms.MoveForm", "starts_at"): "medicine session moved",
    ("holdspace.sessions.api.SessionChangeIn", "starts_at"): "medicine session moved",
    ("holdspace.preparation.forms.PreparationBookForm", "starts_at"): "preparation booked",
    ("holdspace.preparation.api.PreparationBookIn", "starts_at"): "preparation booked",
    ("holdspace.preparation.api.PreparationBookIn", "ends_at"): "preparation booked",
    ("holdspace.inventory.forms.LotForm", "tested_on"): "lot tested",
    ("holdspace.inventory.forms.LotForm", "expires_on"): "lot expiring",
    ("holdspace.inventory.api.LotIn", "tested_on"): "lot tested",
    ("holdspace.inventory.api.LotIn", "expires_on"): "lot expiring",
    ("holdspace.inventory.forms.StatusForm", "tested_on"): "lot's new test",
    ("holdspace.inventory.api.StatusIn", "tested_on"): "lot's new test",
}
# Filters that choose what a page lists, not dates anyone records.
NOT_ENTERED = {
    ("holdspace.sessions.doselog.DoseFilterForm", "date_from"),
    ("holdspace.sessions.doselog.DoseFilterForm", "date_to"),
    ("holdspace.bookings.api.CalendarQuery", "start"),
    ("holdspace.bookings.api.CalendarQuery", "end"),
}


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(c) for c in found)) if found else found


def _is_date(annotation: Any) -> bool:
    args = typing.get_args(annotation)
    return annotation in (dt.date, dt.datetime) or any(_is_date(a) for a in args)


def test_it_has_a_row_for_every_date_field_of_every_form_and_api_body() -> None:
    """A new date input on a form or in an API body fails here until the table covers it."""

    fields = {
        (f"{form.__module__}.{form.__qualname__}", name)
        for form in _subclasses(forms.Form)
        if form.__module__.startswith("holdspace.")
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
    } | {
        (f"{schema.__module__}.{schema.__qualname__}", name)
        for schema in _subclasses(Input)
        if schema.__module__.startswith("holdspace.")
        for name, field in schema.model_fields.items()
        if _is_date(field.annotation)
    }
    assert fields - NOT_ENTERED == set(COVERED)
    row_ids = [row.id for row in _rows()]
    for (where, _field), prefix in COVERED.items():
        via = "api" if ".api." in where else "web"
        assert any(
            i.startswith(prefix) and (via == "web" or i.endswith("(api)")) for i in row_ids
        ), (where, prefix)
