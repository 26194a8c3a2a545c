from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One line of the tamper-evident audit trail; never updated, never deleted.

    Each organisation has its own chain (events outside any organisation, such as a
    failed sign-in for an unknown address, form chain 0). `digest` is an HMAC over the
    previous event's digest and this event's fields, so altering or removing any event
    breaks every digest after it.
    """

    chain = models.BigIntegerField()  # organisation id, or 0
    seq = models.BigIntegerField()
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    couple_id = models.BigIntegerField(null=True, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq")]
        indexes = [
            models.Index(fields=["couple_id", "created_at"]),
            models.Index(fields=["actor_id", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.chain}/{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """The last sequence number and digest of each chain.

    Appends lock this row, so a chain grows one event at a time, and `audit verify`
    compares the last event against it, so removing the newest events is detected too.
    """

    chain = models.BigIntegerField(unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_digest = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"chain {self.chain} at {self.last_seq}"
