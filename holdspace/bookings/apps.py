from __future__ import annotations

from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "holdspace.bookings"
    label = "bookings"
    verbose_name = "Calendar bookings"
