"""The JSON household description read by ``minzheng assess`` and ``POST /api/v1/assessments``
(docs/assessment-format.md, format version 1), and the JSON result they return.

The reader is pure: it turns a parsed JSON object into ``HouseholdFacts`` and the request around them,
with no database record needed. Every field is declared once in the ``Shape`` tables below; those tables
drive the reader, the defaults (the fact dataclasses' own) and the JSON Schema of the API
documentation, so the three cannot drift apart. Anything unexpected is refused with a Chinese message and
the path of the field at fault (``members[1].birth_date``): unknown keys (typos), missing required
fields, wrong types, unknown codes, floats' binary noise (money is read exactly as ``Decimal``),
booleans given as money, negative amounts. Then ``facts.household_validate`` checks the household's
consistency, so a file that reads without error is one the engine accepts as input.

Only ``division_known_check`` reads the database (the command and the API have it; the reader does not).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass
from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import Any

from minzheng.benefits.engine import assess
from minzheng.benefits.errors import IncomeInvalid, ParameterMissing, UnknownProgramme
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
    amount_check,
    household_validate,
)
from minzheng.benefits.params import Params
from minzheng.benefits.reasons import AssessmentResult, result_as_dict
from minzheng.common.errors import DomainError, ValidationFailed
from minzheng.policy.rules import PROGRAMME_CODES
from minzheng.registry.choices import (
    AssetCategory,
    DisabilityCategory,
    EmploymentStatus,
    IncomeCategory,
    RelationToHead,
    SchoolEnrolment,
    SelfCare,
    Sex,
)

FORMAT_VERSION = 1
MONEY_LIMIT = Decimal(10) ** 12  # no amount of a household description reaches a trillion yuan
_MONEY_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CENT = Decimal("0.01")


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


PROGRAMME_CHOICES = tuple(sorted(PROGRAMME_CODES))

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
        _code("self_care", "生活自理能力", _codes("", *SelfCare.values), description="未给出 adl 时使用"),
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


# --- reading ---------------------------------------------------------------------------------------


def assessment_request_read(data: Any) -> AssessmentRequest:
    """The request described by a parsed JSON object (numbers preferably parsed as ``Decimal``; a float
    is converted with ``Decimal(str(x))``). Raises ``AssessmentFormatInvalid``, ``IncomeInvalid``,
    ``UnknownProgramme`` and the errors of ``facts.household_validate``, each naming the field."""
    if isinstance(data, Mapping) and "format_version" in data:
        version = data["format_version"]
        if isinstance(version, bool) or version != FORMAT_VERSION:
            raise AssessmentFormatInvalid(
                f"不支持的格式版本 format_version {_shown(version)}（本版本只支持 {FORMAT_VERSION}）",
                field="format_version",
            )
    values = _object(data, REQUEST, "")
    programme = values.pop("programme")
    person_key = values.pop("person_key", None)
    temporary_request = values.pop("temporary_request", None)
    values.pop("format_version", None)
    if programme == "temporary_assistance" and temporary_request is None:
        raise AssessmentFormatInvalid(
            "临时救助须填写 temporary_request（救助类型、困难情形、所需金额）", field="temporary_request"
        )
    if programme != "temporary_assistance" and temporary_request is not None:
        raise AssessmentFormatInvalid(
            f"只有临时救助（temporary_assistance）可以填写 temporary_request，本次项目为 {programme}",
            field="temporary_request",
        )
    facts = HouseholdFacts(**values)
    household_validate(facts)
    return AssessmentRequest(programme, facts, person_key, temporary_request)


def _object(data: Any, shape: Shape, where: str) -> dict[str, Any]:
    """The converted values of the keys present (absent optional keys keep the dataclass default)."""
    if not isinstance(data, Mapping):
        what = f"{where}（{shape.label}）" if where else "测算请求"
        raise AssessmentFormatInvalid(
            f"{what}应为 JSON 对象 {{…}}，实际为 {_shown(data)}", field=where or None
        )
    known = [f.name for f in shape.fields]
    for key in data:
        if key not in known:
            path = _path(where, str(key))
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"，是否应为 {close[0]}？" if close else f"（{shape.label}可用的字段：{', '.join(known)}）"
            raise AssessmentFormatInvalid(f"未知字段 {path}{hint}", field=path)
    values: dict[str, Any] = {}
    for spec in shape.fields:
        path = _path(where, spec.name)
        if spec.name not in data:
            if spec.required:
                raise AssessmentFormatInvalid(f"缺少必填字段 {path}（{spec.label}）", field=path)
            continue
        values[spec.name] = _value(data[spec.name], spec, path)
    return values


def _value(raw: Any, spec: Field, path: str) -> Any:
    if raw is None:
        if spec.nullable:
            return None
        what = "缺少必填字段" if spec.required else "不能为 null 的字段"
        raise AssessmentFormatInvalid(f"{what} {path}（{spec.label}）为 null", field=path)
    reader = _READERS[spec.kind]
    return reader(raw, spec, path)


def _read_text(raw: Any, spec: Field, path: str) -> str:
    if not isinstance(raw, str):
        raise AssessmentFormatInvalid(f"{path}（{spec.label}）应为字符串，实际为 {_shown(raw)}", field=path)
    if spec.non_empty and not raw.strip():
        raise AssessmentFormatInvalid(f"{path}（{spec.label}）不能为空", field=path)
    return raw


def _read_code(raw: Any, spec: Field, path: str) -> str:
    if not isinstance(raw, str) or raw not in spec.choices:
        allowed = "、".join(c for c in spec.choices if c) + ("，或空字符串" if "" in spec.choices else "")
        raise spec.choice_error(
            f"{path}（{spec.label}）的取值 {_shown(raw)} 无效，可选：{allowed}", field=path
        )
    return raw


def _read_date(raw: Any, spec: Field, path: str) -> dt.date:
    if isinstance(raw, str) and _DATE_TEXT.fullmatch(raw):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise AssessmentFormatInvalid(f"{path}（{spec.label}）“{raw}”不是有效日期", field=path) from None
    raise AssessmentFormatInvalid(
        f"{path}（{spec.label}）应为 YYYY-MM-DD 格式的日期字符串，实际为 {_shown(raw)}", field=path
    )


def _read_money(raw: Any, spec: Field, path: str) -> Decimal:
    value = money_read(raw, path, spec.label)
    if value < 0:
        raise IncomeInvalid(
            f"{path}（{spec.label}）不能为负数（{raw}）；扣减项请用扣减类别的正数记录", field=path
        )
    return amount_check(value, path, spec.label)


def money_read(raw: Any, path: str, label: str) -> Decimal:
    """An amount in yuan given as a JSON string (``"1200.50"``) or number, exactly; at most two decimals.
    Booleans, other text, NaN and infinities are refused (``IncomeInvalid``); the sign is checked by
    ``facts.amount_check``."""
    example = '（如 "1200.50" 或 1200.5）'
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise IncomeInvalid(
            f"{path}（{label}）应为数字或数字字符串{example}，实际为 {_shown(raw)}", field=path
        )
    if isinstance(raw, str) and not _MONEY_TEXT.fullmatch(raw):
        raise IncomeInvalid(f"{path}（{label}）“{raw}”不是数字{example}", field=path)
    if isinstance(raw, float) and not math.isfinite(raw):
        raise IncomeInvalid(f"{path}（{label}）不是有限数字", field=path)
    value = Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)
    if not value.is_finite():
        raise IncomeInvalid(f"{path}（{label}）不是有限数字", field=path)
    if abs(value) >= MONEY_LIMIT:
        raise IncomeInvalid(f"{path}（{label}）{raw} 超出范围（应小于 10^12 元）", field=path)
    if value != value.quantize(_CENT):  # below 10^12, so quantize stays within the 28-digit context
        raise IncomeInvalid(f"{path}（{label}）{raw} 超过两位小数（金额精确到分）", field=path)
    return value


def _read_boolean(raw: Any, spec: Field, path: str) -> bool:
    if not isinstance(raw, bool):
        raise AssessmentFormatInvalid(
            f"{path}（{spec.label}）应为 true 或 false，实际为 {_shown(raw)}", field=path
        )
    return raw


def _read_integer(raw: Any, spec: Field, path: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise AssessmentFormatInvalid(f"{path}（{spec.label}）应为整数，实际为 {_shown(raw)}", field=path)
    return raw


def _read_object(raw: Any, spec: Field, path: str) -> Any:
    assert isinstance(spec.item, Shape)
    return spec.item.build(**_object(raw, spec.item, path))


def _read_list(raw: Any, spec: Field, path: str) -> Any:
    if not isinstance(raw, list):
        raise AssessmentFormatInvalid(
            f"{path}（{spec.label}）应为 JSON 数组 […]，实际为 {_shown(raw)}", field=path
        )
    item = spec.item
    if isinstance(item, Field):  # a list of codes: a set
        return frozenset(_value(value, item, f"{path}[{i}]") for i, value in enumerate(raw))
    assert isinstance(item, Shape)
    return tuple(item.build(**_object(value, item, f"{path}[{i}]")) for i, value in enumerate(raw))


_READERS: dict[str, Callable[[Any, Field, str], Any]] = {
    "text": _read_text,
    "code": _read_code,
    "date": _read_date,
    "money": _read_money,
    "boolean": _read_boolean,
    "integer": _read_integer,
    "object": _read_object,
    "list": _read_list,
}


def _path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _shown(raw: Any) -> str:
    text = json.dumps(raw, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "…"


# --- parsing text ----------------------------------------------------------------------------------


def assessment_json_parse(text: str | bytes) -> Any:
    """JSON text → Python values with every number that has a fraction or exponent as ``Decimal`` (never
    float). Duplicate keys in an object and ``NaN``/``Infinity`` are refused: both hide typos."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise AssessmentFormatInvalid(f"JSON 对象中字段 {key} 出现了两次", field=key)
            result[key] = value
        return result

    def constant(name: str) -> Any:
        raise AssessmentFormatInvalid(f"JSON 中不能使用 {name}，金额请写数字或数字字符串")

    try:
        return json.loads(text, parse_float=Decimal, parse_constant=constant, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise AssessmentFormatInvalid(
            f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}"
        ) from None
    except UnicodeDecodeError:
        raise AssessmentFormatInvalid("内容不是 UTF-8 编码的文本") from None


# --- running and answering -------------------------------------------------------------------------


def division_known_check(code: str) -> None:
    """The division code exists in the division table (``DivisionNotFound``, field ``division_code``).
    The only database read of this module; the command and the API call it, the reader does not."""
    from minzheng.divisions.errors import DivisionNotFound
    from minzheng.divisions.models import Division

    if not Division.objects.filter(code=code).exists():
        raise DivisionNotFound(
            f"区划代码 {code} 不在区划表中（请核对代码，或先导入行政区划）", field="division_code"
        )


def assessment_run(request: AssessmentRequest, params: Params) -> AssessmentResult:
    """``engine.assess`` for the request. A parameter missing for the place and date
    (``ParameterMissing``, ADR 0003) is re-raised naming ``as_of``, the input that selects it."""
    try:
        return assess(
            request.programme,
            request.facts,
            params,
            person_key=request.person_key,
            temporary_request=request.temporary_request,
        )
    except ParameterMissing as exc:
        if exc.field is not None:
            raise
        facts = request.facts
        raise type(exc)(
            f"{exc.message}。请核对评估日期 as_of（{facts.as_of}）与区划代码 division_code"
            f"（{facts.division_code}），或先录入该日期适用的政策参数",
            field="as_of",
            code=exc.code,
        ) from exc


def assessment_response(
    result: AssessmentResult, request: AssessmentRequest, *, parameter_source: str
) -> dict[str, Any]:
    """``result_as_dict`` with the format version, what was assessed and where the parameters came from
    (``database``, ``builtin`` or ``file``)."""
    facts = request.facts
    return {
        "format_version": FORMAT_VERSION,
        "programme": result.programme,
        "as_of": facts.as_of.isoformat(),
        "division_code": facts.division_code,
        "urban_rural": facts.urban_rural,
        "household_key": facts.household_key,
        "person_key": request.person_key,
        "parameter_source": parameter_source,
        **result_as_dict(result),
    }


def assessment_evaluate(*, data: Any, params: Params, parameter_source: str) -> dict[str, Any]:
    """Read, check the division against the division table, assess and answer: the one call of the
    ``assess`` command and of the API endpoint. Writes nothing."""
    request = assessment_request_read(data)
    division_known_check(request.facts.division_code)
    return assessment_response(assessment_run(request, params), request, parameter_source=parameter_source)


# --- documentation ---------------------------------------------------------------------------------


def request_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12, as used by OpenAPI 3.1) of the request, from the same tables as the reader."""
    return _shape_schema(REQUEST)


def _shape_schema(shape: Shape) -> dict[str, Any]:
    defaults = shape.defaults()
    properties = {}
    for spec in shape.fields:
        schema = _field_schema(spec)
        if spec.name in defaults and not spec.required:
            schema["default"] = _json_default(defaults[spec.name])
        properties[spec.name] = schema
    return {
        "type": "object",
        "title": shape.label,
        "properties": properties,
        "required": [f.name for f in shape.fields if f.required],
        "additionalProperties": False,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple | frozenset):
        return sorted(value)
    return str(value) if isinstance(value, Decimal) else value


def _field_schema(spec: Field) -> dict[str, Any]:
    schema: dict[str, Any]
    if spec.kind == "text":
        schema = {"type": "string"}
    elif spec.kind == "code":
        schema = {"type": "string", "enum": list(spec.choices)}
    elif spec.kind == "date":
        schema = {"type": "string", "format": "date"}
    elif spec.kind == "money":
        schema = {"anyOf": [{"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"}, {"type": "number"}]}
    elif spec.kind in ("boolean", "integer"):
        schema = {"type": spec.kind}
    elif spec.kind == "object":
        assert isinstance(spec.item, Shape)
        schema = _shape_schema(spec.item)
    else:
        item = spec.item
        items = _field_schema(item) if isinstance(item, Field) else _shape_schema(item)  # type: ignore[arg-type]
        schema = {"type": "array", "items": items}
    if spec.nullable:
        schema = {"anyOf": [schema, {"type": "null"}]}
    description = "；".join(part for part in (spec.label, spec.description) if part)
    return {"description": description, **schema}
