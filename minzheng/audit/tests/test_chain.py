"""The audit log is append-only and hash-chained (issue 16, 等保三级): the chain links every event, the
database refuses UPDATE/DELETE, tampering behind the trigger's back is found by ``audit-verify``, and the
retention purge deletes only rows older than 180 days and re-anchors the chain."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from minzheng.audit.chain import HASHED_FIELDS, event_hash, verify
from minzheng.audit.models import Event, PersonalDataAccess
from minzheng.audit.services import event_record, personal_data_access_record

pytestmark = pytest.mark.django_db


def record(n: int, actor=None) -> list[Event]:
    return [
        event_record(
            actor=actor,
            verb="test.recorded",
            object_type="household",
            object_id=i,
            division_code="150102001001",
            summary=f"第 {i} 条",
            data={"amount": 1.0, "names": ["张三"], "nested": {"b": 2, "a": [1, 2.5]}},
            ip_address="::ffff:10.0.0.1" if i % 2 else "203.0.113.7",
        )
        for i in range(n)
    ]


def old_event(days: int) -> Event:
    """An event written ``days`` ago, correctly chained (as the writer would have done then)."""
    previous = Event.objects.order_by("-pk").values_list("hash", flat=True).first() or ""
    fields = {
        "occurred_at": timezone.now() - dt.timedelta(days=days),
        "actor_id": None,
        "verb": "test.old",
        "object_type": "household",
        "object_id": str(days),
        "division_code": "",
        "summary": "",
        "data": {},
        "ip_address": None,
    }
    return Event.objects.create(**fields, previous_hash=previous, hash=event_hash(previous, fields))


def tamper(sql: str, params: list) -> None:
    """What a database superuser could do: switch triggers off (replica mode), change a row, switch back."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def test_each_event_links_to_the_one_before_and_the_chain_verifies(capsys):
    # when
    events = record(3)

    # then
    stored = list(Event.objects.order_by("pk").values("pk", "previous_hash", "hash", *HASHED_FIELDS))
    assert [e["previous_hash"] for e in stored] == ["", events[0].hash, events[1].hash]
    assert all(event_hash(e["previous_hash"], e) == e["hash"] for e in stored)
    assert len({e["hash"] for e in stored}) == 3
    call_command("audit_verify")
    assert capsys.readouterr().out.strip() == "审计日志哈希链完好：共 3 条事件"


def test_update_and_delete_through_the_orm_are_refused():
    # given
    event = record(1)[0]

    # when / then
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(summary="改过")
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    event.summary = "改过"
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
        event.save()
    assert Event.objects.get(pk=event.pk).summary == "第 0 条"


def test_personal_data_access_records_cannot_be_deleted(users):
    # given
    access = personal_data_access_record(actor=users["caseworker"], fields=["id_number"], purpose="查看")

    # when / then
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
        PersonalDataAccess.objects.filter(pk=access.pk).delete()
    assert PersonalDataAccess.objects.filter(pk=access.pk).exists()


def test_a_row_changed_behind_the_trigger_is_found_by_verify():
    # given
    events = record(4)
    tamper("UPDATE audit_event SET summary = %s WHERE id = %s", ["改过", events[2].pk])

    # when
    with pytest.raises(CommandError) as error:
        call_command("audit_verify")

    # then
    assert str(error.value) == (
        f"审计日志哈希链在事件 #{events[2].pk} 处断开：记录内容与其哈希不符（记录被修改）（此前 2 条完好）"
    )


def test_a_row_deleted_behind_the_trigger_is_found_by_verify():
    # given
    events = record(4)
    tamper("DELETE FROM audit_event WHERE id = %s", [events[1].pk])

    # when
    verdict = verify(Event)

    # then
    assert (verdict.broken_id, verdict.checked) == (events[2].pk, 1)
    assert verdict.reason == "前序哈希与上一条记录的哈希不符（记录被删除或插入）"


def test_deleting_the_oldest_rows_behind_the_trigger_is_found_too():
    # given
    events = record(3)
    tamper("DELETE FROM audit_event WHERE id = %s", [events[0].pk])

    # when
    verdict = verify(Event)

    # then
    assert verdict.broken_id == events[1].pk


def test_purge_deletes_only_rows_past_retention_and_re_anchors_the_chain(settings, users):
    # given: two events older than 180 days, one 100 days old, one today
    settings.AUDIT_RETENTION_DAYS = 30  # below the floor: 180 days still apply
    old_event(400), old_event(200)
    kept = [old_event(100), *record(1)]
    PersonalDataAccess.objects.create(actor=users["caseworker"], fields="id_number", purpose="查看")

    # when
    call_command("audit_purge")

    # then
    assert list(Event.objects.exclude(verb="audit.purged").order_by("pk").values_list("pk", flat=True)) == [
        e.pk for e in kept
    ]
    purged = Event.objects.get(verb="audit.purged")
    assert purged.data["events"] == 2
    assert purged.data["retention_days"] == 180
    assert purged.data["anchor_id"] == kept[0].pk
    assert purged.previous_hash == kept[-1].hash
    assert verify(Event).intact
    assert verify(Event).checked == 3
    # a recent row still cannot be deleted, even with the purge switch set by hand
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('minzheng.audit_purge_days', '180', true)")
        with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
            Event.objects.filter(pk=kept[0].pk).delete()
