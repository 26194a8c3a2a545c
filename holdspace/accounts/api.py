from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from holdspace.accounts.models import Role
from holdspace.lib.api import documented

router = Router(tags=["me"])


class MembershipOut(Schema):
    organisation_id: int
    organisation: str
    profile: str
    role: Role


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    memberships: list[MembershipOut]


@router.get(
    "/me",
    response=documented({200: MeOut}, reads=False),
    summary="The signed-in person and their roles",
)
def me(request: HttpRequest) -> MeOut:
    user = request.auth  # type: ignore[attr-defined]
    memberships = [
        MembershipOut(
            organisation_id=m.organisation_id,
            organisation=m.organisation.name,
            profile=m.organisation.profile,
            role=m.role,
        )
        for m in user.memberships.select_related("organisation").order_by("organisation_id")
    ]
    return MeOut(
        id=user.pk, email=user.email, display_name=user.display_name, memberships=memberships
    )
