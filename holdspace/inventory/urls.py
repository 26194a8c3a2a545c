from __future__ import annotations

from django.urls import path

from holdspace.inventory import views

urlpatterns = [
    path("", views.ledger, name="inventory"),
    path("ledger.csv", views.ledger_csv, name="inventory_csv"),
    path("lots/new/", views.lot_new, name="inventory_lot_new"),
    path("lots/<int:lot_id>/", views.lot_detail, name="inventory_lot"),
    path("lots/<int:lot_id>/ledger.csv", views.lot_csv, name="inventory_lot_csv"),
    path("lots/<int:lot_id>/status", views.lot_status, name="inventory_lot_status"),
    path("lots/<int:lot_id>/movements", views.lot_movement, name="inventory_lot_movement"),
    path("lots/<int:lot_id>/reconciliations", views.lot_count, name="inventory_lot_count"),
]
