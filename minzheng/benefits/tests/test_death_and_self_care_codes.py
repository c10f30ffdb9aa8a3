"""Issue 15 §6–7 in the engine: an income record running past its member's death is split at the death
date with a reason; the JSON format takes the Chinese self-care names and refuses the former codes; the
policy data migration renames the care-standard parameters."""

from __future__ import annotations

import copy
import importlib
import json
from decimal import Decimal

import pytest
from django.apps import apps

from minzheng.benefits.engine import assess
from minzheng.benefits.facts import IncomeFact
from minzheng.benefits.json_format import AssessmentFormatInvalid
from minzheng.policy.models import Parameter
from minzheng.policy.services import policy_builtin_load

from .builders import D, household, params, person
from .test_json_format import document, read


def test_an_income_record_running_past_death_is_split_at_the_death_date():
    # given: as of 2023-07-01 the member is alive (dies 2023-08-15); a 12,000 wage record for 2023
    facts = household(
        person("a", death_date=D(2023, 8, 15)),
        incomes=(IncomeFact("a", "wage", Decimal("12000"), D(2023, 1, 1), D(2023, 12, 31)),),
    )

    # when
    result = assess("dibao", facts, params())

    # then: the split is stated with the articles; 181 of 365 days fall in the reference period
    split = next(r for r in result.reasons if r.rule_code == "income.split_at_death")
    assert (split.article, split.message_zh) == (
        "《中华人民共和国民法典》第13条；《最低生活保障审核确认办法》第7条",
        "成员“a”已于 2023-08-15 死亡，其收入记录（2023-01-01 至 2023-12-31）按死亡日期拆分，2023-08-15 之后的部分不计入",
    )
    counted = next(r for r in result.reasons if r.rule_code == "income.counted")
    assert counted.value == Decimal("5950.68")


def test_a_record_ending_before_death_has_no_split():
    facts = household(
        person("a", death_date=D(2023, 8, 15)),
        incomes=(IncomeFact("a", "wage", Decimal("12000"), D(2022, 7, 1), D(2023, 6, 30)),),
    )
    assert "income.split_at_death" not in [r.rule_code for r in assess("dibao", facts, params()).reasons]


def _with_self_care(value: str) -> str:
    doc = copy.deepcopy(document())
    doc["members"][0]["self_care"] = value
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("value", "code"),
    [("完全丧失", "fully_incapable"), ("部分丧失生活自理能力", "partly_incapable"), ("capable", "capable")],
)
def test_the_json_format_takes_chinese_self_care_names(value, code):
    assert read(_with_self_care(value)).facts.members[0].self_care == code


def test_the_json_format_refuses_the_former_codes():
    with pytest.raises(AssessmentFormatInvalid) as refused:
        read(_with_self_care("full"))
    assert (refused.value.field, refused.value.message) == (
        "members[0].self_care",
        "members[0].self_care（生活自理能力）：“full”是已停用的生活自理能力旧代码（含义易颠倒），不再接受；请填写 "
        "capable（具备生活自理能力）、partly_incapable（部分丧失生活自理能力）或 fully_incapable（完全丧失生活自理能力），"
        "或直接填写中文名称",
    )


@pytest.mark.django_db
def test_the_policy_migration_renames_the_care_standards_and_conditions(divisions):
    # given: the built-in set as stored before the rename
    policy_builtin_load()
    new_keys = {
        "extreme_poverty.care_monthly.capable": "extreme_poverty.care_monthly.full",
        "extreme_poverty.care_monthly.partly_incapable": "extreme_poverty.care_monthly.partial",
        "extreme_poverty.care_monthly.fully_incapable": "extreme_poverty.care_monthly.none",
    }
    before = {key: Parameter.objects.filter(key=key).count() for key in new_keys}
    for new, old in new_keys.items():
        Parameter.objects.filter(key=new).update(key=old)
    sample = Parameter.objects.exclude(key__startswith="extreme_poverty.care_monthly.").first()
    assert sample is not None
    Parameter.objects.filter(pk=sample.pk).update(
        value={"rows": [{"when": {"self_care": ["none", "partial"]}}]}
    )

    # when
    importlib.import_module("minzheng.policy.migrations.0004_care_tier_codes").forward(apps, None)

    # then
    assert {key: Parameter.objects.filter(key=key).count() for key in new_keys} == before
    assert all(before.values())
    assert Parameter.objects.get(pk=sample.pk).value == {
        "rows": [{"when": {"self_care": ["fully_incapable", "partly_incapable"]}}]
    }
