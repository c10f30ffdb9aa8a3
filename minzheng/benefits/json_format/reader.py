"""Reading the JSON household description: parsed JSON → ``AssessmentRequest`` (pure, no database).

Anything unexpected is refused with a Chinese message and the path of the field at fault
(``members[1].birth_date``): unknown keys (typos), missing required fields, wrong types, unknown codes,
floats' binary noise (money is read exactly as ``Decimal``), booleans given as money, negative amounts.
Then ``facts.household_validate`` checks the household's consistency, so a file that reads without error
is one the engine accepts as input.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from minzheng.benefits.errors import IncomeInvalid
from minzheng.benefits.facts import HouseholdFacts, amount_check, household_validate
from minzheng.benefits.json_format.shapes import (
    FORMAT_VERSION,
    MONEY_LIMIT,
    REQUEST,
    AssessmentFormatInvalid,
    AssessmentRequest,
    Field,
    Shape,
)
from minzheng.catalogue.programmes import PROGRAMMES, Programme

_MONEY_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CENT = Decimal("0.01")


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
    takes_request = PROGRAMMES[Programme(programme)].takes_request
    if takes_request and temporary_request is None:
        raise AssessmentFormatInvalid(
            "临时救助须填写 temporary_request（救助类型、困难情形、所需金额）", field="temporary_request"
        )
    if not takes_request and temporary_request is not None:
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
    if spec.parse is not None and isinstance(raw, str):
        try:
            return spec.parse(raw)
        except ValueError as error:
            raise spec.choice_error(f"{path}（{spec.label}）：{error}", field=path) from error
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
