"""Value validation per type (table-driven, no database): normalised form or the exact Chinese error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from minzheng.policy.errors import ParameterValueInvalid, UnknownParameterKey
from minzheng.policy.rules import PARAMETER_KEYS, parameter_value_normalise

DIBAO = "dibao.standard_monthly"
TREATMENT = {
    **{c: "counted" for c in ("wage", "business", "property", "support_payment", "pension", "basic_pension",
                              "unemployment_insurance", "survivor_benefit", "compensation", "gift", "other_transfer",
                              "veterans_preferential", "family_planning_reward", "scholarship", "bravery_award",
                              "social_assistance", "senior_allowance", "de_facto_orphan_subsidy", "other")},
    "employment_cost": "deducted", "rigid_medical_disability_cost": "deducted", "transfer_expenditure": "excluded",
}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        (DIBAO, "840", "840.00"),
        (DIBAO, 840, "840.00"),
        (DIBAO, Decimal("938.25"), "938.25"),
        (DIBAO, " 0.5 ", "0.50"),
        ("rigid_expense.ratio_all", "0.70", "0.7"),
        ("rigid_expense.ratio_all", 1, "1"),
        ("margin.income_multiple", "1.50", "1.5"),
        ("margin.income_multiple", Decimal("2"), "2"),
        ("gradual_exit.months", 6, 6),
        ("gradual_exit.months", 0, 0),
        ("gradual_exit.taper", ["1.0", "0.80"], ["1", "0.8"]),
        ("rounding", {"method": "half_up", "unit": "1"}, {"method": "half_up", "unit": "1"}),
        (
            "senior_allowance.brackets",
            [
                {"age_min": 80, "age_max": 99, "amount": 100},
                {"age_min": 100, "age_max": None, "amount": "600"},
            ],
            [
                {"age_min": 80, "age_max": 99, "amount": "100.00"},
                {"age_min": 100, "age_max": None, "amount": "600.00"},
            ],
        ),
        (
            "assets.rules",
            [
                {"code": "car", "label": "无机动车", "categories": ["vehicle"], "measure": "count", "max": 0},
                {
                    "code": "money",
                    "label": "存款",
                    "categories": ["fund", "deposit"],
                    "measure": "value_per_capita",
                    "max_dibao_months": "24",
                },
            ],
            [
                {"code": "car", "label": "无机动车", "categories": ["vehicle"], "measure": "count", "max": 0},
                {
                    "code": "money",
                    "label": "存款",
                    "categories": ["deposit", "fund"],
                    "measure": "value_per_capita",
                    "max_dibao_months": "24",
                },
            ],
        ),
        (
            "supplements",
            [{"code": "old", "label": "老年人", "when": {"age_min": 70}, "percent_of_standard": "0.10"}],
            [{"code": "old", "label": "老年人", "when": {"age_min": 70}, "percent_of_standard": "0.1"}],
        ),
        (
            "temporary.tiers",
            [{"code": "e", "label": "急难", "assistance_type": "emergency", "max_multiple": "3.0"}],
            [{"code": "e", "label": "急难", "assistance_type": "emergency", "max_multiple": "3"}],
        ),
        ("income.category_treatment", {"dibao": TREATMENT}, {"dibao": dict(sorted(TREATMENT.items()))}),
    ],
)
def test_valid_values_are_normalised(key, raw, expected):
    # when / then
    assert parameter_value_normalise(key, raw) == expected


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        (
            DIBAO,
            840.0,
            "政策参数“最低生活保障标准”（dibao.standard_monthly）的取值无效："
            '金额应写成字符串形式的十进制数（如 "840.00"），不能是浮点数或布尔值',
        ),
        (DIBAO, "-1", "政策参数“最低生活保障标准”（dibao.standard_monthly）的取值无效：金额不能为负数（-1）"),
        (
            DIBAO,
            "840.005",
            "政策参数“最低生活保障标准”（dibao.standard_monthly）的取值无效：金额 840.005 最多两位小数（分）",
        ),
        (DIBAO, "八百", "政策参数“最低生活保障标准”（dibao.standard_monthly）的取值无效：金额“八百”不是数字"),
        (
            DIBAO,
            True,
            "政策参数“最低生活保障标准”（dibao.standard_monthly）的取值无效："
            '金额应写成字符串形式的十进制数（如 "840.00"），不能是浮点数或布尔值',
        ),
        (
            "rigid_expense.ratio_all",
            "70",
            "政策参数“刚性支出占家庭总收入比例（全部刚性支出）”（rigid_expense.ratio_all）"
            "的取值无效：比例应在 0 到 1 之间（如 0.7 表示 70%），实际为 70",
        ),
        (
            "margin.income_multiple",
            "0",
            "政策参数“低保边缘家庭人均收入上限（低保标准的倍数）”（margin.income_multiple）"
            "的取值无效：倍数应大于 0 且不超过 100，实际为 0",
        ),
        (
            "gradual_exit.months",
            13,
            "政策参数“渐退期”（gradual_exit.months）的取值无效：月数应在 0 到 12 之间，实际为 13",
        ),
        (
            "gradual_exit.months",
            "6",
            "政策参数“渐退期”（gradual_exit.months）的取值无效：月数应为整数，实际为 '6'",
        ),
        (
            "rounding",
            {"method": "bankers", "unit": "1"},
            "政策参数“救助金取整规则”（rounding）的取值无效："
            "取整规则.method“bankers”不是允许的取值（down, half_up, up）",
        ),
        (
            "senior_allowance.brackets",
            [
                {"age_min": 100, "age_max": None, "amount": "600"},
                {"age_min": 80, "age_max": 99, "amount": "100"},
            ],
            "政策参数“高龄津贴年龄段标准”（senior_allowance.brackets）的取值无效：年龄段第 2 项与上一年龄段重叠或顺序不对（须按年龄从小到大排列）",
        ),
        (
            "assets.rules",
            [
                {
                    "code": "c",
                    "label": "车",
                    "categories": ["vehicle"],
                    "measure": "count",
                    "max_dibao_months": "2",
                }
            ],
            "政策参数“家庭财产认定规则”（assets.rules）的取值无效：资产规则第 1 项：按件数（count）计的规则只能用 max",
        ),
        (
            "assets.rules",
            [{"code": "c", "label": "车", "categories": ["yacht"], "measure": "count", "max": 0}],
            "政策参数“家庭财产认定规则”（assets.rules）的取值无效：资产规则第 1 项.categories“yacht”不是允许的取值"
            "（business_entity, claim, commercial_insurance, deposit, farm_machinery, forest_fixture, fund, housing, "
            "internet_finance, non_residential_property, other, securities, ship, vehicle）",
        ),
        (
            "supplements",
            [{"code": "x", "label": "x", "when": {}, "amount": "10"}],
            "政策参数“分类施保规则”（supplements）的取值无效：分类施保规则第 1 项.when至少要有一个条件",
        ),
        (
            "temporary.tiers",
            [],
            "政策参数“临时救助档次（月低保标准的倍数）”（temporary.tiers）的取值无效：临时救助档次不能为空",
        ),
        (
            "income.category_treatment",
            {"dibao": {**TREATMENT, "wage": "deducted"}},
            "政策参数“收入计算口径（计入/不计入/扣减）”（income.category_treatment）的取值无效："
            "收入计算口径[dibao][wage] 只能是 counted 或 excluded，实际为 'deducted'",
        ),
        (
            "income.category_treatment",
            {"dibao": {k: v for k, v in TREATMENT.items() if k != "gift"}},
            "政策参数“收入计算口径（计入/不计入/扣减）”（income.category_treatment）的取值无效：收入计算口径[dibao]缺少收入类别 gift",
        ),
        (
            "income.category_treatment",
            {"orphan_allowance": TREATMENT},
            "政策参数“收入计算口径（计入/不计入/扣减）”（income.category_treatment）的取值无效：收入计算口径有未知字段 orphan_allowance",
        ),
    ],
)
def test_invalid_values_name_the_key(key, raw, message):
    # when
    with pytest.raises(ParameterValueInvalid) as caught:
        parameter_value_normalise(key, raw)
    # then
    assert caught.value.message == message
    assert caught.value.field == "value"


def test_unknown_key():
    with pytest.raises(UnknownParameterKey) as caught:
        parameter_value_normalise("dibao.standard_yearly", "1")
    assert caught.value.message == "未知的政策参数“dibao.standard_yearly”"


def test_every_key_has_a_label_unit_kind_and_known_programme():
    from minzheng.policy.rules import PROGRAMME_CODES

    for definition in PARAMETER_KEYS.values():
        assert definition.label
        assert definition.programme is None or definition.programme in PROGRAMME_CODES
