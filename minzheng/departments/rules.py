"""Pure rules of working with other departments (issue 23): the verification sources and how each compares
department records with the declaration, the department roles and what a referral shows them.

Sources follow 《最低生活保障审核确认办法》第 17 条 and 《社会救助暂行办法》第 58 条 (policy-rules.md §1.6,
§4.3): 户籍, 社会保险, 不动产, 市场主体, 住房公积金, 车辆, 存款…, and the 2022 notice §三(二) (死亡, 养老金).
A source is fed by department feeds (``monitoring.rules.FEEDS``); a source no bureau delivers yet
(公积金, 银行存款) has no feeds and is always “无数据”: absent data is never “与申报一致”.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from django.db import models

from minzheng.catalogue.roles import Role

BASIS_17: Final = "《最低生活保障审核确认办法》第17条；《社会救助暂行办法》第58条"
BASIS_2022: Final = "《关于进一步做好最低生活保障等社会救助兜底保障工作的通知》（2022）§三(二)"


class Outcome(models.TextChoices):
    """The automatic outcome of one source for one application."""

    NO_DATA = "no_data", "无数据"  # no member has a record of the source: never “一致”
    PARTIAL = "partial", "部分成员无数据"  # records for some members, none differ, the rest have none
    CONSISTENT = "consistent", "与申报一致"
    INCONSISTENT = "inconsistent", "与申报不一致"


class CheckStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    CORRECTED = "corrected", "已更正"


class Comparison(StrEnum):
    AMOUNT = "amount"  # department income over the window ≠ declared income
    PRESENCE = "presence"  # more registered items (flagged rows) than declared
    EVENT = "event"  # any flagged event (death, moving out) contradicts the declared household
    EXPENSE = "expense"  # declared expenses above what the department settled
    NONE = "none"  # no department delivers this source yet


class Declared(StrEnum):
    """What of the declaration a source is compared with (``verification`` turns it into SQL)."""

    INCOME = "income"  # declared wage, pension and unemployment-insurance income over the window
    MEDICAL_EXPENSE = "medical_expense"  # the application's medical rigid expenses
    DISABLED_MEMBERS = "disabled_members"  # members registered with a disability grade
    HOUSES = "houses"
    VEHICLES = "vehicles"
    BUSINESSES = "businesses"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Source:
    code: str  # an ``applications.models.VerificationSource`` value
    label: str
    department: str
    feeds: tuple[str, ...]
    months: int | None  # the window of records before the day of the check; None: every record
    comparison: Comparison
    declared: Declared
    flag: str  # which records count for the comparison: "" all, else feed codes or ``code:<value>``
    unit: str  # what one flagged record is, for the difference text
    basis: str


SOURCES: Final[tuple[Source, ...]] = (
    Source("public_security", "公安（户籍、死亡）", "公安", ("death", "hukou_change"), None, Comparison.EVENT,
           Declared.NOTHING, "death|code:move_out", "条死亡或迁出记录", f"{BASIS_17}；{BASIS_2022}"),
    Source("human_resources", "人社（工资、养老金、失业）", "人社", ("wage", "pension", "unemployment"), 12,
           Comparison.AMOUNT, Declared.INCOME, "", "", f"{BASIS_17}；{BASIS_2022}"),
    Source("medical_insurance", "医保（医疗费用）", "医保", ("medical_expense",), 12, Comparison.EXPENSE,
           Declared.MEDICAL_EXPENSE, "", "", "《刚性支出困难家庭认定办法》第5条"),
    Source("disability_cert", "残联（残疾人证）", "残联", ("disability_certificate",), None,
           Comparison.PRESENCE, Declared.DISABLED_MEMBERS, "", "本残疾人证", BASIS_17),
    Source("real_estate", "不动产登记", "不动产", ("real_estate",), None, Comparison.PRESENCE,
           Declared.HOUSES, "", "处不动产", BASIS_17),
    Source("vehicle", "公安车辆", "公安", ("vehicle",), None, Comparison.PRESENCE, Declared.VEHICLES, "",
           "辆机动车", BASIS_17),
    Source("market", "市场监管（工商登记）", "市场监管", ("business_registration",), None,
           Comparison.PRESENCE, Declared.BUSINESSES, "code:active", "户存续市场主体", BASIS_17),
    Source("housing_fund", "住房公积金", "住房公积金中心", (), None, Comparison.NONE, Declared.NOTHING, "",
           "", f"{BASIS_17}；{BASIS_2022}"),
    Source("bank", "银行存款", "银行", (), None, Comparison.NONE, Declared.NOTHING, "", "", BASIS_17),
)  # fmt: skip
SOURCE_BY_CODE: Final = {s.code: s for s in SOURCES}


def window_start(source: Source, as_of: dt.date) -> dt.date:
    """The first day of the source's window: ``months`` whole months back (the reference period of
    审核确认办法第 13 条 is the 12 months before the application)."""
    if source.months is None:
        return dt.date(1900, 1, 1)
    month = as_of.month - source.months
    year = as_of.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(as_of.day, 28))


@dataclass(frozen=True)
class Figures:
    """What the set-based job stored for one source of one application."""

    members_total: int
    members_with_data: int
    flagged_count: int
    found_amount: Decimal | None
    declared_amount: Decimal | None
    declared_count: int | None


def differs(source: Source, f: Figures) -> bool:
    """Whether the department's records contradict the declaration (the job computes the same in SQL)."""
    found, declared = f.found_amount or Decimal(0), f.declared_amount or Decimal(0)
    match source.comparison:
        case Comparison.AMOUNT:
            return found != declared
        case Comparison.PRESENCE:
            return f.flagged_count > (f.declared_count or 0)
        case Comparison.EVENT:
            return f.flagged_count > 0
        case Comparison.EXPENSE:
            return declared > found
    return False


def outcome_of(source: Source, f: Figures) -> Outcome:
    """无数据 when no member has a record; 不一致 on a difference; 部分成员无数据 when some members have
    none; else 一致. A source without data is never “一致”."""
    if f.members_with_data == 0:
        return Outcome.NO_DATA
    if differs(source, f):
        return Outcome.INCONSISTENT
    if f.members_with_data < f.members_total:
        return Outcome.PARTIAL
    return Outcome.CONSISTENT


def _yuan(value: Decimal | None) -> str:
    return f"{value or Decimal(0):,.2f}"


def difference_lines(source: Source, f: Figures) -> list[str]:
    """The differences from the declaration, in Chinese, for the page and the recorded result."""
    lines: list[str] = []
    if source.comparison == Comparison.NONE:
        return [f"{source.department}尚未提供数据，无法核对"]
    if f.members_with_data < f.members_total:
        lines.append(f"{f.members_total - f.members_with_data} 名成员无{source.department}数据")
    if f.members_with_data == 0 or not differs(source, f):
        return lines
    found, declared = f.found_amount or Decimal(0), f.declared_amount or Decimal(0)
    match source.comparison:
        case Comparison.AMOUNT:
            gap = _yuan(found - declared)
            lines.insert(0, f"部门数据收入 {_yuan(found)} 元，申报 {_yuan(declared)} 元，相差 {gap} 元")
        case Comparison.EXPENSE:
            lines.insert(0, f"申报医疗自付 {_yuan(declared)} 元，医保结算个人自付 {_yuan(found)} 元")
        case Comparison.PRESENCE:
            lines.insert(0, f"部门登记 {f.flagged_count} {source.unit}，申报 {f.declared_count or 0}")
        case Comparison.EVENT:
            lines.insert(0, f"有 {f.flagged_count} {source.unit}，申报的家庭成员未变化")
    return lines


# --- department users ----------------------------------------------------------------------------------


class Department(StrEnum):
    """Departments that receive referrals (国办发〔2023〕39号 §三(二)、§五(二)); the values are
    ``monitoring.rules.ReferralDepartment`` values."""

    MEDICAL = "medical"
    EMPLOYMENT = "employment"
    DISABILITY = "disability"
    EDUCATION = "education"
    HOUSING = "housing"
    RURAL = "rural"
    RED_CROSS = "red_cross"
    CHARITY = "charity"


ROLE_DEPARTMENT: Final[Mapping[str, Department]] = {
    Role.DEPT_MEDICAL_INSURANCE: Department.MEDICAL,
    Role.DEPT_HUMAN_RESOURCES: Department.EMPLOYMENT,
    Role.DEPT_DISABLED_FEDERATION: Department.DISABILITY,
    Role.DEPT_EDUCATION: Department.EDUCATION,
    Role.DEPT_HOUSING: Department.HOUSING,
    Role.DEPT_RURAL_REVITALISATION: Department.RURAL,
    Role.DEPT_RED_CROSS: Department.RED_CROSS,
    Role.DEPT_CHARITY: Department.CHARITY,
}


class Field(StrEnum):
    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    ADDRESS = "address"


FIELD_LABELS: Final = {
    Field.NAME: "姓名",
    Field.ID_NUMBER: "身份证号码",
    Field.PHONE: "联系电话",
    Field.ADDRESS: "住址",
}
# What each department needs in clear to act on a referral (the rest stays masked, 个人信息保护法第6条
# 最小必要): 医保 and 人社 look the person up by ID number; 住建 visits the dwelling; the others call.
REFERRAL_FIELDS: Final[Mapping[Department, frozenset[Field]]] = {
    Department.MEDICAL: frozenset({Field.NAME, Field.ID_NUMBER}),
    Department.EMPLOYMENT: frozenset({Field.NAME, Field.ID_NUMBER}),
    Department.DISABILITY: frozenset({Field.NAME, Field.ID_NUMBER}),
    Department.EDUCATION: frozenset({Field.NAME}),
    Department.HOUSING: frozenset({Field.NAME, Field.ADDRESS}),
    Department.RURAL: frozenset({Field.NAME, Field.ID_NUMBER}),
    Department.RED_CROSS: frozenset({Field.NAME, Field.PHONE}),
    Department.CHARITY: frozenset({Field.NAME, Field.PHONE}),
}


class ReferralState(models.TextChoices):
    OPEN = "open", "待办理"
    REPLIED = "replied", "已反馈"
    CLOSED = "closed", "已办结"


# --- 一件事 joint cases ------------------------------------------------------------------------------------


class JointItem(StrEnum):
    """The special assistance a 社会救助一件事 intake asks of other departments beside 低保 (the application
    itself): 《社会救助暂行办法》第 28 条 (医疗救助), 第 33 条 (教育救助), 第 37 条 (住房救助)."""

    MEDICAL = "medical_aid"
    EDUCATION = "education_aid"
    HOUSING = "housing_aid"


JOINT_ITEMS: Final[Mapping[JointItem, tuple[str, Department]]] = {
    JointItem.MEDICAL: ("医疗救助", Department.MEDICAL),
    JointItem.EDUCATION: ("教育资助", Department.EDUCATION),
    JointItem.HOUSING: ("住房救助", Department.HOUSING),
}
# The departments' answer limit is set by the county's joint-handling rules, not found for Inner Mongolia
# [UNCONFIRMED]; 10 working days, as the county's own 信息核对 start limit is short, until a county sets one.
JOINT_WORKING_DAYS: Final = 10
JOINT_BASIS: Final = (
    "《社会救助暂行办法》第28、33、37条；“社会救助一件事”联办时限由县级确定（未确认，默认10个工作日）"
)
DEPARTMENT_LABELS: Final[Mapping[Department, str]] = {
    Department.MEDICAL: "医保",
    Department.EMPLOYMENT: "人社",
    Department.DISABILITY: "残联",
    Department.EDUCATION: "教育",
    Department.HOUSING: "住建",
    Department.RURAL: "乡村振兴",
    Department.RED_CROSS: "红十字会",
    Department.CHARITY: "慈善组织",
}
