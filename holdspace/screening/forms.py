from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from holdspace.screening.models import Decision, Screening
from holdspace.screening.profiles import SUBSTANCE_LABELS, Profile
from holdspace.screening.rules import rule_set

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ScreeningForm(forms.Form):
    """The intake: conditions, medicines as written, substances, Oregon's client information
    questions and support needs. Built from the rule set, so a new question is data only."""

    substance = forms.ChoiceField(label=_("Medicine planned"))
    conditions = forms.MultipleChoiceField(
        label=_("Have you ever had, or do you now have, any of these?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    medications = forms.CharField(
        label=_("Medicines you take now, or took in the last 30 days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line, as on the packet, for example “Sertraline 50 mg”. Include "
            "supplements and herbal remedies."
        ),
    )
    substances_used = forms.CharField(
        label=_("Alcohol, cannabis or other substances you use, and how often"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={"invalid": _("Enter a date of birth as year-month-day, e.g. 1985-04-23.")},
    )
    support_notes = forms.CharField(
        label=_("Anything else we should know to support you"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rules = rule_set()
        if profile.minimum_age is not None:
            born = self.fields["date_of_birth"]
            born.required = True
            born.error_messages["required"] = _("Enter your date of birth.")
            born.help_text = _("Services here are for people aged %(years)d or older.") % {
                "years": profile.minimum_age.years
            }
        self.fields["substance"].choices = [  # type: ignore[attr-defined]
            (s, SUBSTANCE_LABELS.get(s, s)) for s in profile.substances
        ]
        if len(profile.substances) == 1:
            self.fields["substance"].initial = profile.substances[0]
            self.fields["substance"].widget = forms.HiddenInput()
        self.fields["conditions"].choices = [  # type: ignore[attr-defined]
            (code, c.label) for code, c in rules.conditions.items()
        ]
        self.question_fields: dict[str, list[str]] = {"client_information": [], "support_needs": []}
        for code, question in rules.questions.items():
            name = f"q_{code}"
            self.fields[name] = forms.ChoiceField(
                label=question.text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer yes or no.")},
            )
            self.question_fields[question.group].append(name)

    @staticmethod
    def initial_from(screening: Screening | None, profile: Profile) -> dict[str, object]:
        """What SCREENING answered, to open the form with: the partner changes what is
        different now rather than starting from a blank form."""
        if screening is None:
            return {}
        initial: dict[str, object] = {
            "conditions": list(screening.conditions),
            "medications": "\n".join(screening.medication_lines),
            "substances_used": screening.substances_used,
            "support_notes": screening.support_notes,
            "date_of_birth": screening.date_of_birth,
        }
        if screening.substance in profile.substances:
            initial["substance"] = screening.substance
        for code, value in screening.answers.items():
            initial[f"q_{code}"] = "yes" if value else "no"
        return initial

    def medication_list(self) -> list[str]:
        return [line.strip() for line in str(self.cleaned_data["medications"]).splitlines()]

    def answers(self) -> dict[str, bool]:
        return {
            name[2:]: value == "yes"
            for name, value in self.cleaned_data.items()
            if name.startswith("q_")
        }


class OverrideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason (recorded and audited)"),
        min_length=10,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
