"""/api/v1/couples/{id}/readiness: the readiness gate, through the same selector and policy as
the readiness page."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from holdspace.lib.api import ErrorOut, documented
from holdspace.lib.citations import citation
from holdspace.policy.core import viewer_from_request
from holdspace.policy.couples import get_couple_for
from holdspace.preparation.readiness import Item
from holdspace.preparation.selectors import readiness_read

router = Router(tags=["screening and preparation"])


class ItemOut(Schema):
    code: str
    label: str
    done: bool
    detail: str
    source: str
    unverified: bool
    # Not done, but answered and with the care team: nothing for the partner to do.
    with_care_team: bool = False


class PartnerReadinessOut(Schema):
    partner_id: int
    display_name: str
    ready: bool
    items: list[ItemOut]


class ReadinessOut(Schema):
    couple_id: int
    profile: str
    substance: str
    ready: bool
    partners: list[PartnerReadinessOut]
    couple_items: list[ItemOut]


def _item_out(item: Item, *, partner: bool = False) -> ItemOut:
    out = ItemOut(**{**item.as_dict(), "source": citation(item.source)})  # type: ignore[arg-type]
    if partner and item.partner_detail:
        out.detail = item.partner_detail
    return out


@router.get(
    "/{couple_id}/readiness",
    response=documented({200: ReadinessOut, 403: ErrorOut}),
    summary="What each partner has done and what is missing before a medicine session",
)
def readiness_view(request: HttpRequest, couple_id: int) -> ReadinessOut:
    viewer = viewer_from_request(request)
    seen = readiness_read(viewer=viewer, couple=get_couple_for(viewer, couple_id))
    # A partner learns only whether they themselves are ready, in the words meant for them.
    own_only = not seen.care_team
    return ReadinessOut(
        couple_id=seen.result.couple.pk,
        profile=seen.result.profile.id,
        substance=seen.result.substance,
        ready=seen.ready,
        partners=[
            PartnerReadinessOut(
                partner_id=p.partner.user_id,
                display_name=p.partner.user.display_name,
                ready=p.ready,
                items=[_item_out(i, partner=own_only) for i in p.items],
            )
            for p in seen.partners
        ],
        couple_items=[_item_out(i) for i in seen.result.couple_items],
    )
