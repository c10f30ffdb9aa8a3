"""The declared shape of the JSON household description (docs/assessment-format.md, format version 1).

Every field is declared once in the ``Shape`` tables below; those tables drive the reader (``reader``), the
defaults (the fact dataclasses' own) and the JSON Schema of the API documentation (``schema``), so the
three cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import Any

from minzheng.benefits.errors import UnknownProgramme
from minzheng.benefits.facts import (
    AdlItems,
    AssetFact,
    AssistanceType,
    HouseholdFacts,
    IncomeFact,
    MemberFacts,
    OrphanStatus,
    PreviousEnrolment,
    RigidExpenseFact,
    RigidExpenseKind,
    SupporterInability,
    SupporterStatus,
    TemporaryRequest,
    UrbanRural,
)
from minzheng.catalogue.programmes import PROGRAMME_CODES
from minzheng.common.errors import DomainError, ValidationFailed
from minzheng.registry.choices import (
    AssetCategory,
    DisabilityCategory,
    EmploymentStatus,
    IncomeCategory,
    RelationToHead,
    SchoolEnrolment,
    SelfCare,
    Sex,
    self_care_code,
)

FORMAT_VERSION = 1
MONEY_LIMIT = Decimal(10) ** 12  # no amount of a household description reaches a trillion yuan


class AssessmentFormatInvalid(ValidationFailed):
    """The JSON description does not have the documented shape (unknown or missing field, wrong type,
    unknown code, malformed JSON). ``field`` is the path, e.g. ``members[0].birth_date``."""

    code = "assessment_format_invalid"


@dataclass(frozen=True)
class AssessmentRequest:
    """What to assess: a programme for the household described (or one member of it)."""

    programme: str
    facts: HouseholdFacts
    person_key: str | None = None
    temporary_request: TemporaryRequest | None = None


# --- the declared shape ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One key of a JSON object. ``kind``: text, code, date, money, boolean, integer, object, list.
    ``item``: the shape of an object, or of a list's items (a ``Shape``; for a list of codes, a ``Field``).
    A field that is not ``required`` takes the fact dataclass's default when absent."""

    name: str
    kind: str
    label: str
    required: bool = False
    nullable: bool = False
    choices: tuple[str, ...] = ()
    item: Shape | Field | None = None
    non_empty: bool = False
    choice_error: type[DomainError] = AssessmentFormatInvalid
    description: str = ""
    # a code field that also takes other spellings (Chinese names): value → code, ValueError if refused
    parse: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Shape:
    """A JSON object: its fields, and the fact dataclass it becomes (whose defaults the absent optional
    fields take)."""

    name: str
    label: str
    fields: tuple[Field, ...]
    build: type

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def defaults(self) -> dict[str, Any]:
        dataclasses = (
            (AssessmentRequest, HouseholdFacts) if self.build is AssessmentRequest else (self.build,)
        )
        return {
            f.name: f.default
            for cls in dataclasses
            for f in dataclass_fields(cls)
            if f.default is not MISSING
        }


def _codes(*values: Any) -> tuple[str, ...]:
    return tuple(str(value) for value in values)


def _text(name: str, label: str, **options: Any) -> Field:
    return Field(name, "text", label, **options)


def _code(name: str, label: str, choices: tuple[str, ...], **options: Any) -> Field:
    return Field(name, "code", label, choices=choices, **options)


def _flag(name: str, label: str, description: str = "") -> Field:
    return Field(name, "boolean", label, description=description)


PROGRAMME_CHOICES = _codes(*sorted(PROGRAMME_CODES))

ADL = Shape(
    "adl",
    "六项生活自理指标（true = 能独立完成）",
    (
        Field("eating", "boolean", "自主吃饭", required=True),
        Field("dressing", "boolean", "自主穿衣", required=True),
        Field("getting_in_out_of_bed", "boolean", "自主上下床", required=True),
        Field("toileting", "boolean", "自主如厕", required=True),
        Field("walking_indoors", "boolean", "室内自主行走", required=True),
        Field("bathing", "boolean", "自主洗澡", required=True),
    ),
    AdlItems,
)

MEMBER = Shape(
    "member",
    "家庭成员",
    (
        _text(
            "key",
            "成员标识",
            required=True,
            non_empty=True,
            description="本文件内唯一的成员标识，收入、财产记录与 person_key 用它指向成员",
        ),
        Field("birth_date", "date", "出生日期", required=True),
        _code("sex", "性别", _codes("", *Sex.values)),
        _code("relation_to_head", "与户主关系", _codes(*RelationToHead.values)),
        _code("disability_category", "残疾类别", _codes(*DisabilityCategory.values)),
        Field(
            "disability_grade",
            "integer",
            "残疾等级",
            nullable=True,
            description="1—4，一级最重；须同时填残疾类别",
        ),
        _code(
            "self_care",
            "生活自理能力",
            _codes("", *SelfCare.values),
            description="未给出 adl 时使用；也可填中文：具备生活自理能力、部分丧失、完全丧失",
            parse=self_care_code,
        ),
        Field(
            "adl",
            "object",
            "六项生活自理指标",
            nullable=True,
            item=ADL,
            description="《特困人员认定办法》第 21 条的六项；给出时由它评定自理能力",
        ),
        _flag("serious_illness", "患重特大疾病"),
        _code("employment_status", "就业状况", _codes("", *EmploymentStatus.values)),
        _code("school_enrolment", "在校情况", _codes(*SchoolEnrolment.values)),
        Field("death_date", "date", "死亡日期", nullable=True),
        _flag("lives_together_long_term", "长期共同生活", "默认 true；false 的非法定成员不计入家庭"),
        Field("religious_professional_apart_since", "date", "宗教教职人员离家日期", nullable=True),
        _flag("imprisoned", "在监狱服刑"),
        _flag("compulsory_rehabilitation", "强制隔离戒毒"),
        _flag("declared_missing", "宣告失踪"),
        _text("provincial_exclusion", "省级规定的不计入情形", description="情形说明；非空则不计入家庭"),
        _text(
            "other_household_key",
            "另一家庭标识",
            description="该成员同时计入的另一家庭；非空即报错（一人只能计入一个家庭）",
        ),
        _flag("refused_suitable_work", "无正当理由拒绝就业（县级认定）"),
        _code("supporter_status", "法定赡养、抚养、扶养义务人情况", _codes("", *SupporterStatus)),
        _code("supporter_inability", "义务人无履行能力的情形", _codes("", *SupporterInability)),
        _text("other_no_work_capacity", "省级规定的无劳动能力情形"),
        _flag("supported_as_extreme_poverty_minor", "未成年时已被认定为特困人员"),
        _flag("rural_land_or_collective_share", "有承包土地或参加农村集体经济收益分配"),
        _flag("resettled_to_town", "易地扶贫搬迁到城镇"),
        _flag("chose_orphan_scheme", "选择孤儿保障"),
        _code("orphan_status", "孤儿类别", _codes(*OrphanStatus)),
        _flag("institutional_care", "机构集中供养"),
        _flag("needs_long_term_care", "需要长期照护", "默认 true（国发〔2015〕52号：6 个月以上）"),
        Field(
            "other_child_benefits_monthly",
            "money",
            "已领低保、特困或生活补贴月额",
            description="事实无人抚养儿童补差时扣除",
        ),
    ),
    MemberFacts,
)

INCOME = Shape(
    "income",
    "收入记录",
    (
        _text("person_key", "成员标识", nullable=True, description="省略或 null = 家庭共有的收入"),
        _code("category", "收入类别", _codes(*IncomeCategory.values), required=True),
        Field("amount", "money", "收入金额", required=True, description="所属期内的总额（元），非负"),
        Field("period_start", "date", "收入所属期起", required=True),
        Field("period_end", "date", "收入所属期止（含）", required=True),
    ),
    IncomeFact,
)

ASSET = Shape(
    "asset",
    "财产记录",
    (
        _code("category", "财产类别", _codes(*AssetCategory.values), required=True),
        Field("value", "money", "财产价值", required=True),
        _flag("exempt", "生产生活必需、不计入的财产"),
        _text("person_key", "成员标识", nullable=True),
    ),
    AssetFact,
)

RIGID_EXPENSE = Shape(
    "rigid_expense",
    "刚性支出记录",
    (
        _code("kind", "刚性支出类别", _codes(*RigidExpenseKind), required=True),
        Field("amount", "money", "刚性支出金额", required=True),
        Field("incurred_on", "date", "支出日期", required=True),
        _text("person_key", "成员标识", nullable=True),
    ),
    RigidExpenseFact,
)

PREVIOUS_ENROLMENT = Shape(
    "previous_enrolment",
    "原低保享受情况（渐退期）",
    (
        Field("monthly_amount", "money", "原低保金月额", required=True),
        Field(
            "months_since_exceeded",
            "integer",
            "收入超过标准的月数",
            required=True,
            description="0 = 超过标准的第一个月",
        ),
        Field("after_employment", "boolean", "因成员就业而收入超过标准", required=True),
    ),
    PreviousEnrolment,
)

TEMPORARY_REQUEST = Shape(
    "temporary_request",
    "临时救助申请",
    (
        _code("assistance_type", "临时救助类型", _codes(*AssistanceType), required=True),
        _text("hardship", "困难情形", required=True, non_empty=True),
        Field(
            "requested_amount", "money", "所需救助金额", nullable=True, description="省略或 null = 档次上限"
        ),
        _text("tier_code", "救助档次代码", nullable=True, description="省略或 null = 按需要金额自动选档"),
    ),
    TemporaryRequest,
)

HOUSEHOLD_FIELDS = (
    _text("household_key", "家庭标识", description="调用方自己的标识，原样写入结果"),
    _text("division_code", "区划代码", required=True, description="12 位统计用区划代码（户籍地）"),
    _code("urban_rural", "城乡类别", _codes(*UrbanRural), required=True),
    Field("as_of", "date", "评估日期", required=True),
    Field("members", "list", "家庭成员", required=True, item=MEMBER),
    Field("incomes", "list", "收入记录", item=INCOME),
    Field("assets", "list", "财产记录", item=ASSET),
    Field("rigid_expenses", "list", "刚性支出记录", item=RIGID_EXPENSE),
    Field(
        "programmes_received",
        "list",
        "已享受的救助项目",
        item=_code("", "救助项目", PROGRAMME_CHOICES, choice_error=UnknownProgramme),
    ),
    Field("previous_enrolment", "object", "原低保享受情况", nullable=True, item=PREVIOUS_ENROLMENT),
)

REQUEST = Shape(
    "assessment_request",
    "测算请求",
    (
        Field("format_version", "integer", "格式版本", description=f"省略或 {FORMAT_VERSION}"),
        _code("programme", "救助项目", PROGRAMME_CHOICES, required=True, choice_error=UnknownProgramme),
        _text(
            "person_key",
            "被测算的成员标识",
            nullable=True,
            description="人员类项目只测算该成员；低保时表示单独申请（审核确认办法第 8 条）",
        ),
        Field(
            "temporary_request",
            "object",
            "临时救助申请",
            nullable=True,
            item=TEMPORARY_REQUEST,
            description="programme 为 temporary_assistance 时必填，其他项目不得填写",
        ),
        *HOUSEHOLD_FIELDS,
    ),
    AssessmentRequest,  # with the household fields of ``HouseholdFacts``
)
