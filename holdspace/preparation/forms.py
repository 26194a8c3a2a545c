"""The preparation forms a partner completes, one Django form per kind. The service validates
every submission (web or API) through these, so both refuse the same input the same way."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from holdspace.preparation.clientdata import (
    OTHER_MAX_LENGTH,
    PREFER_NOT_LABEL,
    asked,
    client_data_clean,
    unknown_code_message,
)
from holdspace.preparation.models import FormKind
from holdspace.screening.profiles import PREFER_NOT_CODE, ClientData, ClientDataQuestion

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
    """A demographic form in free text, for a profile without coded client data (Colorado's);
    where the profile has them (Oregon's 303 form), ClientDataForm is asked instead."""

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


# A question with more options than this is a drop-down (the county's 37), not radio buttons.
SELECT_OVER = 12


class ClientDataForm(forms.Form):
    """The coded client data form (Oregon's 303), built from the profile's current version:
    a radio group (or a drop-down for a long list) per single question, a checkbox group per
    multiple one, each with "Prefer not to say", an "Other" box where the question allows it;
    the opt-out, and the written confirmation that it was offered, which is required. Age is
    not asked. `body()` is the API's body, validated by the same `client_data_clean`."""

    def __init__(self, *args: Any, client_data: ClientData, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_data = client_data
        self.version = client_data.current_version
        self.questions = asked(self.version)
        for question in self.questions:
            self.fields[question.code] = _question_field(question)
            if question.other:
                # The length is checked by client_data_clean, in the API's words too.
                self.fields[f"{question.code}__other"] = forms.CharField(
                    label=_("Other, in your own words"),
                    required=False,
                    widget=forms.TextInput(attrs={"maxlength": OTHER_MAX_LENGTH}),
                    help_text=_("Kept in your record; never counted in a report."),
                )
        self.fields["withheld"] = forms.BooleanField(
            label=client_data.opt_out_label, required=False
        )
        self.fields["opt_out_offered"] = forms.BooleanField(
            label=client_data.confirmation_label,
            error_messages={
                "required": _(
                    "Tick to confirm you were offered the chance to have your data withheld."
                )
            },
        )

    def groups(self) -> list[dict[str, Any]]:
        """Each question with its bound field and "Other" box, for the template's fieldsets."""
        return [
            {
                "question": q,
                "field": self[q.code],
                "other": self[f"{q.code}__other"] if q.other else None,
                "select": isinstance(self.fields[q.code].widget, forms.Select)
                and not isinstance(self.fields[q.code].widget, forms.RadioSelect),
            }
            for q in self.questions
        ]

    @classmethod
    def initial_from(cls, data: dict[str, Any] | None) -> dict[str, Any]:
        """A stored coded answer as the form's initial values (an old row gives none)."""
        if not data or "answers" not in data:
            return {}
        initial: dict[str, Any] = dict(data.get("answers") or {})
        for code, text in (data.get("other") or {}).items():
            initial[f"{code}__other"] = text
        initial["withheld"] = bool(data.get("withheld"))
        return initial

    def body(self) -> dict[str, Any]:
        """The cleaned form as the API's body."""
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        other: dict[str, str] = {}
        for question in self.questions:
            value = data.get(question.code)
            if value:
                answers[question.code] = value
            text = str(data.get(f"{question.code}__other") or "").strip()
            if text:
                other[question.code] = text
        return {
            "version": self.version.version,
            "answers": answers,
            "other": other,
            "withheld": bool(data.get("withheld")),
            "opt_out_offered": bool(data.get("opt_out_offered")),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Every field the API would refuse, beside those the form refused itself.
        try:
            client_data_clean(self.client_data, self.body())
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                name = field_for(field, self.fields)
                if name is None or name not in self.errors:
                    self.add_error(name, problems)
        return data


def field_for(name: str, fields: Any) -> str | None:
    """The web form's field for a body field the service names (`answers.race` is `race`,
    `other.race` is `race__other`); None for one it does not show."""
    group, _dot, code = name.partition(".")
    field = {"answers": code, "other": f"{code}__other"}.get(group, name)
    return field if field in fields else None


def _question_field(question: ClientDataQuestion) -> forms.Field:
    choices: list[tuple[str, Any]] = [(o.code, o.label) for o in question.options]
    choices.append((PREFER_NOT_CODE, PREFER_NOT_LABEL))
    # The code is only known when the error is shown: the form fills in %(value)s.
    invalid = unknown_code_message(question, "%(value)s")
    help_text = question.help
    if question.kind == "multiple":
        return forms.MultipleChoiceField(
            label=question.label,
            choices=choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=help_text,
            error_messages={"invalid_choice": invalid},
        )
    long_list = len(choices) > SELECT_OVER
    return forms.ChoiceField(
        label=question.label,
        choices=[("", _("Choose…")), *choices] if long_list else choices,
        required=False,
        widget=forms.Select if long_list else forms.RadioSelect,
        help_text=help_text,
        error_messages={"invalid_choice": invalid},
    )


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
