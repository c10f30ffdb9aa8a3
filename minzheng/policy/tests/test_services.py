"""parameter_set: versioning, overlap and back-dating refused, permissions and scope, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from minzheng.audit.models import Event
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.policy.errors import ParameterConflict, ParameterValueInvalid
from minzheng.policy.models import Parameter, Programme
from minzheng.policy.services import parameter_set

D = dt.date
KEY = "dibao.standard_monthly"
JAN_2023 = D(2023, 1, 1)


def put(actor, *, code="150000000000", urban_rural="urban", start=JAN_2023, value="840", valid_to=None):
    return parameter_set(actor=actor, key=KEY, division_code=code, urban_rural=urban_rural, valid_from=start,
                         value=value, source="《关于2023年全区社会救助标准有关事宜的通知》", status="reported",
                         valid_to=valid_to)  # fmt: skip


def snapshot():
    return list(Parameter.objects.order_by("id").values_list("id", "valid_to", "superseded_at", "version"))


def test_programmes_are_created_by_the_migration(db):
    assert list(Programme.objects.values_list("code", flat=True)) == [
        "dibao", "extreme_poverty_support", "temporary_assistance", "margin_household", "rigid_expense_household",
        "senior_allowance", "disability_living_subsidy", "severe_disability_care_subsidy", "orphan_allowance",
        "de_facto_orphan_allowance",
    ]  # fmt: skip


def test_a_new_version_closes_the_open_row_and_is_audited(users):
    # given
    first = put(users["region"])
    # when
    second = put(users["region"], start=D(2024, 1, 1), value="880.5")
    # then
    first.refresh_from_db()
    assert (first.valid_from, first.valid_to, first.version) == (D(2023, 1, 1), D(2024, 1, 1), 1)
    assert (second.valid_from, second.valid_to, second.version, second.value) == (
        D(2024, 1, 1),
        None,
        2,
        "880.50",
    )
    assert second.created_by == users["region"]
    event = Event.objects.filter(verb="policy.parameter_set").order_by("id").last()
    assert (event.object_id, event.division_code, event.actor) == (
        str(second.id),
        "150000000000",
        users["region"],
    )
    assert event.data["changes"] == [
        {"action": "close", "parameter_id": first.id},
        {"action": "create", "parameter_id": None},
    ]


def test_versions_count_per_key_division_and_urban_rural(users):
    put(users["region"])
    rural = put(users["region"], urban_rural="rural", value="670")
    assert rural.version == 1


def test_setting_the_same_value_again_changes_nothing(users):
    first = put(users["region"])
    events = Event.objects.count()
    again = put(users["region"])
    assert again.id == first.id
    assert Parameter.objects.count() == 1
    assert Event.objects.count() == events


def test_backdating_before_the_open_row_is_refused_and_writes_nothing(users):
    put(users["region"])
    before, events = snapshot(), Event.objects.count()
    with pytest.raises(ParameterConflict) as caught:
        put(users["region"], start=D(2022, 6, 1), value="800")
    assert caught.value.message.startswith(
        "政策参数 dibao.standard_monthly（150000000000 城镇）的生效日期 2022-06-01 早于现行版本的生效日期 2023-01-01"
    )
    assert snapshot() == before
    assert Event.objects.count() == events


def test_overlap_with_a_closed_row_is_refused(users):
    put(users["region"], start=D(2022, 1, 1), valid_to=D(2023, 1, 1), value="813")
    put(users["region"], start=D(2024, 1, 1), value="880")
    before = snapshot()
    with pytest.raises(ParameterConflict) as caught:
        put(users["region"], start=D(2023, 1, 1), valid_to=D(2024, 2, 1))
    assert caught.value.message == (
        "政策参数 dibao.standard_monthly（150000000000 城镇）的有效期 2023-01-01 至 2024-02-01 "
        "与已有版本的有效期 2024-01-01 至 长期 重叠"
    )
    assert snapshot() == before
    # the gap itself may be filled
    filled = put(users["region"], start=D(2023, 1, 1), valid_to=D(2024, 1, 1))
    assert filled.version == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraint only on PostgreSQL")
def test_the_database_refuses_overlapping_rows_written_around_the_service(users, divisions):
    put(users["region"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Parameter.objects.create(key=KEY, division=divisions["region"], urban_rural="urban", valid_from=D(2023, 6, 1),
                                 value="1.00", status="reported", source="x", version=9)  # fmt: skip


def test_the_database_refuses_valid_to_not_after_valid_from(divisions):
    with pytest.raises(IntegrityError), transaction.atomic():
        Parameter.objects.create(key=KEY, division=divisions["region"], valid_from=D(2023, 6, 1),
                                 valid_to=D(2023, 6, 1), value="1.00", status="reported", source="x", version=1)  # fmt: skip


@pytest.mark.parametrize(
    ("user", "code", "message"),
    [
        ("county", "150102000000", "只有自治区、盟市监管人员和系统管理员可以设定政策参数"),
        ("caseworker", "150102000000", "只有自治区、盟市监管人员和系统管理员可以设定政策参数"),
        ("auditor", "150000000000", "只有自治区、盟市监管人员和系统管理员可以设定政策参数"),
        ("prefecture", "150000000000", "区划 150000000000 不在您的管辖范围内"),
        ("prefecture", "152527000000", "区划 152527000000 不在您的管辖范围内"),
    ],
)
def test_who_may_not_set_parameters(users, user, code, message):
    with pytest.raises(PermissionDenied) as caught:
        put(users[user], code=code)
    assert caught.value.message == message
    assert Parameter.objects.count() == 0
    assert not Event.objects.filter(verb="policy.parameter_set").exists()


@pytest.mark.parametrize(("user", "code"), [("region", "152527"), ("admin", "15"), ("prefecture", "150102")])
def test_who_may_set_parameters(users, user, code):
    assert put(users[user], code=code).division.code == code.ljust(12, "0")


def test_an_inactive_supervisor_may_not(users):
    users["region"].is_active = False
    with pytest.raises(PermissionDenied):
        put(users["region"])


def test_parameters_only_at_region_prefecture_or_county_level(users):
    with pytest.raises(ValidationFailed) as caught:
        put(users["region"], code="150102001000")
    assert caught.value.message == (
        "政策参数 dibao.standard_monthly：区划 150102001000 不是自治区、盟市或旗县级，政策参数只能在这三级设定"
    )
    assert Parameter.objects.count() == 0


def test_invalid_value_writes_nothing(users):
    with pytest.raises(ParameterValueInvalid):
        put(users["region"], value="-5")
    assert Parameter.objects.count() == 0
