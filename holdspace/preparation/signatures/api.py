"""/api/v1/couples/{id}/signatures: a couple's signatures as the caller may see them, signing
a document by its typed name, and the signed copy as a PDF; the same selectors, service and
policy as the signing page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.lib.api import ErrorOut, Input, Page, PageQuery, documented, next_offset
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.models import DocumentKind, Signature, SignerRole
from holdspace.preparation.signatures.pdf import signature_pdf_response
from holdspace.preparation.signatures.selectors import signature_for_pdf, signature_list
from holdspace.preparation.signatures.services import signature_create

router = Router(tags=["screening and preparation"])


class SignatureOut(Schema):
    id: int
    partner_id: int = Field(description="The partner the document is about")
    document: DocumentKind
    version: str
    text_sha256: str = Field(description="SHA-256 (hex) of the exact UTF-8 text signed")
    role: SignerRole
    signer_id: int
    signer_name: str
    typed_name: str
    booking_id: int | None = Field(description="The session a per-session form is signed for")
    answers: dict[str, Any] = Field(description="Answers signed with the text (touch consent)")
    signed_at: dt.datetime


class SignatureListOut(Page[SignatureOut]):
    """Newest first."""


class SignatureCreateIn(Input):
    partner_id: int | None = Field(
        None, description="Whose document: defaults to the caller, for a partner"
    )
    document: str = Field(description="The signed form's code, as the profile names it")
    version: str = Field(description="The version of the text the signer was shown")
    typed_name: str = Field(description="The signer's full name, typed")
    booking_id: int | None = Field(None, description="For a per-session form: its session")
    answers: dict[str, Any] | None = Field(
        None, description="The form's answers, for a document signed with answers"
    )


def signature_out(signature: Signature) -> SignatureOut:
    return SignatureOut(
        id=signature.pk,
        partner_id=signature.partner_id,
        document=DocumentKind(signature.document),
        version=signature.version,
        text_sha256=signature.text_sha256,
        role=SignerRole(signature.role),
        signer_id=signature.signer_id,
        signer_name=signature.signer.display_name,
        typed_name=signature.typed_name,
        booking_id=signature.booking_id,
        answers=dict(signature.answers),
        signed_at=signature.signed_at,
    )


@router.get(
    "/{couple_id}/signatures",
    response=documented({200: SignatureListOut}),
    summary="The couple's signatures the caller may see (a partner: on their own documents)",
)
def signatures(request: HttpRequest, couple_id: int, query: Query[PageQuery]) -> SignatureListOut:
    viewer = viewer_from_request(request)
    found = signature_list(viewer=viewer, couple=get_couple_for(viewer, couple_id))
    total = found.count()
    return SignatureListOut(
        items=[signature_out(s) for s in found[query.offset : query.offset + query.limit]],
        count=total,
        next=next_offset(query, total),
    )


@router.post(
    "/{couple_id}/signatures",
    response=documented({201: SignatureOut}, writes=True),
    summary="Sign a document by typing a full name (the version shown must be the current one)",
)
def signature_new(
    request: HttpRequest, couple_id: int, payload: SignatureCreateIn
) -> Status[SignatureOut]:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    signature = signature_create(
        viewer=viewer,
        couple=couple,
        partner_id=payload.partner_id if payload.partner_id is not None else viewer.user.pk,
        document=payload.document,
        version=payload.version,
        typed_name=payload.typed_name,
        booking_id=payload.booking_id,
        answers=payload.answers,
    )
    return Status(201, signature_out(signature))


@router.get(
    "/{couple_id}/signatures/{signature_id}/pdf",
    response=documented({403: ErrorOut}),
    summary="The signed copy of one signature, as an A4 PDF",
    openapi_extra={
        "responses": {
            200: {
                "description": "The signed copy: the text, the answers, the typed name, who "
                "signed in which role, when (the organisation's zone), the version and SHA-256",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def signature_pdf(request: HttpRequest, couple_id: int, signature_id: int) -> HttpResponse:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    return signature_pdf_response(
        signature_for_pdf(viewer=viewer, couple=couple, signature_id=signature_id)
    )
