"""Audit pages: scoping to the auditor's division, filters, pagination, Excel export, personal-data log."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.audit.models import Event, PersonalDataAccess
from minzheng.audit.services import event_record, personal_data_access_record


@pytest.fixture
def taibus_auditor(make_user, divisions):
    return make_user("taibus_auditor", "auditor", divisions["taibus"])


@pytest.fixture
def events(users):
    """Two events in Xincheng, one in Taibus, one without a division."""
    return {
        "xincheng": event_record(
            actor=users["caseworker"], verb="household.created", object_type="household", object_id=1,
            division_code="150102001001", summary="新建家庭 1",
        ),
        "xincheng2": event_record(
            actor=users["county"], verb="household.updated", object_type="household", object_id=1,
            division_code="150102001001", summary="修改家庭 1",
        ),
        "taibus": event_record(
            actor=users["taibus_caseworker"], verb="household.created", object_type="household", object_id=2,
            division_code="152527201206", summary="新建家庭 2",
        ),
        "nowhere": event_record(actor=None, verb="login.failed", object_type="user", object_id="nobody"),
    }  # fmt: skip


def ids(response) -> list[int]:
    return [event.pk for event in response.context["page"]]


def test_region_auditor_sees_every_event_of_the_region(client, users, events):
    # given
    client.force_login(users["auditor"])

    # when
    response = client.get("/audit/")

    # then
    assert response.status_code == 200
    assert ids(response) == [events["taibus"].pk, events["xincheng2"].pk, events["xincheng"].pk]


def test_banner_auditor_sees_only_its_banner(client, taibus_auditor, events):
    # given
    client.force_login(taibus_auditor)

    # when
    response = client.get("/audit/")

    # then
    assert ids(response) == [events["taibus"].pk]
    assert "新建家庭 1" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("verb=household.created", ["taibus", "xincheng"]),
        ("object_type=household&object_id=1", ["xincheng2", "xincheng"]),
        ("actor=county", ["xincheng2"]),
        ("actor=taibus_case", ["taibus"]),
    ],
)
def test_filters(client, users, events, query, expected):
    # given
    client.force_login(users["auditor"])

    # when
    response = client.get(f"/audit/?{query}")

    # then
    assert ids(response) == [events[name].pk for name in expected]


def test_date_range_filter_uses_local_days(client, users, events):
    # given: one event at 2026-03-01 23:30 Beijing time (15:30 UTC); events cannot be moved (append-only)
    when = dt.datetime(2026, 3, 1, 23, 30, tzinfo=timezone.get_current_timezone())
    late = Event.objects.create(
        occurred_at=when, verb="household.created", object_type="household", object_id="3",
        division_code="150102001001",
    )  # fmt: skip
    client.force_login(users["auditor"])

    # when
    day = client.get("/audit/?date_from=2026-03-01&date_to=2026-03-01")
    after = client.get("/audit/?date_from=2026-03-02")

    # then
    assert ids(day) == [late.pk]
    assert late.pk not in ids(after)


def test_reversed_date_range_is_an_error(client, users, events):
    # given
    client.force_login(users["auditor"])

    # when
    response = client.get("/audit/?date_from=2026-03-02&date_to=2026-03-01")

    # then
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_pagination(client, users, settings):
    # given
    settings.PAGE_SIZE = 2
    for number in range(5):
        event_record(
            actor=users["caseworker"], verb="household.updated", object_type="household", object_id=number,
            division_code="150102001001",
        )  # fmt: skip
    client.force_login(users["auditor"])

    # when
    last = client.get("/audit/?verb=household.updated&page=3")

    # then
    assert [event.object_id for event in last.context["page"]] == ["0"]
    assert "共 5 条，第 3/3 页" in last.content.decode()


def test_export_writes_the_filtered_scoped_events_and_records_itself(client, taibus_auditor, events):
    # given
    client.force_login(taibus_auditor)

    # when
    response = client.get("/audit/export/?verb=household.created")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("时间", "事件", "对象类型", "对象编号", "区划代码", "操作人", "摘要", "IP 地址")
    assert [row[1:7] for row in rows[1:]] == [
        ("家庭：新建", "家庭", "2", "152527201206", "taibus_caseworker", "新建家庭 2")
    ]
    exported = Event.objects.get(verb="audit.exported")
    assert (exported.actor, exported.division_code, exported.summary) == (
        taibus_auditor,
        "152527000000",
        "导出业务事件 1 条",
    )


def test_export_over_the_limit_is_refused(client, users, events, settings):
    # given
    settings.EXPORT_SYNC_LIMIT = 2
    client.force_login(users["auditor"])

    # when
    response = client.get("/audit/export/", follow=True)

    # then
    assert "符合条件的事件超过 2 条，请缩小筛选范围后再导出" in response.content.decode()
    assert not Event.objects.filter(verb="audit.exported").exists()


def test_personal_data_log_is_scoped_by_the_viewers_division(client, users, taibus_auditor):
    # given
    local = personal_data_access_record(
        actor=users["taibus_caseworker"], fields=["id_number"], purpose="核对身份", person_id=7
    )
    personal_data_access_record(actor=users["caseworker"], fields=["phone"], purpose="电话回访", person_id=8)
    client.force_login(taibus_auditor)

    # when
    response = client.get("/audit/personal-data/")
    filtered = client.get("/audit/personal-data/?person_id=8")

    # then
    assert [access.pk for access in response.context["page"]] == [local.pk]
    assert "核对身份" in response.content.decode()
    assert list(filtered.context["page"]) == []
    assert PersonalDataAccess.objects.count() == 2


@pytest.mark.parametrize("name", ["caseworker", "county", "region"])
def test_roles_without_view_audit_are_refused(client, users, events, name):
    # given
    client.force_login(users[name])

    # when / then
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export/").status_code == 403
    assert client.get("/audit/personal-data/").status_code == 403
