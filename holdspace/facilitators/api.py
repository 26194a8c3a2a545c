"""/api/v1/facilitators, /api/v1/couples/{id}/guides and credential verification: the same
services and policy as the web pages."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from holdspace.accounts.models import Role
from holdspace.facilitators.models import (
    Credential,
    CredentialKind,
    CredentialStatus,
    GuideReview,
)
from holdspace.facilitators.selectors import facilitators_page, guide_questions, guides_page
from holdspace.facilitators.services import credential_set_status, guide_review
from holdspace.lib.api import (
    ErrorOut,
    Input,
    Page,
    PageQuery,
    documented,
    next_offset,
    page_slice,
)
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.policy.facilitators import (
    facilitators_organisation_for,
    get_credential_for,
    get_guide_for,
    require_guides_view,
)

router = Router(tags=["facilitators"])


class CredentialOut(Schema):
    id: int
    kind: CredentialKind
    title: str
    jurisdiction: str
    number: str = Field(description="Staff only; empty for couples.")
    hours: int | None
    issued_on: dt.date | None
    expires_on: dt.date | None
    status: CredentialStatus
    public_register: str = Field(description="Staff only; empty for couples.")
    verified_at: dt.datetime | None


class FacilitatorOut(Schema):
    user_id: int
    display_name: str
    role: Role
    credentials: list[CredentialOut]
    expiring_within_60_days: list[int]
    concerns: int | None = Field(description="Clinical leads only.")
    adverse_events: int | None = Field(description="Clinical leads only.")


class FacilitatorListOut(Page[FacilitatorOut]):
    pass


class OrgQuery(PageQuery):
    org: int | None = Field(
        default=None, description="The organisation; by default the caller's first as admin/lead."
    )


class GuideOut(Schema):
    user_id: int
    display_name: str
    credentials: list[CredentialOut]
    languages: list[str]
    substances: list[str]
    modalities: list[str]
    supervision: str
    conflicts_of_interest: str
    my_review: Literal["approve", "concern"] | None


class GuideListOut(Page[GuideOut]):
    pass


class GuideQuestionListOut(Page[str]):
    """Questions a couple may ask their guides (the same for every couple)."""


class StatusIn(Input):
    status: CredentialStatus
    public_register: str = Field(
        default="", max_length=300, description="Required to verify: the register checked."
    )


class ReviewIn(Input):
    decision: Literal["approve", "concern"]
    note: str = Field(default="", max_length=4000)


class ReviewOut(Schema):
    id: int
    facilitator_id: int
    decision: Literal["approve", "concern"]
    created_at: dt.datetime


def _credential_out(c: Credential, *, staff: bool) -> CredentialOut:
    return CredentialOut(
        id=c.pk,
        kind=CredentialKind(c.kind),
        title=c.title,
        jurisdiction=c.jurisdiction,
        number=c.number if staff else "",
        hours=c.hours,
        issued_on=c.issued_on,
        expires_on=c.expires_on,
        status=CredentialStatus(c.status),
        public_register=c.register if staff else "",
        verified_at=c.verified_at,
    )


@router.get(
    "/facilitators",
    response=documented({200: FacilitatorListOut, 403: ErrorOut}),
    summary="The organisation's facilitators and their credentials (org admins and clinical leads)",
)
def facilitators(request: HttpRequest, query: Query[OrgQuery]) -> FacilitatorListOut:
    viewer = viewer_from_request(request)
    organisation = facilitators_organisation_for(viewer, query.org)
    page = facilitators_page(viewer=viewer, organisation=organisation)
    lead = page.lead
    rows, total = page_slice(page.rows, query)
    return FacilitatorListOut(
        count=total,
        next=next_offset(query, total),
        items=[
            FacilitatorOut(
                user_id=row.user.pk,
                display_name=row.user.display_name,
                role=Role(row.role),
                credentials=[_credential_out(c, staff=True) for c in row.credentials],
                expiring_within_60_days=[c.pk for c in row.expiring],
                concerns=row.concerns if lead else None,
                adverse_events=row.adverse_events if lead else None,
            )
            for row in rows
        ],
    )


@router.post(
    "/credentials/{credential_id}/status",
    response=documented({200: CredentialOut}, writes=True),
    summary="Verify, suspend, revoke or expire a credential (org admins and clinical leads)",
)
def credential_status(request: HttpRequest, credential_id: int, payload: StatusIn) -> CredentialOut:
    viewer = viewer_from_request(request)
    credential = get_credential_for(viewer, credential_id)
    updated = credential_set_status(
        viewer=viewer,
        credential=credential,
        status=payload.status,
        register=payload.public_register,
    )
    return _credential_out(updated, staff=True)


@router.get(
    "/couples/{couple_id}/guides",
    response=documented({200: GuideListOut, 403: ErrorOut}),
    summary="The couple's guides as the couple sees them (partners and their care team)",
)
def guides(request: HttpRequest, couple_id: int, query: Query[PageQuery]) -> GuideListOut:
    page = guides_page(viewer=viewer_from_request(request), couple_id=couple_id)
    found, total = page_slice(page.guides, query)
    return GuideListOut(
        count=total,
        next=next_offset(query, total),
        items=[
            GuideOut(
                user_id=g.user.pk,
                display_name=g.user.display_name,
                credentials=[_credential_out(c, staff=False) for c in g.credentials],
                languages=g.profile.languages if g.profile else [],
                substances=g.profile.substances if g.profile else [],
                modalities=g.profile.modalities if g.profile else [],
                supervision=g.profile.supervision if g.profile else "",
                conflicts_of_interest=g.profile.conflicts_of_interest if g.profile else "",
                my_review=g.my_review.decision if g.my_review else None,  # type: ignore[arg-type]
            )
            for g in found
        ],
    )


@router.get(
    "/couples/{couple_id}/guides/questions",
    response=documented({200: GuideQuestionListOut, 403: ErrorOut}),
    summary="Questions the couple may ask their guides (partners and their care team)",
)
def guide_question_list(
    request: HttpRequest, couple_id: int, query: Query[PageQuery]
) -> GuideQuestionListOut:
    viewer = viewer_from_request(request)
    require_guides_view(viewer, get_couple_for(viewer, couple_id))
    found, total = page_slice(guide_questions()[0], query)
    return GuideQuestionListOut(items=found, count=total, next=next_offset(query, total))


@router.post(
    "/couples/{couple_id}/guides/{user_id}/review",
    response=documented({201: ReviewOut}, writes=True),
    summary="A partner approves a guide, or raises a concern the clinical lead sees",
)
def review(
    request: HttpRequest, couple_id: int, user_id: int, payload: ReviewIn
) -> Status[ReviewOut]:
    viewer = viewer_from_request(request)
    couple = get_couple_for(viewer, couple_id)
    made: GuideReview = guide_review(
        viewer=viewer,
        couple=couple,
        facilitator_id=get_guide_for(viewer, couple, user_id),
        decision=payload.decision,
        note=payload.note,
    )
    return Status(
        201,
        ReviewOut(
            id=made.pk,
            facilitator_id=made.facilitator_id,
            decision=made.decision,  # type: ignore[arg-type]
            created_at=made.created_at,
        ),
    )
