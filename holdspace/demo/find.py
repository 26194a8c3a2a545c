"""Finding the demo's records by the names the data files use."""

from __future__ import annotations

from holdspace.accounts.models import Organisation, User
from holdspace.couples.models import Couple
from holdspace.policy.core import Viewer, viewer_for


def couple_named(organisation: Organisation, name: str) -> Couple | None:
    """The couple NAME of ORGANISATION with its partners and care team, if it is there."""
    return Couple.with_people(
        Couple.objects.filter(organisation=organisation, name=name).select_related("organisation")
    ).first()


def partner_id(couple: Couple, name: str) -> int:
    """The user id of the partner of COUPLE whose name is NAME (a data file naming someone
    else is a mistake in the file, said as such)."""
    for partner in couple.loaded_partners:
        if partner.user.display_name == name:
            return partner.user_id
    raise LookupError(f"{couple.name} has no partner named {name!r}")


def guide_of(couple: Couple) -> Viewer:
    """The first facilitator of COUPLE's care team, who records the couple's journey."""
    return viewer_for(User.objects.get(pk=couple.loaded_care_team[0].user_id))


def viewer_of(user_id: int) -> Viewer:
    return viewer_for(User.objects.get(pk=user_id))
