from __future__ import annotations

from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "holdspace.inventory"
    label = "inventory"
    verbose_name = "Product ledger"
