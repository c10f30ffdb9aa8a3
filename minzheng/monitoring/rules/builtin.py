"""The built-in warning rules (policy-rules.md §4.1, §4.4), written as data in the condition language
(``conditions``); ``services.rule_builtin_load`` publishes version 1 of each. Every rule cites its basis;
thresholds are local policy parameters (``builtin_parameters.json``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from minzheng.catalogue.programmes import Programme
from minzheng.monitoring.rules.categories import BASIS_39, Category, Severity
from minzheng.monitoring.rules.conditions import Subject


@dataclass(frozen=True)
class RuleDefinition:
    code: str
    title: str
    category: str  # the hardship the rule watches (a short Chinese label)
    severity: Severity
    subject: Subject
    response_days: int  # working days to respond (UNCONFIRMED nationally: policy-rules.md §4.4)
    condition: Mapping[str, Any]
    basis: str
    disposal: str = ""  # the suggested disposal path shown on the alert


# --- condition builders: the same JSON a rule editor writes -----------------------------------------------


def _feed(name: str, feed: str, months: int, codes: Sequence[str] = ()) -> dict[str, Any]:
    node: dict[str, Any] = {"indicator": name, "feed": feed, "months": months}
    if codes:
        node["codes"] = list(codes)
    return node


def _compare(left: Any, op: str, right: Any) -> dict[str, Any]:
    return {"left": left, "op": op, "right": right}


def _param(key: str) -> dict[str, Any]:
    return {"param": key}


def _times(*items: Any) -> dict[str, Any]:
    return {"mul": list(items)}


def _receives(*programmes: Programme) -> dict[str, Any]:
    return {"flag": "receives", "programmes": list(programmes)}


_LOW_INCOME = {"flag": "in_category", "categories": [c.value for c in Category]}
_RECIPIENT = _receives(Programme.DIBAO, Programme.EXTREME_POVERTY_SUPPORT)
_INCOME = {"indicator": "income_annual"}
_PER_CAPITA = {"indicator": "income_monthly_per_capita"}
_SIZE = {"indicator": "household_size"}
_DIBAO_STANDARD = _param("dibao.standard_monthly")
_MEDICAL = _feed("feed_amount", "medical_expense", 12)
_RIGID_ALL = {"add": [_MEDICAL, _feed("feed_amount", "student", 12)]}
_MEDICAL_ACCIDENT = _feed("feed_amount", "medical_expense", 12, ("accident", "medical"))
_RIGID_ACT = (
    "刚性支出困难家庭认定办法第4—5条；内蒙古《低保边缘家庭和刚性支出困难家庭认定办法（试行）》（2024）"
)
_ASSETS_ACT = "《最低生活保障审核确认办法》第14条；限额为地方参数"
_NOT_ELIGIBLE = "疑似不再符合条件"


def _recipient_holds(feed: str, parameter: str, codes: Sequence[str] = ()) -> dict[str, Any]:
    """A 低保 or 特困 household with more records of ``feed`` (ever) than the local limit ``parameter``."""
    return {"all": [_RECIPIENT, _compare(_feed("feed_count", feed, 0, codes), ">", _param(parameter))]}


BUILTIN_RULES: Final = (
    RuleDefinition(
        code="medical_out_of_pocket",
        title="大额医疗自付费用",
        category="重病、医疗支出",
        severity=Severity.ORANGE,
        subject=Subject.HOUSEHOLD,
        response_days=10,
        condition={
            "any": [
                _compare(_MEDICAL, ">", _param("monitoring.medical_out_of_pocket_annual")),
                _compare(_MEDICAL, ">", _times(_INCOME, _param("monitoring.medical_income_share"))),
            ]
        },
        basis=f"{BASIS_39}§三(三)（家庭支出）；阈值为地方参数",
        disposal="可能符合条件未纳入：推送医疗保障部门，核实是否纳入刚性支出困难家庭",
    ),
    RuleDefinition(
        code="rigid_expense_share",
        title="刚性支出超过家庭收入比例",
        category="刚性支出",
        severity=Severity.ORANGE,
        subject=Subject.HOUSEHOLD,
        response_days=10,
        condition={
            "any": [
                _compare(_RIGID_ALL, ">", _times(_INCOME, _param("rigid_expense.ratio_all"))),
                _compare(
                    _MEDICAL_ACCIDENT, ">", _times(_INCOME, _param("rigid_expense.ratio_medical_accident"))
                ),
            ]
        },
        basis=_RIGID_ACT,
        disposal="核实是否认定为刚性支出困难家庭，符合的直接给予临时救助",
    ),
    RuleDefinition(
        code="severe_disability_new",
        title="新增重度残疾",
        category="残疾",
        severity=Severity.ORANGE,
        subject=Subject.PERSON,
        response_days=10,
        condition=_compare(_feed("feed_count", "disability_certificate", 3, ("1", "2")), ">=", 1),
        basis=f"{BASIS_39}§三(三)（重度残疾人）；§四（重度残疾人单独纳入低保）",
        disposal="核实是否单人户纳入低保、发放残疾人两项补贴",
    ),
    RuleDefinition(
        code="member_death",
        title="家庭成员死亡",
        category="家庭变故",
        severity=Severity.YELLOW,
        subject=Subject.PERSON,
        response_days=60,
        condition={"all": [_LOW_INCOME, _compare(_feed("feed_count", "death", 3), ">=", 1)]},
        basis="2022年通知§三(二)（殡葬、死亡数据比对）；3个月内复核家庭状况",
        disposal="3个月内复核家庭人口、收入和救助待遇",
    ),
    RuleDefinition(
        code="main_earner_unemployed",
        title="主要劳动力登记失业",
        category="失业",
        severity=Severity.ORANGE,
        subject=Subject.PERSON,
        response_days=10,
        condition={"all": [{"flag": "is_head"}, _compare(_feed("feed_count", "unemployment", 3), ">=", 1)]},
        basis=f"{BASIS_39}§三(三)（登记失业人员、就业状况变化）",
        disposal="推送人社部门就业救助，核实家庭收入变化",
    ),
    RuleDefinition(
        code="disaster_victim",
        title="受灾人员",
        category="灾害",
        severity=Severity.RED,
        subject=Subject.PERSON,
        response_days=3,
        condition=_compare(_feed("feed_count", "disaster_victim", 1), ">=", 1),
        basis=f"{BASIS_39}§四（受灾人员救助）",
        disposal="推送应急管理部门受灾人员救助，必要时急难型临时救助",
    ),
    RuleDefinition(
        code="student_without_aid",
        title="困难家庭学生未享受教育资助",
        category="就学",
        severity=Severity.YELLOW,
        subject=Subject.PERSON,
        response_days=20,
        condition=_compare(_feed("feed_count", "student", 12, ("not_aided",)), ">=", 1),
        basis=f"{BASIS_39}§三(四)1（政策未落实）；§四（教育救助）",
        disposal="政策未落实：推送教育部门落实教育资助",
    ),
    RuleDefinition(
        code="deceased_still_paid",
        title="死亡人员仍在享受救助",
        category=_NOT_ELIGIBLE,
        severity=Severity.RED,
        subject=Subject.PERSON,
        response_days=5,
        condition={"all": [{"flag": "deceased"}, _RECIPIENT]},
        basis=f"{BASIS_39}§三(四)4（可能不再符合条件）；《最低生活保障审核确认办法》第31条",
        disposal="核实后停发或调整救助金",
    ),
    RuleDefinition(
        code="recipient_vehicle",
        title="在保家庭机动车超过限额",
        category=_NOT_ELIGIBLE,
        severity=Severity.ORANGE,
        subject=Subject.HOUSEHOLD,
        response_days=10,
        condition=_recipient_holds("vehicle", "monitoring.vehicle_count_max"),
        basis=_ASSETS_ACT,
        disposal="核实家庭财产，不符合条件的按程序停保",
    ),
    RuleDefinition(
        code="recipient_property",
        title="在保家庭房产超过限额",
        category=_NOT_ELIGIBLE,
        severity=Severity.ORANGE,
        subject=Subject.HOUSEHOLD,
        response_days=10,
        condition=_recipient_holds("real_estate", "monitoring.property_count_max"),
        basis=_ASSETS_ACT,
        disposal="核实家庭财产，不符合条件的按程序停保",
    ),
    RuleDefinition(
        code="recipient_business",
        title="在保家庭登记市场主体",
        category=_NOT_ELIGIBLE,
        severity=Severity.ORANGE,
        subject=Subject.HOUSEHOLD,
        response_days=10,
        condition=_recipient_holds("business_registration", "monitoring.business_count_max", ("active",)),
        basis=_ASSETS_ACT,
        disposal="核实经营收入和财产，不符合条件的按程序停保",
    ),
    RuleDefinition(
        code="income_jump",
        title="在保家庭收入超过低保标准",
        category=_NOT_ELIGIBLE,
        severity=Severity.ORANGE,
        subject=Subject.HOUSEHOLD,
        response_days=10,
        condition={
            "all": [
                _receives(Programme.DIBAO),
                _compare(
                    {
                        "add": [
                            _times(_PER_CAPITA, _SIZE, 12),
                            _feed("feed_amount", "pension", 12),
                            _feed("feed_amount", "wage", 12),
                        ]
                    },
                    ">",
                    _times(_DIBAO_STANDARD, _SIZE, 12),
                ),
            ]
        },
        basis=f"{BASIS_39}§三(四)4；《最低生活保障审核确认办法》第31条（收入超过标准的停发或减发）",
        disposal="核实收入，按程序减发或停发（可适用渐退期）",
    ),
    RuleDefinition(
        code="margin_income_fell",
        title="低保边缘家庭收入低于低保标准",
        category="收入下降",
        severity=Severity.ORANGE,
        subject=Subject.HOUSEHOLD,
        response_days=10,
        condition={
            "all": [
                {"flag": "in_category", "categories": [Category.MARGIN_HOUSEHOLD]},
                {"not": _receives(Programme.DIBAO)},
                _compare(_PER_CAPITA, "<", _DIBAO_STANDARD),
            ]
        },
        basis=f"{BASIS_39}§三(四)2（可能符合条件未纳入）",
        disposal="主动发现：引导申请低保（可直接转入低保审核确认）",
    ),
)
