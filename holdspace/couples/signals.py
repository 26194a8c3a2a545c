"""What a couple's change tells the apps that follow the couple, without couples importing
them: when a couple withdraws, each receiver stops its own work for the couple, inside the
withdrawal's transaction, and answers what it stopped (a mapping of counts) for the
withdrawal's audit event."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `couple=` (sender: Couple) by couples.services.couple_withdraw.
couple_withdrawn = Signal()
