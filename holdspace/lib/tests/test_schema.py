"""Every table that holds client data carries the organisation id, with a unique
(organisation, id) pair, so the schema can be distributed by tenant later."""

from __future__ import annotations

from django.apps import apps
from django.db import models

# Global or infrastructure tables: identities, tenants themselves, sign-in secrets, and the
# audit chain heads (keyed by chain, which is the organisation id).
NOT_TENANT_DATA = {
    "accounts.User",
    "accounts.Organisation",
    "accounts.ApiToken",
    "audit.AuditChainHead",
}


def _holdspace_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("holdspace.")]


def test_it_puts_the_organisation_on_every_client_data_table() -> None:
    missing = []
    for model in _holdspace_models():
        label = model._meta.label
        if label in NOT_TENANT_DATA:
            continue
        field = next((f for f in model._meta.fields if f.name == "organisation"), None)
        if field is None:
            missing.append(label)
    assert missing == []


def test_it_pairs_the_organisation_with_the_id_in_a_unique_constraint() -> None:
    unpaired = []
    for model in _holdspace_models():
        label = model._meta.label
        if label in NOT_TENANT_DATA or label == "audit.AuditEvent":
            continue  # audit events are unique by (chain, seq), chain being the organisation
        pairs = [
            tuple(c.fields)
            for c in model._meta.constraints
            if isinstance(c, models.UniqueConstraint)
        ]
        if ("organisation", "id") not in pairs:
            unpaired.append(label)
    assert unpaired == []
