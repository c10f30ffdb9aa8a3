"""Policy-parameter keys of eldercare services (issue 17 §3, §5, §6): the monthly allowance of a
government-purchased-service entitlement per category, the working-day limits of its workflow, the visiting
interval per visited category, and the subsidies of family care beds and home adaptation.

No figure is built in: the source reports name the categories (e.g. Wuhai's nine) but not the hours or
amounts, which each league or banner sets in its own notice. A missing figure makes the result
需人工核定 (never granted silently); the demo fills stand-ins labelled 未确认 (``demo/eldercare_care.py``).
"""

from __future__ import annotations

from functools import partial

from minzheng.catalogue.programmes import Programme
from minzheng.policy import values
from minzheng.policy.keydefs import Kind, ParameterKey, key_define

# The categories of government-purchased services (政府购买服务对象) and of visiting (探访关爱对象): the
# codes are the suffixes of the keys; ``eldercare.rules.entitlements`` / ``rules.visits`` name them.
ENTITLEMENT_CATEGORY_LABELS: dict[str, str] = {
    "extreme_poverty": "特困人员",
    Programme.DIBAO.value: "低保对象",
    "incapacitated": "失能老年人",
    "advanced_age_alone": "高龄独居老年人",
    "bereaved_parent": "计划生育特殊家庭老年人",
    "severe_disability": "重度残疾老年人",
}
VISIT_CATEGORY_LABELS: dict[str, str] = {
    "lives_alone": "独居",
    "empty_nest": "空巢",
    "left_behind": "留守",
    "bereaved_parent": "失独（计划生育特殊家庭）",
    "advanced_age": "高龄",
}
HOURS_KEY = "eldercare.entitlement.monthly_hours."
AMOUNT_KEY = "eldercare.entitlement.monthly_amount."
VISIT_INTERVAL_KEY = "eldercare.visit.interval_days."
TOWNSHIP_REVIEW_DAYS = "eldercare.entitlement.township_review_days"
COUNTY_APPROVAL_DAYS = "eldercare.entitlement.county_approval_days"
FAMILY_BED_SUBSIDY = "eldercare.family_bed.subsidy_per_bed"
HOME_ADAPTATION_CEILING = "eldercare.home_adaptation.subsidy_ceiling"


def _integer(where: str, maximum: int) -> partial[int]:
    return partial(values.integer, where=where, minimum=1, maximum=maximum)


KEYS: tuple[ParameterKey, ...] = (
    *(
        key_define(
            f"{HOURS_KEY}{code}",
            f"政府购买服务月服务时长（{label}）",
            Kind.INTEGER,
            "小时/人·月",
            None,
            _integer("小时数", 744),
        )
        for code, label in ENTITLEMENT_CATEGORY_LABELS.items()
    ),
    *(
        key_define(f"{AMOUNT_KEY}{code}", f"政府购买服务月服务金额（{label}）", Kind.MONEY, "元/人·月", None)
        for code, label in ENTITLEMENT_CATEGORY_LABELS.items()
    ),
    key_define(
        TOWNSHIP_REVIEW_DAYS,
        "政府购买服务资格乡镇审核时限",
        Kind.INTEGER,
        "工作日",
        None,
        _integer("天数", 60),
    ),
    key_define(
        COUNTY_APPROVAL_DAYS,
        "政府购买服务资格旗县审批时限",
        Kind.INTEGER,
        "工作日",
        None,
        _integer("天数", 60),
    ),
    *(
        key_define(
            f"{VISIT_INTERVAL_KEY}{code}",
            f"探访关爱间隔天数（{label}）",
            Kind.INTEGER,
            "天",
            None,
            _integer("天数", 366),
        )
        for code, label in VISIT_CATEGORY_LABELS.items()
    ),
    key_define(FAMILY_BED_SUBSIDY, "家庭养老床位建设补贴（每张床位）", Kind.MONEY, "元/张", None),
    key_define(HOME_ADAPTATION_CEILING, "居家适老化改造补贴上限（每户）", Kind.MONEY, "元/户", None),
)
