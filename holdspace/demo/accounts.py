"""The demo's accounts as the sign-in page lists them in demo mode, from people.toml."""

from __future__ import annotations

from dataclasses import dataclass

from holdspace.accounts.models import Role
from holdspace.demo.schemas import People, load


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str  # the role's label: "Clinical lead", "Partner"
    couple: str  # the couple's name, for a partner


@dataclass(frozen=True)
class DemoOrganisationAccounts:
    name: str
    accounts: list[DemoAccount]


def demo_accounts() -> list[DemoOrganisationAccounts]:
    """Every account of the demo, staff first, by organisation."""
    found = []
    for organisation in load("people", People).organisations:
        accounts = [DemoAccount(p.email, str(Role(p.role).label), "") for p in organisation.staff]
        accounts += [
            DemoAccount(partner.email, str(Role.PARTNER.label), couple.name)
            for couple in organisation.couples
            for partner in couple.partners
        ]
        found.append(DemoOrganisationAccounts(organisation.name, accounts))
    return found
