"""Value types of policy parameters and their validators (pure; no ORM).

Every validator takes the raw value (as parsed from JSON with ``parse_float=Decimal`` or given by a
service caller) and returns the *normalised* stored form: money as a string with two decimals
("840.00"), ratios and multiples as plain decimal strings ("0.7", "1.5"), integers as ``int``, JSON
structures with the same normalisation applied inside. Normalising makes an export → import round
trip compare equal. Errors are ``ValueProblem`` with a Chinese message naming the place inside the
value; ``rules.parameter_value_normalise`` prefixes the parameter key.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from minzheng.registry.choices import AssetCategory, DisabilityCategory, IncomeCategory, SelfCare

MAX_MONEY = Decimal("1000000")


class ValueProblem(Exception):
    """A value does not have the shape its key requires; ``str(exc)`` is the Chinese reason."""


def _decimal(raw: Any, where: str) -> Decimal:
    if isinstance(raw, bool | float):
        raise ValueProblem(f'{where}应写成字符串形式的十进制数（如 "840.00"），不能是浮点数或布尔值')
    if isinstance(raw, int | Decimal):
        value = Decimal(raw)
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise ValueProblem(f"{where}“{raw}”不是数字") from None
    else:
        raise ValueProblem(f"{where}应为数字，实际为 {type(raw).__name__}")
    if not value.is_finite():
        raise ValueProblem(f"{where}“{raw}”不是有限数字")
    return value


def _plain(value: Decimal) -> str:
    """Canonical text of a decimal without exponent or trailing zeros: 0.70 → "0.7", 100 → "100"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def money(raw: Any, where: str = "金额") -> str:
    """Yuan amount ≥ 0 with at most two decimals (fen); never rounded silently (ADR 0005)."""
    value = _decimal(raw, where)
    if value < 0:
        raise ValueProblem(f"{where}不能为负数（{raw}）")
    if value > MAX_MONEY:
        raise ValueProblem(f"{where} {raw} 超过上限 {MAX_MONEY} 元")
    if _places(value) > 2:
        raise ValueProblem(f"{where} {raw} 最多两位小数（分）")
    return f"{value:.2f}"


def ratio(raw: Any, where: str = "比例") -> str:
    """A share between 0 and 1 inclusive, at most four decimals (0.7 = 70%)."""
    value = _decimal(raw, where)
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueProblem(f"{where}应在 0 到 1 之间（如 0.7 表示 70%），实际为 {raw}")
    if _places(value) > 4:
        raise ValueProblem(f"{where} {raw} 最多四位小数")
    return _plain(value)


def multiple(raw: Any, where: str = "倍数") -> str:
    """A positive factor (e.g. 1.5 × the dibao standard), at most 100 and four decimals."""
    value = _decimal(raw, where)
    if not Decimal(0) < value <= Decimal(100):
        raise ValueProblem(f"{where}应大于 0 且不超过 100，实际为 {raw}")
    if _places(value) > 4:
        raise ValueProblem(f"{where} {raw} 最多四位小数")
    return _plain(value)


def integer(raw: Any, where: str, minimum: int, maximum: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueProblem(f"{where}应为整数，实际为 {raw!r}")
    if not minimum <= raw <= maximum:
        raise ValueProblem(f"{where}应在 {minimum} 到 {maximum} 之间，实际为 {raw}")
    return raw


def _object(
    raw: Any, where: str, required: set[str], optional: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueProblem(f"{where}应为对象（{{…}}）")
    missing = sorted(required - raw.keys())
    if missing:
        raise ValueProblem(f"{where}缺少字段 {', '.join(missing)}")
    unknown = sorted(raw.keys() - required - optional)
    if unknown:
        raise ValueProblem(f"{where}有未知字段 {', '.join(unknown)}")
    return raw


def _list(raw: Any, where: str, *, allow_empty: bool = True) -> list[Any]:
    if not isinstance(raw, list):
        raise ValueProblem(f"{where}应为列表（[…]）")
    if not raw and not allow_empty:
        raise ValueProblem(f"{where}不能为空")
    return raw


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueProblem(f"{where}应为非空文字")
    return raw.strip()


def _choice(raw: Any, where: str, allowed: list[str] | frozenset[str]) -> str:
    if raw not in allowed:
        raise ValueProblem(f"{where}“{raw}”不是允许的取值（{', '.join(sorted(allowed))}）")
    return str(raw)


def _choices(raw: Any, where: str, allowed: list[str] | frozenset[str]) -> list[str]:
    items = _list(raw, where, allow_empty=False)
    return sorted({_choice(item, where, allowed) for item in items})


def _figure(raw: Any, read: Any, where: str) -> Any:
    """A figure of a rule table that may be left open (``null``): the law gives the row, the local
    figure was not found. A rule that reaches an open figure makes the result 需人工核定, never a pass."""
    return None if raw is None else read(raw, where)


def _unique_codes(items: list[dict[str, Any]], where: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item["code"] in seen:
            raise ValueProblem(f"{where}中代码 {item['code']} 重复")
        seen.add(item["code"])


# --- income categories ---------------------------------------------------------------------------

TREATMENTS = ("counted", "excluded", "deducted")
DEDUCTION_CATEGORIES = frozenset(
    {
        IncomeCategory.EMPLOYMENT_COST.value,
        IncomeCategory.RIGID_MEDICAL_DISABILITY_COST.value,
        IncomeCategory.TRANSFER_EXPENDITURE.value,
    }
)
INCOME_CATEGORIES = frozenset(IncomeCategory.values)


def income_category_treatment(raw: Any, programme_codes: frozenset[str]) -> dict[str, dict[str, str]]:
    """``{programme: {income category: counted|excluded|deducted}}``; every category listed, no default.

    Deduction items (employment costs, rigid medical/disability costs, transfer expenditure) can only be
    deducted or excluded; all other categories only counted or excluded (审核确认办法 art. 13).
    """
    table = _object(raw, "收入计算口径", set(), set(programme_codes))
    if not table:
        raise ValueProblem("收入计算口径至少要列出一个救助项目")
    result: dict[str, dict[str, str]] = {}
    for programme, mapping in sorted(table.items()):
        where = f"收入计算口径[{programme}]"
        if not isinstance(mapping, dict):
            raise ValueProblem(f"{where}应为对象（收入类别 → 计入/不计入/扣减）")
        missing = sorted(INCOME_CATEGORIES - mapping.keys())
        if missing:
            raise ValueProblem(f"{where}缺少收入类别 {', '.join(missing)}")
        unknown = sorted(mapping.keys() - INCOME_CATEGORIES)
        if unknown:
            raise ValueProblem(f"{where}有未知收入类别 {', '.join(unknown)}")
        for category, treatment in mapping.items():
            allowed = (
                ("deducted", "excluded") if category in DEDUCTION_CATEGORIES else ("counted", "excluded")
            )
            if treatment not in allowed:
                raise ValueProblem(f"{where}[{category}] 只能是 {' 或 '.join(allowed)}，实际为 {treatment!r}")
        result[programme] = dict(sorted(mapping.items()))
    return result


# --- person conditions (supplements, care-subsidy tiers) ---------------------------------------

CONDITION_FIELDS = {
    "age_min",
    "age_max",
    "minor",
    "disability_grades",
    "disability_categories",
    "serious_illness",
    "self_care",
    "household_programmes",
    "household_urban_rural",
}
DISABILITY_CATEGORIES = frozenset(value for value in DisabilityCategory.values if value)


def person_condition(raw: Any, where: str, programme_codes: frozenset[str]) -> dict[str, Any]:
    """Conditions on a person, all of which must hold: age range, minor, disability grade/category,
    serious illness, self-care tier, programmes the household receives, the household's urban/rural type."""
    condition = _object(raw, where, set(), CONDITION_FIELDS)
    if not condition:
        raise ValueProblem(f"{where}至少要有一个条件")
    result: dict[str, Any] = {}
    for name in ("age_min", "age_max"):
        if name in condition:
            result[name] = integer(condition[name], f"{where}.{name}", 0, 150)
    if result.get("age_min", 0) > result.get("age_max", 150):
        raise ValueProblem(f"{where} age_min 不能大于 age_max")
    for name in ("minor", "serious_illness"):
        if name in condition:
            if not isinstance(condition[name], bool):
                raise ValueProblem(f"{where}.{name} 应为 true 或 false")
            result[name] = condition[name]
    if "disability_grades" in condition:
        grades = _list(condition["disability_grades"], f"{where}.disability_grades", allow_empty=False)
        result["disability_grades"] = sorted({integer(g, f"{where}.disability_grades", 1, 4) for g in grades})
    choice_fields = {
        "disability_categories": DISABILITY_CATEGORIES,
        "self_care": frozenset(SelfCare.values),
        "household_programmes": programme_codes,
    }
    for name, allowed in choice_fields.items():
        if name in condition:
            result[name] = _choices(condition[name], f"{where}.{name}", allowed)
    if "household_urban_rural" in condition:
        result["household_urban_rural"] = _choice(
            condition["household_urban_rural"], f"{where}.household_urban_rural", ["urban", "rural"]
        )
    return result


def supplements(raw: Any, programme_codes: frozenset[str]) -> list[dict[str, Any]]:
    """分类施保 rules: ``[{code, label, when, amount | percent_of_standard}]`` (审核确认办法 art. 27)."""
    result = []
    for index, item in enumerate(_list(raw, "分类施保规则"), start=1):
        where = f"分类施保规则第 {index} 项"
        item = _object(item, where, {"code", "label", "when"}, {"amount", "percent_of_standard"})
        entry: dict[str, Any] = {
            "code": _text(item["code"], f"{where}.code"),
            "label": _text(item["label"], f"{where}.label"),
            "when": person_condition(item["when"], f"{where}.when", programme_codes),
        }
        if ("amount" in item) == ("percent_of_standard" in item):
            raise ValueProblem(
                f"{where}须且只能给出 amount（元/月）或 percent_of_standard（占低保标准比例）之一"
            )
        if "amount" in item:
            entry["amount"] = _figure(item["amount"], money, f"{where}.amount")
        else:
            entry["percent_of_standard"] = ratio(item["percent_of_standard"], f"{where}.percent_of_standard")
        result.append(entry)
    _unique_codes(result, "分类施保规则")
    return result


def care_subsidy_tiers(raw: Any, programme_codes: frozenset[str]) -> list[dict[str, Any]]:
    """重度残疾人护理补贴 tiers: ``[{code, label, when, amount}]``, first matching tier applies."""
    result = []
    for index, item in enumerate(_list(raw, "护理补贴档次", allow_empty=False), start=1):
        where = f"护理补贴档次第 {index} 项"
        item = _object(item, where, {"code", "label", "when", "amount"})
        result.append(
            {
                "code": _text(item["code"], f"{where}.code"),
                "label": _text(item["label"], f"{where}.label"),
                "when": person_condition(item["when"], f"{where}.when", programme_codes),
                "amount": _figure(item["amount"], money, f"{where}.amount"),
            }
        )
    _unique_codes(result, "护理补贴档次")
    return result


# --- assets ----------------------------------------------------------------------------------------

ASSET_MEASURES = ("value_per_capita", "value_total", "count")
ASSET_CATEGORIES = frozenset(AssetCategory.values)


def asset_rules(raw: Any) -> list[dict[str, Any]]:
    """Asset limits: ``[{code, label, categories, measure, max | max_dibao_months}]``.

    ``measure`` is value_per_capita, value_total (yuan) or count (number of items); the limit is an
    absolute ``max`` or, for value measures, ``max_dibao_months`` × the monthly dibao standard
    (审核确认办法 art. 14; thresholds are set by the province or prefecture, 社会救助暂行办法 art. 10).
    """
    result = []
    for index, item in enumerate(_list(raw, "资产规则"), start=1):
        where = f"资产规则第 {index} 项"
        item = _object(item, where, {"code", "label", "categories", "measure"}, {"max", "max_dibao_months"})
        measure = _choice(item["measure"], f"{where}.measure", list(ASSET_MEASURES))
        entry: dict[str, Any] = {
            "code": _text(item["code"], f"{where}.code"),
            "label": _text(item["label"], f"{where}.label"),
            "categories": _choices(item["categories"], f"{where}.categories", ASSET_CATEGORIES),
            "measure": measure,
        }
        if ("max" in item) == ("max_dibao_months" in item):
            raise ValueProblem(f"{where}须且只能给出 max 或 max_dibao_months 之一")
        if "max_dibao_months" in item:
            if measure == "count":
                raise ValueProblem(f"{where}：按件数（count）计的规则只能用 max")
            entry["max_dibao_months"] = multiple(item["max_dibao_months"], f"{where}.max_dibao_months")
        elif item["max"] is None:
            entry["max"] = None  # the category is assessed, its limit is not known: 需人工核定
        elif measure == "count":
            entry["max"] = integer(item["max"], f"{where}.max", 0, 1000)
        else:
            entry["max"] = money(item["max"], f"{where}.max")
        result.append(entry)
    _unique_codes(result, "资产规则")
    return result


# --- temporary assistance, gradual exit, senior allowance, rounding --------------------------------

ASSISTANCE_TYPES = ("emergency", "expenditure", "small_fast")


def temporary_tiers(raw: Any) -> list[dict[str, Any]]:
    """临时救助 tiers: ``[{code, label, assistance_type, max_multiple}]``, the ceiling as a multiple of the
    monthly dibao standard (民发〔2018〕23号 §二(三))."""
    result = []
    for index, item in enumerate(_list(raw, "临时救助档次", allow_empty=False), start=1):
        where = f"临时救助档次第 {index} 项"
        item = _object(item, where, {"code", "label", "assistance_type", "max_multiple"})
        result.append(
            {
                "code": _text(item["code"], f"{where}.code"),
                "label": _text(item["label"], f"{where}.label"),
                "assistance_type": _choice(
                    item["assistance_type"], f"{where}.assistance_type", list(ASSISTANCE_TYPES)
                ),
                "max_multiple": _figure(item["max_multiple"], multiple, f"{where}.max_multiple"),
            }
        )
    _unique_codes(result, "临时救助档次")
    return result


def taper(raw: Any) -> list[str]:
    """Share of the full payment in each month of the gradual-exit period, first month first."""
    items = _list(raw, "渐退比例", allow_empty=False)
    if len(items) > 12:
        raise ValueProblem("渐退比例最多 12 个月")
    return [ratio(item, f"渐退比例第 {index} 个月") for index, item in enumerate(items, start=1)]


def age_brackets(raw: Any) -> list[dict[str, Any]]:
    """``[{age_min, age_max | null, amount}]`` in ascending, non-overlapping order (高龄津贴)."""
    result = []
    previous_max: int | None = -1
    for index, item in enumerate(_list(raw, "年龄段", allow_empty=False), start=1):
        where = f"年龄段第 {index} 项"
        item = _object(item, where, {"age_min", "age_max", "amount"})
        age_min = integer(item["age_min"], f"{where}.age_min", 0, 150)
        age_max = None if item["age_max"] is None else integer(item["age_max"], f"{where}.age_max", 0, 150)
        if age_max is not None and age_max < age_min:
            raise ValueProblem(f"{where} age_max 不能小于 age_min")
        if previous_max is None or age_min <= previous_max:
            raise ValueProblem(f"{where}与上一年龄段重叠或顺序不对（须按年龄从小到大排列）")
        result.append(
            {"age_min": age_min, "age_max": age_max, "amount": money(item["amount"], f"{where}.amount")}
        )
        previous_max = age_max
    return result


ROUNDING_METHODS = ("half_up", "up", "down")
ROUNDING_UNITS = ("0.01", "0.1", "1", "10")


def rounding(raw: Any) -> dict[str, str]:
    """``{method: half_up|up|down, unit: "0.01"|"0.1"|"1"|"10"}`` applied to monthly amounts."""
    item = _object(raw, "取整规则", {"method", "unit"})
    return {
        "method": _choice(item["method"], "取整规则.method", list(ROUNDING_METHODS)),
        "unit": _choice(item["unit"], "取整规则.unit", list(ROUNDING_UNITS)),
    }


Validator = Callable[[Any], Any]
