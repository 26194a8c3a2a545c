"""Facilitator pages: the organisation's list and each facilitator's credentials (staff), the
evidence files (admins, clinical leads and the facilitator only), and "Your guides" for
couples."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from holdspace.accounts.models import Membership, Organisation, Role, User
from holdspace.accounts.zones import org_localdate
from holdspace.audit.actions import Action
from holdspace.facilitators.models import (
    Credential,
    CredentialKind,
    CredentialStatus,
    FacilitatorProfile,
    GuideReview,
)
from holdspace.facilitators.selectors import (
    couple_guides,
    facilitator_incidents,
    guide_questions,
    organisation_facilitators,
    with_notices,
)
from holdspace.facilitators.services import (
    CredentialInput,
    credential_add,
    credential_set_status,
    facilitator_refusals,
    guide_review,
    profile_update,
)
from holdspace.policy import (
    Viewer,
    deny,
    get_couple_for,
    is_partner_of,
    organisation_for,
    require_guides_view,
    viewer_from_request,
)

MANAGERS = frozenset({Role.ORG_ADMIN, Role.CLINICAL_LEAD})


def _organisation(request: HttpRequest, viewer: Viewer, roles: frozenset[str]) -> Organisation:
    return organisation_for(viewer, request.GET.get("org"), roles, what="facilitators' records")


@login_required
@require_GET
def facilitator_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from_request(request)
    organisation = _organisation(request, viewer, MANAGERS)
    lead = viewer.role_in(organisation.pk) == Role.CLINICAL_LEAD
    rows = organisation_facilitators(organisation, with_incidents=lead)
    viewer.audit(
        Action.FACILITATOR_LIST, organisation_id=organisation.pk, object_type="facilitator"
    )
    return render(
        request,
        "facilitators/list.html",
        {"organisation": organisation, "rows": rows, "lead": lead},
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


def _facilitator(viewer: Viewer, organisation_id: int, user_id: int) -> User:
    membership = (
        Membership.objects.filter(
            organisation_id=organisation_id,
            user_id=user_id,
            role__in=[Role.FACILITATOR, Role.CLINICAL_LEAD],
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        raise deny(viewer, what="facilitator", object_id=user_id, organisation_id=organisation_id)
    return membership.user


@login_required
@require_http_methods(["GET", "POST"])
def facilitator_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """A facilitator's credentials and profile: theirs to keep up to date; an org admin or
    clinical lead verifies. The clinical lead also sees incidents linked to them."""
    viewer = viewer_from_request(request)
    own = viewer.user.pk == user_id
    organisation = _organisation(
        request, viewer, MANAGERS | ({Role.FACILITATOR} if own else frozenset())
    )
    facilitator = _facilitator(viewer, organisation.pk, user_id)
    manager = viewer.role_in(organisation.pk) in MANAGERS
    if not (own or manager):
        raise PermissionDenied("Only the facilitator, an org admin or a clinical lead sees this")
    credential_form = CredentialForm(prefix="c")
    profile = FacilitatorProfile.objects.filter(
        organisation=organisation, facilitator=facilitator
    ).first()
    profile_form = ProfileForm(
        prefix="p",
        initial={
            "languages": ", ".join(profile.languages) if profile else "",
            "substances": ", ".join(profile.substances) if profile else "",
            "modalities": ", ".join(profile.modalities) if profile else "",
            "supervision": profile.supervision if profile else "",
            "conflicts_of_interest": profile.conflicts_of_interest if profile else "",
        },
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                credential_form = CredentialForm(request.POST, request.FILES, prefix="c")
                if credential_form.is_valid():
                    data = credential_form.cleaned_data
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
                    messages.success(
                        request, _("The credential was added; it awaits verification.")
                    )
                    return redirect(request.get_full_path())
            elif action == "profile":
                profile_form = ProfileForm(request.POST, prefix="p")
                if profile_form.is_valid():
                    data = profile_form.cleaned_data
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
                    messages.success(request, _("The profile was saved."))
                    return redirect(request.get_full_path())
            elif action == "status":
                raw = str(request.POST.get("credential", ""))
                credential = (
                    Credential.objects.filter(
                        organisation=organisation, facilitator=facilitator, pk=int(raw)
                    ).first()
                    if raw.isdigit()
                    else None
                )
                if credential is None:
                    raise Http404("No such credential")
                form = StatusForm(request.POST)
                if form.is_valid():
                    credential_set_status(
                        viewer=viewer,
                        credential=credential,
                        status=form.cleaned_data["status"],
                        register=form.cleaned_data["register"],
                    )
                    messages.success(request, _("The status was recorded."))
                    return redirect(request.get_full_path())
                messages.error(request, _("Choose a status."))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if action == "add":
                    credential_form.add_error(
                        field if field in credential_form.fields else None, errors
                    )
                elif (
                    action == "profile"
                    and field in profile_form.fields
                    and field != ("ethics_acknowledged")
                ):
                    profile_form.add_error(field, errors)
                else:  # a status change, or the ethics sign-off: shown at the top
                    messages.error(request, " ".join(errors))
    credentials = list(
        Credential.objects.filter(
            organisation=organisation, facilitator=facilitator
        ).select_related("verified_by")
    )
    lead = viewer.role_in(organisation.pk) == Role.CLINICAL_LEAD
    problems = facilitator_refusals(
        organisation=organisation, user_ids=[facilitator.pk], on=timezone.localdate()
    )
    entries = with_notices(credentials, org_localdate(organisation))
    viewer.audit(
        Action.FACILITATOR_READ,
        organisation_id=organisation.pk,
        object_type="facilitator",
        object_id=facilitator.pk,
    )
    return render(
        request,
        "facilitators/detail.html",
        {
            "organisation": organisation,
            "facilitator": facilitator,
            "profile": profile,
            "credentials": entries,
            "notices": [notice for _c, notice in entries if notice is not None],
            "credential_form": credential_form,
            "profile_form": profile_form,
            "status_choices": CredentialStatus.choices,
            "manager": manager,
            "own": own,
            "lead": lead,
            "incidents": facilitator_incidents(organisation, facilitator.pk) if lead else None,
            "problems": problems,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def evidence(request: HttpRequest, credential_id: int) -> FileResponse:
    """The evidence file: the facilitator's own, or any for an org admin or clinical lead.
    Never for couples. Audited."""
    viewer = viewer_from_request(request)
    credential = Credential.objects.filter(pk=credential_id).first()
    allowed = credential is not None and (
        viewer.role_in(credential.organisation_id) in MANAGERS
        or (
            viewer.user.pk == credential.facilitator_id
            and viewer.role_in(credential.organisation_id) is not None
        )
    )
    if credential is None or not allowed or not credential.evidence:
        raise deny(
            viewer,
            what="credential_evidence",
            object_id=credential_id,
            organisation_id=credential.organisation_id if credential else None,
        )
    viewer.audit(
        Action.CREDENTIAL_EVIDENCE,
        organisation_id=credential.organisation_id,
        object_type="credential",
        object_id=credential.pk,
    )
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
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    require_guides_view(viewer, couple)
    partner = is_partner_of(viewer, couple)
    found = couple_guides(couple, partner_id=viewer.user.pk if partner else None)
    questions, source = guide_questions()
    viewer.audit(
        Action.GUIDE_LIST,
        organisation_id=couple.organisation_id,
        object_type="couple",
        object_id=couple.pk,
        couple_id=couple.pk,
    )
    return render(
        request,
        "facilitators/guides.html",
        {
            "couple": couple,
            "guides": found,
            "partner": partner,
            "questions": questions,
            "questions_source": source,
            "form": ReviewForm(),
        },
    )


@login_required
@require_POST
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
