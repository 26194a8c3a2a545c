from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from holdspace.couples.models import EntryKind, Visibility
from holdspace.couples.services import MAX_COUPLE_NAME, MAX_REPLY_LENGTH


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    visibility = forms.ChoiceField(
        label=_("Who can see this"), choices=Visibility.choices, initial=Visibility.PRIVATE
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(label=_("Who can see this"), choices=Visibility.choices)


class CoupleForm(forms.Form):
    # Shown, ticked or not, when a partner is already in another couple here.
    confirm = forms.BooleanField(
        label=_("Yes, add them even though they are in another couple here"), required=False
    )

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


class ConfirmPartnerElsewhere(forms.Form):
    """A form that adds a partner: it asks to confirm one already in another couple."""

    confirm = forms.BooleanField(
        label=_("Yes, add this person even though they are in another couple here"),
        required=False,
    )


class CoupleEditForm(forms.Form):
    name = forms.CharField(label=_("Couple name"), max_length=MAX_COUPLE_NAME)
    # Checked by the service, which names the problem (at least one, of this organisation).
    care_team = forms.MultipleChoiceField(
        label=_("Care team"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At least one facilitator. Clinical leads see every couple in any case."),
    )


class PartnerInviteForm(ConfirmPartnerElsewhere):
    display_name = forms.CharField(label=_("Partner's name"), max_length=120)
    email = forms.EmailField(label=_("Partner's e-mail"))
    field_order = ["display_name", "email", "confirm"]


class InvitationEmailForm(ConfirmPartnerElsewhere):
    email = forms.EmailField(label=_("Correct e-mail address"))
    field_order = ["email", "confirm"]


class ReplyForm(forms.Form):
    # Blank is refused by the service, with its own words.
    body = forms.CharField(
        label=_("Reply"),
        required=False,
        max_length=MAX_REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
