"""The ledger's web forms. Their choices are the models' enums; the services check the rules
(and give the same answer as the API). Each form that writes carries a hidden id, fresh on each
page, so a form posted twice saves once."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from holdspace.inventory.models import LabResult, LotStatus, MovementKind, ProductType

_DATE = {"type": "date"}


class LotForm(forms.Form):
    id = forms.UUIDField(widget=forms.HiddenInput)
    lot_number = forms.CharField(label=gettext_lazy("Lot or package number"), max_length=100)
    product_name = forms.CharField(label=gettext_lazy("Product name"), max_length=200)
    product_type = forms.ChoiceField(
        label=gettext_lazy("Product type"), choices=ProductType.choices
    )
    source_licence = forms.CharField(
        label=gettext_lazy("Source licensee's licence number"), max_length=100
    )
    source_name = forms.CharField(label=gettext_lazy("Source licensee's name"), max_length=200)
    units = forms.IntegerField(
        label=gettext_lazy("Units received"),
        error_messages={"invalid": gettext_lazy("Give a whole number of units.")},
    )
    mg_per_unit = forms.FloatField(
        label=gettext_lazy("mg of active substance per unit"),
        error_messages={"invalid": gettext_lazy("Give a number of mg, e.g. 5 or 2.5.")},
    )
    lab_result = forms.ChoiceField(label=gettext_lazy("Lab test result"), choices=LabResult.choices)
    tested_on = forms.DateField(
        label=gettext_lazy("Tested on"), required=False, widget=forms.DateInput(attrs=_DATE)
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"), required=False, widget=forms.DateInput(attrs=_DATE)
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=LotStatus.choices, initial=LotStatus.QUARANTINED
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=LotStatus.choices)
    lab_result = forms.ChoiceField(
        label=gettext_lazy("Lab test result"),
        choices=[("", gettext_lazy("Unchanged")), *LabResult.choices],
        required=False,
    )
    tested_on = forms.DateField(
        label=gettext_lazy("Tested on"), required=False, widget=forms.DateInput(attrs=_DATE)
    )
    note = forms.CharField(
        label=gettext_lazy("Note (why, e.g. the recall notice)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MovementForm(forms.Form):
    id = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=gettext_lazy("Movement"), choices=MovementKind.choices)
    units = forms.IntegerField(
        label=gettext_lazy("Units"),
        help_text=gettext_lazy(
            "Waste and return: the units taken away. Adjustment: the change, e.g. -2 or 3."
        ),
        error_messages={"invalid": gettext_lazy("Give a whole number of units.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    witness_id = forms.TypedChoiceField(
        label=gettext_lazy("Witness (for waste)"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: object, witnesses: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["witness_id"].choices = [("", "—"), *witnesses]  # type: ignore[attr-defined]


class ReconcileForm(forms.Form):
    id = forms.UUIDField(widget=forms.HiddenInput)
    counted_units = forms.IntegerField(
        label=gettext_lazy("Units counted"),
        error_messages={"invalid": gettext_lazy("Give a whole number of units.")},
    )
    counted_by_id = forms.TypedChoiceField(
        label=gettext_lazy("Counted by"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, counters: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["counted_by_id"].choices = counters  # type: ignore[attr-defined]
