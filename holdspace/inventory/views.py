"""The product ledger's pages: the organisation's ledger (/inventory/), receiving a lot, one
lot with its lines, counts and (for clinical leads and org admins) the forms that change it,
and the CSV for the state's tracking system."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.accounts.models import Organisation
from holdspace.inventory.forms import LotForm, MovementForm, ReconcileForm, StatusForm
from holdspace.inventory.models import LedgerLine, LineKind, Lot, LotStatus, ProductType
from holdspace.inventory.selectors import LotPage, ledger_export, ledger_page, lot_page
from holdspace.inventory.services import (
    InsufficientStock,
    LedgerConflict,
    LotConflict,
    LotInput,
    LotNumberTaken,
    ReconciliationConflict,
    lot_movement_record,
    lot_receive,
    lot_reconcile,
    lot_status_change,
)
from holdspace.lib.csv import csv_cell
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import viewer_from_request
from holdspace.policy.inventory import (
    get_lot_for,
    ledger_organisation_for,
    require_ledger_manage,
)


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = ledger_organisation_for(viewer, request.GET.get("org"))
    status = request.GET.get("status") or ""
    if status not in LotStatus.values:
        status = ""
    page = ledger_page(
        viewer=viewer, organisation=organisation, status=status, page=request.GET.get("page")
    )
    return render(
        request,
        "inventory/ledger.html",
        {
            "page": page,
            "organisation": organisation,
            "status": status,
            "statuses": LotStatus.choices,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lot_new(request: HttpRequest) -> HttpResponse:
    """Receive a lot: the form, and its answer (kept as typed, errors beside the fields)."""
    viewer = viewer_from_request(request)
    organisation = ledger_organisation_for(
        viewer, request.GET.get("org"), manage=True, attempted="receive lots into"
    )
    if request.method != "POST":
        form = LotForm(
            initial={"id": uuid.uuid4(), "status": LotStatus.QUARANTINED, "lab_result": "pending"}
        )
        return _lot_form(request, organisation, form)
    form = LotForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            received = lot_receive(
                viewer=viewer,
                organisation=organisation,
                data=LotInput(**{k: v for k, v in data.items() if k != "id"}),
                receipt_id=data["id"],
            )
        except LotNumberTaken as exc:
            form.add_error("lot_number", exc.message)
        except LotConflict:
            form.add_error(None, _("That form was already used for another lot: start again."))
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            lot = received.lot
            if received.created:
                messages.success(
                    request,
                    _("Lot %(n)s was received: %(u)d units.")
                    % {"n": lot.lot_number, "u": lot.units_received},
                )
            else:
                messages.info(request, _("That form was already saved."))
            return redirect("inventory_lot", lot.pk)
    return _lot_form(request, organisation, form, status=422)


def _lot_form(
    request: HttpRequest, organisation: Organisation, form: LotForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "inventory/lot_new.html",
        {"organisation": organisation, "form": form},
        status=status,
    )


@login_required
@require_GET
def lot_detail(request: HttpRequest, lot_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    lot = get_lot_for(viewer, lot_id)
    return _lot_page(request, lot_page(viewer=viewer, lot=lot))


def _lot_page(
    request: HttpRequest,
    page: LotPage,
    *,
    status_form: StatusForm | None = None,
    movement_form: MovementForm | None = None,
    reconcile_form: ReconcileForm | None = None,
) -> HttpResponse:
    """The lot's page; with a form that was refused, that form as typed (422)."""
    lot = page.lot
    witnesses = [(u.pk, u.display_name) for u in page.witnesses]
    me = viewer_from_request(request).user
    counters = [(me.pk, _("You (%(name)s)") % {"name": me.display_name})]
    refused = status_form or movement_form or reconcile_form
    # The forms sit below the ledger: a refused one is named at the top, with a link to it.
    refused_form: tuple[str, str] | None = None
    if movement_form:
        refused_form = ("movement", _("The movement was not recorded."))
    elif reconcile_form:
        refused_form = ("count", _("The count was not recorded."))
    elif status_form:
        refused_form = ("status", _("The status was not changed."))
    return render(
        request,
        "inventory/lot.html",
        {
            "page": page,
            "lot": lot,
            "organisation": lot.organisation,
            "refused_form": refused_form,
            "status_form": status_form
            or StatusForm(initial={"status": lot.status, "tested_on": lot.tested_on}),
            "movement_form": movement_form
            or MovementForm(initial={"id": uuid.uuid4()}, witnesses=witnesses),
            "reconcile_form": reconcile_form
            or ReconcileForm(
                initial={"id": uuid.uuid4(), "counted_by_id": me.pk},
                counters=counters + witnesses,
            ),
        },
        status=422 if refused else 200,
    )


@login_required
@post_only
def lot_status(request: HttpRequest, lot_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    lot = get_lot_for(viewer, lot_id)
    require_ledger_manage(viewer, lot.organisation_id, action="change the status of lots in")
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = lot_status_change(
                viewer=viewer,
                lot=lot,
                status=data["status"],
                lab_result=data["lab_result"] or None,
                tested_on=data["tested_on"],
                note=data["note"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            if changed:
                messages.success(
                    request,
                    _("Lot %(n)s is now %(s)s.")
                    % {"n": lot.lot_number, "s": LotStatus(lot.status).label.lower()},
                )
            else:
                messages.info(request, _("Nothing changed: the lot already had that status."))
            return redirect("inventory_lot", lot.pk)
    return _lot_page(request, lot_page(viewer=viewer, lot=lot), status_form=form)


@login_required
@post_only
def lot_movement(request: HttpRequest, lot_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    lot = get_lot_for(viewer, lot_id)
    require_ledger_manage(viewer, lot.organisation_id, action="record movements in")
    page = lot_page(viewer=viewer, lot=lot)
    form = MovementForm(request.POST, witnesses=[(u.pk, u.display_name) for u in page.witnesses])
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = lot_movement_record(
                viewer=viewer,
                lot=lot,
                line_id=data["id"],
                kind=data["kind"],
                units=data["units"],
                reason=data["reason"],
                witness_id=data["witness_id"],
            )
        except InsufficientStock as exc:
            form.add_error("units", str(exc))
        except LedgerConflict:
            form.add_error(None, _("That form was already used for another movement."))
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            line = moved.line
            if moved.created:
                # An adjustment is signed as it was given (-2 or +3); waste and return take away.
                units = f"{line.units:+d}" if line.kind == LineKind.ADJUSTMENT else abs(line.units)
                messages.success(
                    request,
                    _("Recorded: %(k)s of %(u)s unit(s); %(b)d on hand.")
                    % {"k": LineKind(line.kind).label, "u": units, "b": line.balance},
                )
            else:
                messages.info(request, _("That form was already saved."))
            return redirect("inventory_lot", lot.pk)
    return _lot_page(request, page, movement_form=form)


@login_required
@post_only
def lot_count(request: HttpRequest, lot_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    lot = get_lot_for(viewer, lot_id)
    require_ledger_manage(viewer, lot.organisation_id, action="reconcile lots in")
    page = lot_page(viewer=viewer, lot=lot)
    me = viewer.user
    counters = [(me.pk, me.display_name)]
    form = ReconcileForm(
        request.POST, counters=counters + [(u.pk, u.display_name) for u in page.witnesses]
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            counted = lot_reconcile(
                viewer=viewer,
                lot=lot,
                count_id=data["id"],
                counted_units=data["counted_units"],
                note=data["note"],
                counted_by_id=data["counted_by_id"],
            )
        except ReconciliationConflict:
            form.add_error(None, _("That form was already used for another count."))
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            count = counted.reconciliation
            if counted.created:
                messages.success(
                    request,
                    _("Count recorded: %(c)d counted, %(l)d in the ledger, variance %(v)+d.")
                    % {"c": count.counted_units, "l": count.ledger_units, "v": count.variance},
                )
            else:
                messages.info(request, _("That form was already saved."))
            return redirect("inventory_lot", lot.pk)
    return _lot_page(request, page, reconcile_form=form)


# The CSV for the state's tracking system ---------------------------------------------------

# The columns, in order (docs/inventory.md explains each).
CSV_COLUMNS = [
    "date",
    "time",
    "lot_number",
    "product_name",
    "product_type",
    "source_licence",
    "source_name",
    "movement",
    "units",
    "mg",
    "balance_units",
    "reason",
    "recorded_by",
    "witness",
    "session",
    "holdspace_line_id",
]


def _csv(lines: Iterable[LedgerLine], filename: str) -> HttpResponse:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        lot = line.lot
        at = timezone.localtime(line.occurred_at)
        text: list[Any] = [
            at.date().isoformat(),
            at.strftime("%H:%M"),
            lot.lot_number,
            lot.product_name,
            ProductType(lot.product_type).label,
            lot.source_licence,
            lot.source_name,
            LineKind(line.kind).label,
        ]
        # Numbers we computed are written as they are: a negative count is not a formula.
        numbers = [line.units, f"{line.units * lot.mg_per_unit:g}", line.balance]
        tail = [
            line.reason,
            line.recorded_by.display_name,
            line.witness.display_name if line.witness else "",
            line.session_event.session_id if line.session_event else "",
            line.uuid,
        ]
        writer.writerow([csv_cell(v) for v in text] + numbers + [csv_cell(v) for v in tail])
    response = HttpResponse(output.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def ledger_csv(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = ledger_organisation_for(viewer, request.GET.get("org"), attempted="export")
    lines = ledger_export(viewer=viewer, organisation=organisation)
    stamp = timezone.localdate().isoformat()
    return _csv(lines, f"holdspace-ledger-{organisation.slug}-{stamp}.csv")


@login_required
@require_GET
def lot_csv(request: HttpRequest, lot_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    lot: Lot = get_lot_for(viewer, lot_id)
    lines = ledger_export(viewer=viewer, organisation=lot.organisation, lot=lot)
    stamp = timezone.localdate().isoformat()
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in lot.lot_number)
    return _csv(lines, f"holdspace-lot-{safe}-{stamp}.csv")
