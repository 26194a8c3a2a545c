"""The organisation's dose log: every dose given, for the regulator, with partners as the same
pseudonyms the exports use. Clinical leads only; the CSV is an audited export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from holdspace.accounts.models import Organisation
from holdspace.audit.actions import Action
from holdspace.inventory.doses import DoseLedger, doses_in_ledger
from holdspace.lib.csv import csv_cell
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.sessions import dose_log_organisation, dose_log_organisations
from holdspace.reports.pseudonyms import pseudonym
from holdspace.sessions.models import DOSE_KINDS, EventKind, SessionEvent

PAGE_SIZE = 200

# The dose log --------------------------------------------------------------------------------


class DoseFilterForm(forms.Form):
    # An ISO date only, whatever the locale: the regulator's period is written the same way.
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Give a date as YYYY-MM-DD, e.g. 2025-03-01.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To (inclusive)"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Give a date as YYYY-MM-DD, e.g. 2025-03-31.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    product = forms.CharField(
        label=gettext_lazy("Product contains"),
        required=False,
        max_length=200,
        error_messages={"max_length": gettext_lazy("At most 200 characters.")},
    )

    def add_prefix(self, field_name: str) -> str:
        # The query string says from / to; the fields' names avoid the Python keyword.
        return {"date_from": "from", "date_to": "to"}.get(field_name, field_name)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned

    def filters(self) -> dict[str, str]:
        """The filters as given, for the audit trail and the links that keep them."""
        data = self.cleaned_data
        return {
            key: value
            for key, value in (
                ("from", data["date_from"].isoformat() if data.get("date_from") else ""),
                ("to", data["date_to"].isoformat() if data.get("date_to") else ""),
                ("product", data.get("product", "")),
            )
            if value
        }


@dataclass(frozen=True)
class DoseRow:
    event: SessionEvent
    partner: str  # the pseudonym the de-identified exports use
    amount_mg: float
    corrected: dict[str, Any]  # what corrections changed: amount_mg, product, lot
    ledger: DoseLedger | None = None  # the lot and units, where the dose came from the ledger

    @property
    def lot(self) -> str:
        return self.ledger.lot_number if self.ledger else str(self.event.data.get("lot", ""))

    @property
    def corrected_amount_mg(self) -> float | None:
        value = self.corrected.get("amount_mg")
        return float(value) if value is not None else None


def _doses(organisation_id: int, form: DoseFilterForm) -> QuerySet[SessionEvent]:
    doses = SessionEvent.objects.filter(organisation_id=organisation_id, kind__in=DOSE_KINDS)
    data = form.cleaned_data
    if data.get("date_from"):
        start = dt.datetime.combine(data["date_from"], dt.time.min)
        doses = doses.filter(occurred_at__gte=timezone.make_aware(start))
    if data.get("date_to"):
        end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min)
        doses = doses.filter(occurred_at__lt=timezone.make_aware(end))
    if data.get("product"):
        doses = doses.filter(data__product__icontains=data["product"])
    return doses.select_related("recorded_by")


def _rows(organisation_id: int, doses: Iterable[SessionEvent]) -> list[DoseRow]:
    """Each dose with its pseudonym, what its corrections changed and, for a dose from the
    product ledger, its lot and units (two more queries)."""
    doses = list(doses)
    changes: dict[int, dict[str, Any]] = {}
    for correction in SessionEvent.objects.filter(
        organisation_id=organisation_id,
        kind=EventKind.CORRECTION,
        corrects_id__in=[dose.pk for dose in doses],
    ).order_by("occurred_at", "id"):
        corrected = correction.data.get("data")
        if isinstance(corrected, Mapping) and correction.corrects_id is not None:
            changes.setdefault(correction.corrects_id, {}).update(corrected)
    ledger = doses_in_ledger(doses)
    rows = []
    for dose in doses:
        changed = {
            key: value
            for key, value in changes.get(dose.pk, {}).items()
            if key in {"amount_mg", "product", "lot"} and dose.data.get(key) != value
        }
        rows.append(
            DoseRow(
                event=dose,
                partner=pseudonym("partner", organisation_id, dose.partner_id or 0),
                amount_mg=float(dose.data.get("amount_mg", 0)),
                corrected=changed,
                ledger=ledger.get(dose.pk),
            )
        )
    return rows


@dataclass(frozen=True)
class DoseLogPage:
    page: Page[SessionEvent] | None
    rows: list[DoseRow]
    filters: dict[str, str]


def dose_log_read(
    *, viewer: Viewer, organisation: Organisation, form: DoseFilterForm, page: str | None
) -> DoseLogPage:
    """One page of ORGANISATION's dose log (from dose_log_organisation) for FORM's filters,
    newest first; audited. Nothing is read while the filters are bad."""
    if not form.is_valid():
        return DoseLogPage(None, [], {})
    filters = form.filters()
    doses = _doses(organisation.pk, form).order_by("-occurred_at", "-id")
    found = Paginator(doses, PAGE_SIZE).get_page(page)
    rows = _rows(organisation.pk, found.object_list)
    viewer.audit(
        Action.DOSE_LOG_READ,
        organisation,
        object_type="dose_log",
        filters=filters,
        page=found.number,
        rows=len(rows),
    )
    return DoseLogPage(found, rows, filters)


def dose_log_export(
    *, viewer: Viewer, organisation: Organisation, form: DoseFilterForm
) -> list[DoseRow]:
    """Every row of ORGANISATION's dose log for FORM's (valid) filters, oldest first: an
    audited export."""
    rows = _rows(organisation.pk, _doses(organisation.pk, form).order_by("occurred_at", "id"))
    viewer.audit(
        Action.EXPORT_DOSES,
        organisation,
        object_type="dose_log_csv",
        filters=form.filters(),
        rows=len(rows),
    )
    return rows


@login_required
@require_GET
def dose_log(request: HttpRequest) -> HttpResponse:
    """The organisation's dose log, newest first, 200 to a page. A bad filter is answered
    400 with the reason beside the field."""
    viewer = viewer_from_request(request)
    organisation = dose_log_organisation(
        viewer, request.GET.get("org"), attempted="read the dose log of"
    )
    form = DoseFilterForm(request.GET)
    found = dose_log_read(
        viewer=viewer, organisation=organisation, form=form, page=request.GET.get("page")
    )
    leads = dose_log_organisations(viewer)
    return render(
        request,
        "sessions/doses.html",
        {
            "organisation": organisation,
            "organisations": (
                list(Organisation.objects.filter(pk__in=leads).order_by("name"))
                if len(leads) > 1
                else []
            ),
            "form": form,
            "page": found.page,
            "rows": found.rows,
            "query": urlencode({"org": organisation.pk, **found.filters}),
        },
        status=200 if form.is_valid() else 400,
    )


CSV_COLUMNS = [
    "occurred_at",
    "session_id",
    "partner",
    "kind",
    "product",
    "lot",
    "units",
    "corrected_units",
    "amount_mg",
    "corrected_amount_mg",
    "administered_by",
]


@login_required
@require_GET
def dose_log_csv(request: HttpRequest) -> HttpResponse:
    """The dose log's rows for the same filters, oldest first, as an audited export."""
    viewer = viewer_from_request(request)
    organisation = dose_log_organisation(
        viewer, request.GET.get("org"), attempted="export the dose log of"
    )
    form = DoseFilterForm(request.GET)
    if not form.is_valid():
        problems = "\n".join(
            f"{form.add_prefix(name)}: {' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        )
        return HttpResponse(problems + "\n", status=400, content_type="text/plain; charset=utf-8")
    rows = dose_log_export(viewer=viewer, organisation=organisation, form=form)
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        dose = row.event
        corrected = row.corrected_amount_mg
        writer.writerow(
            csv_cell(value)
            for value in (
                timezone.localtime(dose.occurred_at).isoformat(),
                dose.session_id,
                row.partner,
                dose.kind,
                dose.data.get("product", ""),
                row.lot,
                row.ledger.units if row.ledger else "",
                row.ledger.corrected_units if row.ledger else "",
                f"{row.amount_mg:g}",
                "" if corrected is None else f"{corrected:g}",
                dose.recorded_by.display_name,
            )
        )
    response = HttpResponse(output.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="holdspace-doses-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
