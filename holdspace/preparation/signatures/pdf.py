"""A signed copy of one signature as a PDF, drawn by WeasyPrint: the exact text signed, the
answers signed with it, the typed name, the signer and their role, the time in the
organisation's zone, the version and the SHA-256 of the text."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from holdspace.preparation.models import Signature
from holdspace.preparation.signatures.answers import answer_lines


def render_signature_pdf(signature: Signature, *, organisation_name: str) -> bytes:
    """SIGNATURE on A4. Nothing is fetched while rendering: only data: URLs are allowed."""
    # Imported on first use, not for a cycle: WeasyPrint takes seconds to load (Pango, fonts),
    # which only a PDF download should pay.
    from weasyprint import HTML  # type: ignore[import-untyped]  # noqa: PLC0415
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]  # noqa: PLC0415

    with timezone.override(signature.organisation.tzinfo):
        html = render_to_string(
            "preparation/signature_pdf.html",
            {
                "signature": signature,
                "organisation_name": organisation_name,
                "paragraphs": [p for p in signature.text.split("\n\n") if p.strip()],
                "answers": answer_lines(signature.document, signature.answers),
                "signed_at": timezone.localtime(signature.signed_at),
                "zone": str(signature.organisation.tzinfo),
            },
        )
    pdf: bytes = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()
    return pdf


def signature_pdf_response(signature: Signature) -> HttpResponse:
    """The signed copy as a download, never kept by a cache (the page and the API answer the
    same)."""
    body = render_signature_pdf(signature, organisation_name=signature.organisation.name)
    response = HttpResponse(body, content_type="application/pdf")
    day = signature.signed_at.date().isoformat()
    name = f"holdspace-signed-{signature.document.replace('_', '-')}-{signature.pk}-{day}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
