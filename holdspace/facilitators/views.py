"""Facilitator pages: the organisation's list and each facilitator's credentials (staff), the
evidence files (admins, clinical leads and the facilitator only), and "Your guides" for
couples."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from holdspace.accounts.models import Organisation, User
from holdspace.facilitators.models import CredentialKind, CredentialStatus, GuideReview
from holdspace.facilitators.selectors import (
    FacilitatorPage,
    evidence_read,
    facilitator_page,
    facilitators_page,
    guides_page,
)
from holdspace.facilitators.services import (
    CredentialInput,
    credential_add,
    credential_set_status,
    guide_review,
    profile_update,
)
from holdspace.lib.forms import errors_onto
from holdspace.lib.http import post_only
from holdspace.policy.core import Viewer, viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.facilitators import (
    facilitators_organisation_for,
    get_credential_for,
    get_facilitator_for,
)


@login_required
@require_GET
def facilitator_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = facilitators_organisation_for(viewer, request.GET.get("org"))
    page = facilitators_page(viewer=viewer, organisation=organisation)
    return render(
        request,
        "facilitators/list.html",
        {"organisation": page.organisation, "rows": page.rows, "lead": page.lead},
    )


class CredentialForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CredentialKind.choices)
    title = forms.CharField(label=gettext_lazy("Licence type, program or provider"), max_length=200)
    jurisdiction = forms.CharField(
        label=gettext_lazy("Jurisdiction (for a licence)"), required=False, max_length=100
    )
    number = forms.CharField(label=gettext_lazy("Number"), required=False, max_length=100)
    issued_on = forms.DateField(
        label=gettext_lazy("Issued or completed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    hours = forms.IntegerField(label=gettext_lazy("Training hours"), required=False, min_value=1)
    evidence = forms.FileField(
        label=gettext_lazy("Evidence (PDF, PNG or JPEG, up to 10 MB)"), required=False
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=CredentialStatus.choices)
    register = forms.CharField(
        label=gettext_lazy("Public register checked"), required=False, max_length=300
    )


class ProfileForm(forms.Form):
    languages = forms.CharField(label=gettext_lazy("Languages (comma-separated)"), required=False)
    substances = forms.CharField(label=gettext_lazy("Substances (comma-separated)"), required=False)
    modalities = forms.CharField(label=gettext_lazy("Modalities (comma-separated)"), required=False)
    supervision = forms.CharField(
        label=gettext_lazy("Supervision or consultation arrangement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    conflicts_of_interest = forms.CharField(
        label=gettext_lazy("Disclosed conflicts of interest"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    ethics_acknowledged = forms.BooleanField(
        label=gettext_lazy("I have read and sign the code of ethics"), required=False
    )


def _facilitator(request: HttpRequest, viewer: Viewer, user_id: int) -> tuple[Organisation, User]:
    """The organisation asked about (`?org=`) and the facilitator whose page it is."""
    organisation = facilitators_organisation_for(
        viewer, request.GET.get("org"), facilitator_id=user_id
    )
    return organisation, get_facilitator_for(viewer, organisation, user_id)


def _page_url(request: HttpRequest, user_id: int) -> str:
    query = request.GET.urlencode()
    return reverse("facilitator_detail", args=[user_id]) + (f"?{query}" if query else "")


def _profile_form(page: FacilitatorPage, data: object = None) -> ProfileForm:
    profile = page.profile
    return ProfileForm(
        data,  # type: ignore[arg-type]
        prefix="p",
        initial={
            "languages": ", ".join(profile.languages) if profile else "",
            "substances": ", ".join(profile.substances) if profile else "",
            "modalities": ", ".join(profile.modalities) if profile else "",
            "supervision": profile.supervision if profile else "",
            "conflicts_of_interest": profile.conflicts_of_interest if profile else "",
        },
    )


def _detail(
    request: HttpRequest,
    page: FacilitatorPage,
    *,
    credential_form: CredentialForm | None = None,
    profile_form: ProfileForm | None = None,
    status_form: tuple[int, StatusForm] | None = None,
) -> HttpResponse:
    """The facilitator's page; with a form that was refused, that form as typed, its errors
    beside its fields (422)."""
    refused = credential_form or profile_form or status_form
    return render(
        request,
        "facilitators/detail.html",
        {
            "organisation": page.organisation,
            "facilitator": page.facilitator,
            "profile": page.profile,
            "credentials": page.credentials,
            "notices": page.notices,
            "credential_form": credential_form or CredentialForm(prefix="c"),
            "profile_form": profile_form or _profile_form(page),
            "status_form": status_form,
            "status_choices": CredentialStatus.choices,
            "manager": page.manager,
            "own": page.own,
            "lead": page.lead,
            "incidents": page.incidents,
            "problems": page.problems,
            "query": request.GET.urlencode(),
        },
        status=422 if refused else 200,
    )


@login_required
@require_GET
def facilitator_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """A facilitator's credentials and profile: theirs to keep up to date; an org admin or
    clinical lead verifies. The clinical lead also sees incidents linked to them."""
    viewer = viewer_from_request(request)
    organisation, facilitator = _facilitator(request, viewer, user_id)
    return _detail(
        request, facilitator_page(viewer=viewer, organisation=organisation, facilitator=facilitator)
    )


@login_required
@post_only
def credential_add_view(request: HttpRequest, user_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation, facilitator = _facilitator(request, viewer, user_id)
    form = CredentialForm(request.POST, request.FILES, prefix="c")
    if form.is_valid():
        data = form.cleaned_data
        try:
            credential_add(
                viewer=viewer,
                organisation=organisation,
                facilitator_id=facilitator.pk,
                data=CredentialInput(
                    kind=data["kind"],
                    title=data["title"],
                    jurisdiction=data["jurisdiction"],
                    number=data["number"],
                    issued_on=data["issued_on"],
                    expires_on=data["expires_on"],
                    hours=data["hours"],
                ),
                evidence=data["evidence"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The credential was added; it awaits verification."))
            return redirect(_page_url(request, user_id))
    page = facilitator_page(viewer=viewer, organisation=organisation, facilitator=facilitator)
    return _detail(request, page, credential_form=form)


@login_required
@post_only
def profile_update_view(request: HttpRequest, user_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation, facilitator = _facilitator(request, viewer, user_id)
    form = ProfileForm(request.POST, prefix="p")
    if form.is_valid():
        data = form.cleaned_data
        try:
            profile_update(
                viewer=viewer,
                organisation=organisation,
                facilitator_id=facilitator.pk,
                values={
                    "languages": data["languages"].split(","),
                    "substances": data["substances"].split(","),
                    "modalities": data["modalities"].split(","),
                    "supervision": data["supervision"],
                    "conflicts_of_interest": data["conflicts_of_interest"],
                    "ethics_acknowledged": data["ethics_acknowledged"],
                },
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The profile was saved."))
            return redirect(_page_url(request, user_id))
    page = facilitator_page(viewer=viewer, organisation=organisation, facilitator=facilitator)
    return _detail(request, page, profile_form=form)


@login_required
@post_only
def credential_status_view(request: HttpRequest, user_id: int, credential_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation, facilitator = _facilitator(request, viewer, user_id)
    credential = get_credential_for(viewer, credential_id, facilitator=facilitator)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            credential_set_status(
                viewer=viewer,
                credential=credential,
                status=form.cleaned_data["status"],
                register=form.cleaned_data["register"],
            )
        except ValidationError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("The status was recorded."))
            return redirect(_page_url(request, user_id))
    page = facilitator_page(viewer=viewer, organisation=organisation, facilitator=facilitator)
    return _detail(request, page, status_form=(credential.pk, form))


@login_required
@require_GET
def evidence(request: HttpRequest, credential_id: int) -> FileResponse:
    """The evidence file: the facilitator's own, or any for an org admin or clinical lead.
    Never for couples. Audited."""
    credential = evidence_read(viewer=viewer_from_request(request), credential_id=credential_id)
    return FileResponse(
        credential.evidence.open("rb"),
        as_attachment=True,
        filename=credential.evidence_name or "evidence",
    )


# Your guides ---------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Your word"),
        choices=[
            (GuideReview.APPROVE, gettext_lazy("I have met them and I approve")),
            (GuideReview.CONCERN, gettext_lazy("I have a concern")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Anything you want the clinical lead to know"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
@require_GET
def guides(request: HttpRequest, couple_id: int) -> HttpResponse:
    page = guides_page(viewer=viewer_from_request(request), couple_id=couple_id)
    return render(
        request,
        "facilitators/guides.html",
        {
            "couple": page.couple,
            "guides": page.guides,
            "partner": page.partner,
            "questions": page.questions,
            "questions_source": page.questions_source,
            "form": ReviewForm(),
        },
    )


@login_required
@post_only
def guide_review_post(request: HttpRequest, couple_id: int, user_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether you approve or have a concern."))
        return redirect("guides", couple.pk)
    try:
        guide_review(
            viewer=viewer,
            couple=couple,
            facilitator_id=user_id,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            messages.error(request, " ".join(errors))
        return redirect("guides", couple.pk)
    messages.success(
        request,
        _("Thank you — recorded.")
        if form.cleaned_data["decision"] == GuideReview.APPROVE
        else _("Thank you — your clinical lead will read your concern."),
    )
    return redirect("guides", couple.pk)
