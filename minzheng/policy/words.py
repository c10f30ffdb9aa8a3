"""Rule-type parameter values in words (issue 14, issue 15): the supplement conditions, asset categories,
rounding rules, age brackets and asset limits as a Chinese reader says them. Used wherever such a value is
shown — the parameter pages, the what-if editor and its report — so no page shows the stored codes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from minzheng.policy.rules import PROGRAMMES, URBAN_RURAL_LABELS
from minzheng.registry.choices import AssetCategory, DisabilityCategory, SelfCare

ROUNDING_METHOD_LABELS = {
    "half_up": _lazy("四舍五入"),
    "up": _lazy("向上取整（进位）"),
    "down": _lazy("向下取整（舍去）"),
}
ROUNDING_UNIT_LABELS = {
    "0.01": _lazy("0.01 元（到分）"),
    "0.1": _lazy("0.1 元（到角）"),
    "1": _lazy("1 元（到元）"),
    "10": _lazy("10 元"),
}
MEASURE_LABELS = {
    "value_per_capita": _lazy("家庭人均价值（元/人）"),
    "value_total": _lazy("家庭合计价值（元）"),
    "count": _lazy("件数"),
}
GRADE_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
PROGRAMME_NAMES = {p.code: p.name for p in PROGRAMMES}
ASSISTANCE_TYPE_LABELS = {
    "emergency": _lazy("急难型"),
    "expenditure": _lazy("支出型"),
    "small_fast": _lazy("小额快速"),
}


# --- readable text ------------------------------------------------------------------


def _ages(condition: dict[str, Any]) -> str:
    low, high = condition.get("age_min"), condition.get("age_max")
    if low is not None and high is not None:
        return _("%(low)s—%(high)s 岁") % {"low": low, "high": high}
    if low is not None:
        return _("%(low)s 岁及以上") % {"low": low}
    return _("%(high)s 岁及以下") % {"high": high}


def condition_text(condition: dict[str, Any]) -> str:
    """A person condition of a supplement rule (``policy.values.person_condition``) in Chinese."""
    parts = []
    if "age_min" in condition or "age_max" in condition:
        parts.append(_ages(condition))
    if "minor" in condition:
        parts.append(_("未满 18 周岁") if condition["minor"] else _("已满 18 周岁"))
    if "disability_grades" in condition:
        grades = "、".join(GRADE_NAMES.get(g, str(g)) for g in condition["disability_grades"])
        parts.append(_("残疾等级为%(grades)s") % {"grades": grades})
    if "disability_categories" in condition:
        names = "、".join(str(DisabilityCategory(c).label) for c in condition["disability_categories"])
        parts.append(_("残疾类别为%(names)s") % {"names": names})
    if "serious_illness" in condition:
        parts.append(_("患重病") if condition["serious_illness"] else _("未患重病"))
    if "self_care" in condition:
        parts.append("或".join(str(SelfCare(c).label) for c in condition["self_care"]))
    if "household_programmes" in condition:
        names = "、".join(PROGRAMME_NAMES.get(c, c) for c in condition["household_programmes"])
        parts.append(_("家庭享受%(names)s") % {"names": names})
    if "household_urban_rural" in condition:
        parts.append(_("%(kind)s家庭") % {"kind": URBAN_RURAL_LABELS[condition["household_urban_rural"]]})
    return "；".join(parts)


def categories_text(codes: list[str]) -> str:
    return "、".join(str(AssetCategory(c).label) if c in AssetCategory.values else c for c in codes)


def money_text(amount: str | None, unit: str) -> str:
    return f"{amount} {unit}" if amount is not None else _("未设定（需人工核定）")


def bracket_ages(bracket: dict[str, Any]) -> str:
    if bracket["age_max"] is None:
        return _("%(low)s 岁以上") % {"low": bracket["age_min"]}
    return _("%(low)s—%(high)s 岁") % {"low": bracket["age_min"], "high": bracket["age_max"]}


def bracket_text(bracket: dict[str, Any]) -> str:
    return f"{bracket_ages(bracket)} {bracket['amount']} {_('元/月')}"


def rounding_text(rule: dict[str, str]) -> str:
    method = ROUNDING_METHOD_LABELS.get(rule["method"], rule["method"])
    return _("%(method)s到 %(unit)s 元") % {"method": method, "unit": rule["unit"]}


def asset_limit_text(item: dict[str, Any]) -> str:
    if "max_dibao_months" in item:
        return _("月低保标准的 %(n)s 倍") % {"n": item["max_dibao_months"]}
    if item.get("max") is None:
        return _("未设定（需人工核定）")
    return f"{item['max']} {_('件') if item['measure'] == 'count' else _('元')}"
