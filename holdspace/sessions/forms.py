"""The web forms of medicine sessions: scheduling, the plan, a console event without
JavaScript, and discharge. Their choices come from the models' enums; the services validate
what they send."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from holdspace.sessions.models import EventKind, Intention


class ScheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Date and start time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    room = forms.CharField(
        label=gettext_lazy("Room"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"list": "rooms", "autocomplete": "off"}),
    )
    facilitators = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Facilitators present"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class EventForm(forms.Form):
    """A console form posted without JavaScript: the event's id (fresh on each page, so a form
    posted twice saves once), kind, partner and the time typed; its data are the `data.*`
    fields, read by `event_data`."""

    id = forms.UUIDField()
    kind = forms.ChoiceField(choices=EventKind.choices)
    partner_id = forms.IntegerField(required=False)
    taken_at = forms.TimeField(required=False, input_formats=["%H:%M", "%H:%M:%S"])


class PlanForm(forms.Form):
    room = forms.CharField(
        label=gettext_lazy("Room"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"list": "rooms", "autocomplete": "off"}),
    )
    facilitators = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Facilitators present"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    music_entries = forms.CharField(
        label=gettext_lazy("Music: playlist, one entry per line"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    music_link = forms.URLField(
        label=gettext_lazy("Music: a link to the playlist"), required=False, assume_scheme="https"
    )
    music_changed_by = forms.ChoiceField(
        label=gettext_lazy("Who may change the music"),
        choices=[
            ("facilitator", gettext_lazy("The facilitator")),
            ("partners", gettext_lazy("The partners, by asking")),
            ("anyone", gettext_lazy("Anyone present")),
        ],
    )


class PartnerPlanForm(forms.Form):
    product = forms.CharField(label=gettext_lazy("Product"), max_length=200)
    lot = forms.CharField(label=gettext_lazy("Lot number"), max_length=100)
    mg_per_unit = forms.FloatField(label=gettext_lazy("mg per unit"), min_value=0.001)
    planned_mg = forms.FloatField(label=gettext_lazy("Planned dose (mg)"), min_value=0.001)
    supplemental_mg = forms.FloatField(
        label=gettext_lazy("Supplemental dose (mg)"), required=False, min_value=0.001
    )
    supplemental_after_minutes = forms.IntegerField(
        label=gettext_lazy("Supplemental dose, minutes after the first"),
        required=False,
        min_value=0,
        max_value=24 * 60,
    )

    def from_ledger(self, lots: list[tuple[str, str]]) -> None:
        """Where the profile keeps a product ledger: the lot chosen from LOTS (number, label),
        its product and strength copied from it. The service checks the lot chosen, so a
        refusal reads as the API's."""
        del self.fields["product"], self.fields["mg_per_unit"]
        self.fields["lot"] = forms.CharField(
            label=gettext_lazy("Lot from the ledger"),
            max_length=100,
            widget=forms.Select(choices=lots),
            help_text=gettext_lazy(
                "Released lots with units on hand; the product and its mg per unit come from "
                "the lot, and the dose is a whole number of its units."
            ),
        )


class DischargeForm(forms.Form):
    # The profile's criteria, each a checkbox; the service says which are missing and why.
    criteria_confirmed = forms.MultipleChoiceField(
        label=gettext_lazy("Before they leave, confirm"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    transport_confirmed = forms.BooleanField(
        label=gettext_lazy("Leaving as the transportation plan says"), required=False
    )
    transport_deviation = forms.CharField(
        label=gettext_lazy("If not: how they are leaving instead"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    declined_dose = forms.BooleanField(
        label=gettext_lazy("They chose not to take the medicine (no dose was given)"),
        required=False,
        help_text=gettext_lazy(
            "Say so in the notes. A partner who was dosed cannot leave this way."
        ),
    )
    left_at = forms.DateTimeField(
        label=gettext_lazy("Left at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MoveForm(forms.Form):
    """Move a medicine session: a new start (its length kept) and/or another room."""

    starts_at = forms.DateTimeField(
        label=gettext_lazy("New date and start time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    room = forms.CharField(
        label=gettext_lazy("Room"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("A room of the organisation; leave empty for none."),
        widget=forms.TextInput(attrs={"list": "rooms", "autocomplete": "off"}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the session cancelled?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SessionDetailsForm(forms.Form):
    """What Colorado's administration-session log asks beyond the live record. The service
    checks both fields (the API's answer is the same), so the form only carries them."""

    intention = forms.CharField(
        label=gettext_lazy("Intention (de-identified: a category only)"),
        required=False,
        widget=forms.Select(choices=[("", gettext_lazy("— choose —")), *Intention.choices]),
    )
    food_and_drink = forms.CharField(
        label=gettext_lazy("Other food or drink during the session"),
        help_text=gettext_lazy("Write 'none' if none. Kept for the state's log only."),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
