# ruff: noqa: F811  (the fixtures are imported from test_api, then used as parameters)
"""Issue 15 §6–7: income after a member's death is refused at entry (service and form); the self-care
codes are unambiguous, imports take the Chinese names and refuse the former codes; the data migration
converts stored rows, current and historical."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from conftest import id_number
from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import make_resident_id
from minzheng.registry.choices import SelfCare, self_care_code
from minzheng.registry.models import IncomeRecord, Person
from minzheng.registry.services import income_record_add

from .test_api import api, new_household_body, post  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
D = dt.date
DEATH_MESSAGE = (
    "该成员已于 2026-06-15 死亡，收入所属期不能晚于死亡日期；请录入至 2026-06-15 为止"
    "（民法典第 13 条；最低生活保障审核确认办法第 7 条）"
)


@pytest.fixture
def deceased_home(household_factory):
    home = household_factory(head_name="周七", id_number=id_number("150102", D(1950, 1, 2), 71))
    Person.objects.filter(pk=home.head_id).update(death_date=D(2026, 6, 15))
    home.head.refresh_from_db()
    return home


def add(users, home, end: dt.date) -> IncomeRecord:
    return income_record_add(
        actor=users["caseworker"], household=home, person=home.head, category="wage", amount=Decimal("6000"),
        period_start=D(2026, 1, 1), period_end=end, source="declared",
    )  # fmt: skip


def test_income_past_the_death_date_is_refused_and_nothing_written(users, deceased_home):
    with pytest.raises(ValidationFailed) as refused:
        add(users, deceased_home, D(2026, 12, 31))

    assert (refused.value.code, refused.value.field, refused.value.message) == (
        "income_after_death", "period_end", DEATH_MESSAGE,
    )  # fmt: skip
    assert IncomeRecord.objects.count() == 0


def test_income_up_to_the_death_date_is_accepted(users, deceased_home):
    record = add(users, deceased_home, D(2026, 6, 15))

    assert (record.period_start, record.period_end) == (D(2026, 1, 1), D(2026, 6, 15))


def test_the_income_form_shows_the_death_rule_on_the_period_end(users, deceased_home):
    client = Client()
    client.force_login(users["caseworker"])

    response = client.post(
        reverse("registry:income_add", args=[deceased_home.pk]),
        {"person": deceased_home.head_id, "category": "wage", "amount": "6000", "period_start": "2026-01-01",
         "period_end": "2026-12-31", "source": "declared"},
    )  # fmt: skip

    assert response.status_code == 422
    assert DEATH_MESSAGE in response.content.decode()
    assert IncomeRecord.objects.count() == 0


# --- self-care codes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("capable", "capable"),
        ("具备生活自理能力", "capable"),
        ("部分丧失", "partly_incapable"),
        ("部分丧失生活自理能力", "partly_incapable"),
        ("完全丧失", "fully_incapable"),
        (" 完全丧失生活自理能力 ", "fully_incapable"),
        ("", ""),
    ],
)
def test_imports_take_codes_and_chinese_names(value, code):
    assert self_care_code(value) == code


@pytest.mark.parametrize("old", ["full", "partial", "none", "FULL"])
def test_the_former_ambiguous_codes_are_refused_with_the_new_ones_named(old):
    with pytest.raises(ValueError, match="已停用") as refused:
        self_care_code(old)
    assert str(refused.value) == (
        f"“{old}”是已停用的生活自理能力旧代码（含义易颠倒），不再接受；请填写 capable（具备生活自理能力）、"
        "partly_incapable（部分丧失生活自理能力）或 fully_incapable（完全丧失生活自理能力），或直接填写中文名称"
    )


def test_labels_name_each_tier_unambiguously():
    assert [(c.value, c.label) for c in SelfCare] == [
        ("capable", "具备生活自理能力"),
        ("partly_incapable", "部分丧失生活自理能力"),
        ("fully_incapable", "完全丧失生活自理能力"),
    ]


def test_the_api_stores_a_chinese_name_and_refuses_an_old_code(api):
    body = new_household_body(make_resident_id("150102", D(1940, 4, 4), 121))
    body["head"]["self_care"] = "完全丧失"
    created = post(api(), "/households", body)
    assert created.status_code == 201, created.json()
    assert Person.objects.get().self_care == "fully_incapable"

    old = new_household_body(make_resident_id("150102", D(1941, 4, 4), 131))
    old["head"]["self_care"] = "none"
    refused = post(api(), "/households", old)
    assert refused.status_code == 422
    assert (refused.json()["field"], refused.json()["message"]) == (
        "head.self_care",
        "head.self_care：“none”是已停用的生活自理能力旧代码（含义易颠倒），不再接受；请填写 capable（具备生活自理能力）、"
        "partly_incapable（部分丧失生活自理能力）或 fully_incapable（完全丧失生活自理能力），或直接填写中文名称",
    )
    assert Person.objects.count() == 1


def test_the_data_migration_converts_current_and_historical_rows(household_factory):
    # given: rows stored with the former codes (as before the migration)
    homes = [household_factory(head_name=n, id_number=id_number(seq=500 + i)) for i, n in enumerate("甲乙丙")]
    for home, old in zip(homes, ("full", "partial", "none"), strict=True):
        Person.objects.filter(pk=home.head_id).update(self_care=old)
        Person.history.model.objects.filter(id=home.head_id).update(self_care=old)

    # when
    importlib.import_module("minzheng.registry.migrations.0004_self_care_codes").forward(apps, None)

    # then
    heads = [h.head_id for h in homes]
    expected = ["capable", "partly_incapable", "fully_incapable"]
    assert [Person.objects.get(pk=pk).self_care for pk in heads] == expected
    assert [
        set(Person.history.model.objects.filter(id=pk).values_list("self_care", flat=True)) for pk in heads
    ] == [{code} for code in expected]
