"""The signing page (read the exact text, type your full name) and the signed copy's PDF."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.forms import FORMS
from holdspace.preparation.signatures.answers import answer_lines
from holdspace.preparation.signatures.pdf import signature_pdf_response
from holdspace.preparation.signatures.selectors import sign_page, signature_for_pdf
from holdspace.preparation.signatures.services import MAX_TYPED_NAME, signature_create


class SignForm(forms.Form):
    typed_name = forms.CharField(
        label=gettext_lazy("Type your full name to sign"),
        max_length=MAX_TYPED_NAME,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        error_messages={"required": gettext_lazy("Type your full name to sign.")},
    )
    version = forms.CharField(widget=forms.HiddenInput)


def _errors_onto(sign: forms.Form, answers: forms.Form | None, exc: ValidationError) -> None:
    """A service refusal beside its field: `answers.x` on the answers form, the rest here."""
    for field, problems in exc.message_dict.items():
        if field.startswith("answers.") and answers is not None:
            name = field.removeprefix("answers.")
            answers.add_error(name if name in answers.fields else None, problems)
        elif field == "answers" and answers is not None:
            answers.add_error(None, problems)
        else:  # the typed name beside its field; the rest (version, signer…) above the form
            sign.add_error("typed_name" if field == "typed_name" else None, problems)


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, couple_id: int, partner_id: int, document: str) -> HttpResponse:
    """Read DOCUMENT's exact text and sign it by typing a full name (for a per-session form,
    `?booking=` names the session)."""
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    booking_id = request.GET.get("booking")
    page = sign_page(
        viewer=viewer,
        couple=couple,
        partner_id=partner_id,
        document=document,
        booking_id=booking_id,
    )
    posted = request.POST if request.method == "POST" else None
    form = SignForm(posted, initial={"version": page.document.version})
    previous = page.previous.answers if page.previous and page.with_answers else None
    answers = FORMS[document](posted, initial=previous) if page.with_answers else None
    if posted is not None and form.is_valid() and (answers is None or answers.is_valid()):
        try:
            signature_create(
                viewer=viewer,
                couple=couple,
                partner_id=partner_id,
                document=document,
                version=form.cleaned_data["version"],
                typed_name=form.cleaned_data["typed_name"],
                booking_id=page.booking.pk if page.booking else None,
                answers=posted,
            )
        except ValidationError as exc:
            _errors_onto(form, answers, exc)
        else:
            messages.success(request, _("Signed. You can download a signed copy at any time."))
            return redirect("readiness", couple.pk)
    return render(
        request,
        "preparation/sign.html",
        {
            "page": page,
            "couple": couple,
            "form": form,
            "answers_form": answers,
            "paragraphs": [p for p in page.document.text.split("\n\n") if p.strip()],
            "signed": [(s, answer_lines(s.document, s.answers)) for s in page.signatures],
        },
        status=422 if posted is not None else 200,
    )


@login_required
@require_GET
def signature_pdf(request: HttpRequest, couple_id: int, signature_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    return signature_pdf_response(
        signature_for_pdf(viewer=viewer, couple=couple, signature_id=signature_id)
    )
