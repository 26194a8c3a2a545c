from __future__ import annotations

import hashlib
import threading

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdspace.audit.actions import Action
from holdspace.audit.models import AuditChainHead, AuditEvent
from holdspace.audit.services import audit_record, audit_verify


def _record(n: int, organisation_id: int | None = None) -> list[AuditEvent]:
    return [
        audit_record(
            action=Action.ENTRY_READ,
            organisation_id=organisation_id,
            actor_id=7,
            actor_label="a@example.org",
            object_type="entry",
            object_id=i,
            couple_id=3,
            ip="10.0.0.1",
            detail={"n": i},
        )
        for i in range(n)
    ]


def _drop_append_only_trigger() -> None:
    """What an attacker with DDL rights would do first; the chain must still tell."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_event_append_only ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER audit_event_append_only")


@pytest.mark.django_db
def test_it_chains_each_event_to_the_one_before(run_cli) -> None:  # type: ignore[no-untyped-def]
    events = _record(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_digest == before.digest
    assert audit_verify() == (5, None)
    assert run_cli(["audit", "verify"]) == 0


@pytest.mark.django_db
def test_it_keeps_one_chain_per_organisation(cast) -> None:  # type: ignore[no-untyped-def]
    _record(2, cast.center.pk)
    _record(3, cast.trial.pk)
    heads = dict(AuditChainHead.objects.values_list("chain", "last_seq"))
    assert heads[cast.trial.pk] == 3
    assert heads[cast.center.pk] == 2
    assert audit_verify()[1] is None


@pytest.mark.django_db
def test_it_has_the_database_refuse_to_update_an_event() -> None:
    event = _record(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="entry.create")
    assert AuditEvent.objects.get(pk=event.pk).action == "entry.read"


@pytest.mark.django_db
def test_it_has_postgresql_refuse_to_delete_an_event() -> None:
    event = _record(1)[0]
    if connection.vendor != "postgresql":
        # SQLite's test flush deletes rows, so it only refuses updates; deletions are
        # caught by the chain (see test_it_names_a_removed_event).
        assert not hasattr(connection, "pg_version")
        return
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_it_names_an_altered_event(run_cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    events = _record(6)
    _drop_append_only_trigger()
    AuditEvent.objects.filter(pk=events[3].pk).update(actor_label="someone-else@example.org")
    checked, problem = audit_verify()
    assert problem is not None
    assert (problem.seq, problem.event_id) == (4, events[3].pk)
    assert "altered" in problem.reason
    assert run_cli(["audit", "verify"]) == 1
    assert f"event seq 4 (id {events[3].pk})" in capsys.readouterr().err


@pytest.mark.django_db
def test_it_names_a_removed_event(run_cli) -> None:  # type: ignore[no-untyped-def]
    events = _record(6)
    _drop_append_only_trigger()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    _checked, problem = audit_verify()
    assert problem is not None
    assert problem.seq == 3
    assert "missing" in problem.reason
    assert run_cli(["audit", "verify"]) == 1


@pytest.mark.django_db
def test_it_notices_when_the_newest_events_are_removed() -> None:
    events = _record(4)
    _drop_append_only_trigger()
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    _checked, problem = audit_verify()
    assert problem is not None
    assert "newest events are missing" in problem.reason


@pytest.mark.django_db
def test_it_notices_an_event_rebuilt_without_the_key() -> None:
    """Recomputing a plain SHA-256 is not enough: the digest is keyed."""
    events = _record(3)
    _drop_append_only_trigger()
    forged = hashlib.sha256(events[0].prev_digest.encode() + b"forged").hexdigest()
    AuditEvent.objects.filter(pk=events[0].pk).update(digest=forged, action="auth.login")
    assert audit_verify()[1] is not None


FIELDS = {
    "action": st.sampled_from(["auth.login", "entry.update", "export"]),
    "actor_label": st.emails(),
    "object_id": st.integers(min_value=100, max_value=10**6).map(str),
    "ip": st.ip_addresses().map(str),
    # Text PostgreSQL's jsonb can hold: no NUL, no lone surrogates (a forger's edit is still
    # an edit the database accepted).
    "detail": st.dictionaries(
        st.text(
            st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
            min_size=1,
            max_size=5,
        ),
        st.integers(),
        min_size=1,
    ),
    "couple_id": st.integers(min_value=100, max_value=10**6),
}


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    index=st.integers(min_value=0, max_value=4),
    change=st.one_of(*[st.tuples(st.just(name), strategy) for name, strategy in FIELDS.items()]),
)
def test_it_detects_any_change_to_any_field_of_any_event(index: int, change: tuple) -> None:  # type: ignore[type-arg]
    sid = transaction.savepoint()
    try:
        events = _record(5)
        _drop_append_only_trigger()
        field, value = change
        AuditEvent.objects.filter(pk=events[index].pk).update(**{field: value})
        _checked, problem = audit_verify()
        assert problem is not None
        assert problem.event_id == events[index].pk
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_chain_whole_under_concurrent_appends() -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for i in range(10):
                audit_record(action=Action.ENTRY_READ, organisation_id=None, object_id=i)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == 40
    assert audit_verify() == (40, None)
