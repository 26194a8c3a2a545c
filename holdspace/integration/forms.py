"""The forms of the commitments and integration pages. Choices come from the models' enums
and the couple's own people; limits from the models' constants."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from holdspace.couples.models import Couple
from holdspace.integration.models import MAX_NOTES, MAX_TEXT, Cadence, OfferAnswer
from holdspace.lib import when
from holdspace.sessions.models import MedicineSession


class CommitmentForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What we commit to"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("For example: a 20-minute check-in, phones away."),
    )
    who = forms.ChoiceField(label=gettext_lazy("Who keeps it"))
    cadence = forms.ChoiceField(label=gettext_lazy("How often"), choices=Cadence.choices)
    starts_on = forms.DateField(
        label=gettext_lazy("Starting"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, couple: Couple, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [("both", _("Both of us"))] + [  # type: ignore[attr-defined]
            (str(p.user_id), p.user.display_name) for p in couple.loaded_partners
        ]


def revise_prefix(commitment_id: int) -> str:
    """Each commitment's Revise form has its own field names, so a page holds them all."""
    return f"r{commitment_id}"


class OfferForm(forms.Form):
    session = forms.TypedChoiceField(label=gettext_lazy("After the session of"), coerce=int)
    answer = forms.ChoiceField(
        label=gettext_lazy("Their answer"), choices=OfferAnswer.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=MAX_TEXT)

    def __init__(self, sessions: list[MedicineSession], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = {s.pk: s for s in sessions}
        self.fields["session"].choices = [  # type: ignore[attr-defined]
            (s.pk, when.day(s.starts_at)) for s in sessions
        ]


def _people(form: forms.Form, couple: Couple) -> None:
    """Who an integration session is with (both partners, or one) and who leads it."""
    form.fields["partner"].choices = [("", _("Both partners"))] + [  # type: ignore[attr-defined]
        (p.user_id, p.user.display_name) for p in couple.loaded_partners
    ]
    form.fields["facilitator"].choices = [  # type: ignore[attr-defined]
        (m.user_id, m.user.display_name) for m in couple.loaded_care_team
    ]


class IntegrationSessionForm(forms.Form):
    # The notes' limit is the service's (MAX_NOTES): its message names it; the browser stops there.
    held_at = forms.DateTimeField(
        label=gettext_lazy("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    partner = forms.TypedChoiceField(
        label=gettext_lazy("With"), coerce=int, required=False, empty_value=None
    )
    facilitator = forms.TypedChoiceField(label=gettext_lazy("Facilitator"), coerce=int)
    notes = forms.CharField(
        label=gettext_lazy("Notes (care team only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_NOTES}),
    )
    carry_forward = forms.CharField(
        label=gettext_lazy("What the couple chose to carry forward (they see this)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_NOTES}),
    )

    def __init__(self, couple: Couple, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people(self, couple)


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=gettext_lazy("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    partner = forms.TypedChoiceField(
        label=gettext_lazy("With"), coerce=int, required=False, empty_value=None
    )
    facilitator = forms.TypedChoiceField(label=gettext_lazy("Facilitator"), coerce=int)
    ends_at = forms.TimeField(
        label=gettext_lazy("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=gettext_lazy("An hour after the start unless you say otherwise."),
    )
    room = forms.CharField(label=gettext_lazy("Room"), required=False, max_length=120)

    def __init__(self, couple: Couple, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _people(self, couple)
