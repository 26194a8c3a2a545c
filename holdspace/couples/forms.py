from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from holdspace.couples.models import EntryKind, Visibility


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    visibility = forms.ChoiceField(
        label=_("Who can see this"), choices=Visibility.choices, initial=Visibility.PRIVATE
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(label=_("Who can see this"), choices=Visibility.choices)


class CoupleForm(forms.Form):
    name = forms.CharField(
        label=_("Couple name"),
        max_length=200,
        help_text=_("How the couple is known, for example “Alex & Sam”."),
    )
    facilitators = forms.MultipleChoiceField(
        label=_("Care team"), required=False, widget=forms.CheckboxSelectMultiple
    )
    partner_a_name = forms.CharField(label=_("First partner's name"), max_length=120)
    partner_a_email = forms.EmailField(label=_("First partner's e-mail"))
    partner_b_name = forms.CharField(label=_("Second partner's name"), max_length=120)
    partner_b_email = forms.EmailField(label=_("Second partner's e-mail"))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        a, b = data.get("partner_a_email"), data.get("partner_b_email")
        if a and b and str(a).lower() == str(b).lower():
            self.add_error("partner_b_email", _("The two partners need different addresses."))
        return data
