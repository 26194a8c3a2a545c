"""Appending to the audit trail, and checking that it is intact."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from holdspace.audit.actions import Action
from holdspace.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _payload(event: AuditEvent) -> bytes:
    fields = {
        "chain": event.chain,
        "seq": event.seq,
        "organisation": event.organisation_id,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "couple_id": event.couple_id,
        "ip": event.ip,
        "detail": event.detail,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_digest(prev_digest: str, event: AuditEvent) -> str:
    key = settings.AUDIT_KEY.encode()
    return hmac.new(key, prev_digest.encode() + _payload(event), hashlib.sha256).hexdigest()


def _locked_head(chain: int) -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(chain=chain)
    except IntegrityError:  # created by a concurrent first append
        pass
    return AuditChainHead.objects.select_for_update().get(chain=chain)


@dataclass(frozen=True)
class Subject:
    """Where an event about a record belongs: its organisation, couple, type and id."""

    organisation_id: int | None
    couple_id: int | None
    object_type: str
    object_id: object


def audit_subject(instance: models.Model) -> Subject:
    """The organisation, couple, type and id of INSTANCE, as the audit trail names them: an
    organisation is its own organisation, a couple its own couple; any other record names the
    ones it carries. The type is the model's `audit_type` or its name in snake case."""
    model = type(instance)
    label = model._meta.label_lower
    object_type = getattr(model, "audit_type", None) or _snake(model.__name__)
    organisation_id = instance.pk if label == "accounts.organisation" else None
    couple_id = instance.pk if label == "couples.couple" else None
    if organisation_id is None:
        organisation_id = getattr(instance, "organisation_id", None)
    if couple_id is None:
        couple_id = getattr(instance, "couple_id", None)
    return Subject(organisation_id, couple_id, object_type, instance.pk)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def audit_record(
    *,
    action: str,
    organisation_id: int | None,
    actor_id: int | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: object = "",
    couple_id: int | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to its organisation's chain, inside the caller's transaction."""
    chain = organisation_id or 0
    with transaction.atomic():
        head = _locked_head(chain)
        event = AuditEvent(
            chain=chain,
            seq=head.last_seq + 1,
            organisation_id=organisation_id,
            created_at=timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label[:254],
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            couple_id=couple_id,
            ip=(ip or "")[:64],
            detail=detail or {},
            prev_digest=head.last_digest,
        )
        event.digest = compute_digest(head.last_digest, event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(
            last_seq=event.seq, last_digest=event.digest
        )
    return event


@dataclass(frozen=True)
class ChainProblem:
    chain: int
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"chain {self.chain}, event seq {self.seq}"
        if self.event_id is not None:
            where += f" (id {self.event_id})"
        return f"{where}: {self.reason}"


def _events(chain: int) -> Iterator[AuditEvent]:
    return AuditEvent.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=2000)


def audit_verify() -> tuple[int, ChainProblem | None]:
    """Check every chain; return the number of events checked and the first problem."""
    checked = 0
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    chains = set(heads) | set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    for chain in sorted(chains):
        prev_digest, expected_seq = GENESIS, 1
        for event in _events(chain):
            checked += 1
            if event.seq != expected_seq:
                return checked, ChainProblem(
                    chain,
                    expected_seq,
                    None,
                    f"event missing (the next one stored is seq {event.seq}, id {event.id})",
                )
            if event.prev_digest != prev_digest:
                return checked, ChainProblem(
                    chain, event.seq, event.id, "does not link to the event before it"
                )
            if not hmac.compare_digest(event.digest, compute_digest(prev_digest, event)):
                return checked, ChainProblem(
                    chain, event.seq, event.id, "altered: its digest does not match its contents"
                )
            prev_digest, expected_seq = event.digest, expected_seq + 1
        head = heads.get(chain)
        if head is None or head.last_seq != expected_seq - 1 or head.last_digest != prev_digest:
            return checked, ChainProblem(
                chain,
                expected_seq,
                None,
                "the newest events are missing: the chain ends before its recorded head",
            )
    return checked, None


@dataclass(frozen=True)
class ActionNames:
    former: list[tuple[str, str, int]]  # (former string, current action, events)
    unknown: list[tuple[str, int]]


def audit_action_names() -> ActionNames:
    """How many stored events name an action by a former name, or by none Holdspace knows."""
    former: list[tuple[str, str, int]] = []
    unknown: list[tuple[str, int]] = []
    counts = AuditEvent.objects.values_list("action").annotate(n=models.Count("id"))
    for stored, n in counts.order_by("action"):
        action = Action.read(stored)
        if action is None:
            unknown.append((stored, n))
        elif action.value != stored:
            former.append((stored, action.value, n))
    return ActionNames(former=former, unknown=unknown)
