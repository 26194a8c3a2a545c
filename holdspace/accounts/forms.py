"""The forms of the organisation page and the Team page. They only carry what was typed (so a
refused form shows it again); the services validate."""

from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal import auth as totp_auth
from django import forms
from django.utils.translation import gettext_lazy as _

from holdspace.accounts.models import StaffRole


class _OnePageForm(forms.Form):
    """A form sharing its page with others: its fields' ids carry the form's own prefix
    (`AUTO_ID`), so each label names its own field."""

    AUTO_ID = "id_%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", self.AUTO_ID)
        super().__init__(*args, **kwargs)


class OrganisationDetailsForm(_OnePageForm):
    AUTO_ID = "details_%s"
    name = forms.CharField(label=_("Name"), required=False)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label=_("Phone"), required=False)


class RoomForm(_OnePageForm):
    AUTO_ID = "room_%s"
    name = forms.CharField(label=_("Room name"), required=False)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        help_text=_("Optional: where it is, what it has (a bed for two, a sound system)."),
    )


class RoomRenameForm(_OnePageForm):
    AUTO_ID = "rename_%s"
    name = forms.CharField(label=_("New name"), required=False)


class StaffInviteForm(forms.Form):
    email = forms.CharField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices, required=False)
    display_name = forms.CharField(
        label=_("Name"),
        required=False,
        help_text=_("Optional: the name they go by; they can change it after joining."),
    )


class SteadyActivateTOTPForm(ActivateTOTPForm):
    """allauth's set-up form makes a new authenticator secret each time the page is shown, so a
    reload (or a phone reopening the tab) silently voids the QR code already scanned and the
    codes it gives are refused. This one keeps the secret of the session until it is used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kept = context.request.session.get(totp_auth.SECRET_SESSION_KEY)
        super().__init__(*args, **kwargs)
        if kept and not self.is_bound:
            self.secret = context.request.session[totp_auth.SECRET_SESSION_KEY] = kept
