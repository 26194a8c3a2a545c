"""The preparation forms a partner completes, one Django form per kind. The service validates
every submission (web or API) through these, so both refuse the same input the same way."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from holdspace.preparation.models import FormKind

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class _Base(forms.Form):
    def cleaned_payload(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class AcknowledgementForm(_Base):
    acknowledged = forms.BooleanField(
        label=_("I have read this, had the chance to ask questions, and I agree."),
        error_messages={"required": _("Tick the box to acknowledge.")},
    )


TOUCH_FORMS = [
    ("hug", _("A hug")),
    ("hands", _("Hands on my hands")),
    ("feet", _("Hands on my feet")),
    ("shoulders", _("Hands on my shoulders")),
]


class TouchConsentForm(_Base):
    facilitator_touch = forms.ChoiceField(
        label=_("May a facilitator offer supportive touch when I ask for it?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    facilitator_touch_forms = forms.MultipleChoiceField(
        label=_("Which kinds of touch"),
        choices=TOUCH_FORMS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Oregon limits supportive touch to these."),
    )
    partner_touch = forms.ChoiceField(
        label=_("May my partner and I touch during a joint session?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Anything else about touch"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("facilitator_touch") == "yes" and not data.get("facilitator_touch_forms"):
            self.add_error(
                "facilitator_touch_forms", _("Choose which kinds of touch you agree to.")
            )
        if data.get("facilitator_touch") == "no":
            data["facilitator_touch_forms"] = []
        return data


class SafetyPlanForm(_Base):
    warning_signs = forms.CharField(
        label=_("Signs that things are getting hard for me"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    what_helps = forms.CharField(
        label=_("What helps me then"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    support_people = forms.CharField(
        label=_("People I can reach out to"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    professional_help = forms.CharField(
        label=_("Professional help (therapist, doctor, crisis line)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


LEAVING = [
    ("support_person", _("A support person drives me")),
    ("taxi", _("Taxi or ride service")),
    ("public_transport", _("Public transport, accompanied")),
    ("walk", _("Walking, accompanied")),
    ("overnight", _("I stay overnight and am collected the next day")),
    ("partner", _("My partner drives me")),
]


class TransportationPlanForm(_Base):
    leaving_by = forms.ChoiceField(
        label=_("How I will get home after the session"),
        choices=LEAVING,
        widget=forms.RadioSelect,
        help_text=_("Please do not drive yourself after the session."),
    )
    driver_name = forms.CharField(
        label=_("Who collects me or drives me"), required=False, max_length=200
    )
    driver_phone = forms.CharField(label=_("Their phone number"), required=False, max_length=40)
    details = forms.CharField(
        label=_("Anything else (address, time)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("leaving_by") == "partner":
            self.add_error(
                "leaving_by",
                _(
                    "Your partner is dosed in the same session, so they cannot drive you home. "
                    "Choose someone else, or another way home."
                ),
            )
        if data.get("leaving_by") in {"support_person", "overnight"} and not data.get(
            "driver_name"
        ):
            self.add_error("driver_name", _("Name the person who collects you."))
        return data


_PHONE = re.compile(r"^\+?[\d\s().-]{6,30}$")


class EmergencyContactForm(_Base):
    name = forms.CharField(label=_("Name"), max_length=200)
    relationship = forms.CharField(label=_("Relationship to me"), max_length=100)
    phone = forms.CharField(label=_("Phone number"), max_length=40)

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data["phone"]).strip()
        if not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 6:
            raise forms.ValidationError(
                _("Enter a phone number: digits, spaces and + ( ) - only, at least 6 digits.")
            )
        return phone


PREFER_NOT = ("", _("Prefer not to say"))


class DemographicForm(_Base):
    """The Oregon 303 client data fields (ORS 475A.372, OAR 333-333-4910), each optional, with
    the opt-out the rule requires."""

    opt_out = forms.BooleanField(
        label=_("I do not want my data reported to the state (opt out)."), required=False
    )
    age = forms.IntegerField(label=_("Age"), required=False, min_value=18, max_value=120)
    race = forms.CharField(label=_("Race"), required=False, max_length=200)
    ethnicity = forms.CharField(label=_("Ethnicity"), required=False, max_length=200)
    languages = forms.CharField(
        label=_("Preferred spoken and written languages"), required=False, max_length=200
    )
    disability = forms.CharField(label=_("Disability status"), required=False, max_length=200)
    sexual_orientation = forms.CharField(
        label=_("Sexual orientation"), required=False, max_length=200
    )
    gender_identity = forms.CharField(label=_("Gender identity"), required=False, max_length=200)
    income = forms.CharField(label=_("Household income"), required=False, max_length=100)
    county = forms.CharField(label=_("County of residence"), required=False, max_length=100)
    veteran = forms.ChoiceField(
        label=_("Veteran status"),
        required=False,
        choices=[PREFER_NOT, ("yes", _("Veteran")), ("no", _("Not a veteran"))],
    )
    reasons = forms.CharField(
        label=_("Reasons for seeking services"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["opt_out_offered"] = True
        if data.get("opt_out"):  # nothing is kept from someone who opted out
            data = {"opt_out": True, "opt_out_offered": True}
        return data


# A small built-in list; partners add their own words too.
THEMES = [
    ("trust", _("Trust")),
    ("resentment", _("Resentment")),
    ("intimacy", _("Intimacy")),
    ("grief", _("Grief")),
    ("safety", _("Safety")),
    ("communication", _("Communication")),
    ("forgiveness", _("Forgiveness")),
    ("closeness_distance", _("Closeness and distance")),
    ("family", _("Family")),
    ("change", _("A change in our lives")),
]


class ThemesForm(_Base):
    themes = forms.MultipleChoiceField(
        label=_("What I want us to explore"),
        choices=THEMES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    own_words = forms.CharField(
        label=_("In my own words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("themes") and not str(data.get("own_words", "")).strip():
            raise forms.ValidationError(_("Choose at least one theme, or write your own."))
        return data


FORMS: dict[str, type[_Base]] = {
    FormKind.INFORMED_CONSENT: AcknowledgementForm,
    FormKind.BILL_OF_RIGHTS: AcknowledgementForm,
    FormKind.TOUCH_CONSENT: TouchConsentForm,
    FormKind.SAFETY_PLAN: SafetyPlanForm,
    FormKind.TRANSPORTATION_PLAN: TransportationPlanForm,
    FormKind.EMERGENCY_CONTACT: EmergencyContactForm,
    FormKind.DEMOGRAPHIC_FORM: DemographicForm,
    FormKind.THEMES: ThemesForm,
}


class PreparationSessionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("private", _("Private — one partner")), ("joint", _("Joint — both partners"))],
        widget=forms.RadioSelect,
    )
    partner = forms.TypedChoiceField(
        label=_("Partner (for a private session)"), coerce=int, required=False
    )
    held_at = forms.DateTimeField(
        label=_("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    facilitator = forms.TypedChoiceField(label=_("Facilitator"), coerce=int)
    notes = forms.CharField(
        label=_("Notes (care team only)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PreparationBookForm(forms.Form):
    """A preparation session booked ahead: when, until when, where and with whom."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("private", _("Private — one partner")), ("joint", _("Joint — both partners"))],
        widget=forms.RadioSelect,
    )
    partner = forms.TypedChoiceField(
        label=_("Partner (for a private session)"), coerce=int, required=False
    )
    starts_at = forms.DateTimeField(
        label=_("Date and start time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("An hour after the start unless you say otherwise."),
    )
    room = forms.CharField(label=_("Room"), required=False, max_length=120)
    facilitator = forms.TypedChoiceField(label=_("Facilitator"), coerce=int)


class PreparationHoldForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes (care team only)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PreparationCancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=2000)
