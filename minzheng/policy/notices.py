"""Bulk import of a yearly standards notice (issue 15 §4): the regional notice 《关于20XX年全区社会救助标准
有关事宜的通知》 arrives as a table of every banner's standards. A league or banner officer uploads it as
Excel (one row per division, one column per standard), sees what changes (old → new per division and
parameter), and confirms; every row written carries the document number as its source.

Reading and planning write nothing; ``notice_import`` writes through ``services.parameter_import``, so
the whole table goes in one transaction with the same checks as any import (division level, scope,
overlaps, back-dating) — a bad row anywhere and nothing is written. Errors name the Excel row and column.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from minzheng.common.errors import ValidationFailed
from minzheng.divisions.rules import normalise_code
from minzheng.policy import services
from minzheng.policy.errors import ParameterMissing, PolicyFileInvalid
from minzheng.policy.format import FORMAT_KIND, FORMAT_VERSION
from minzheng.policy.rules import URBAN_RURAL_LABELS, ParameterEntry, parameter_key_get

CODE_HEADER = "区划代码"
NAME_HEADER = "区划名称"


@dataclass(frozen=True)
class Column:
    key: str
    urban_rural: str
    annual: bool  # a yearly figure, stored ÷ 12 (yuan per person per month)


# The columns of the yearly notice's table (header text as in the template, 元/年 columns are ÷ 12).
_CARE = "extreme_poverty.care_monthly."
COLUMNS: dict[str, Column] = {
    "城市低保标准（元/月）": Column("dibao.standard_monthly", "urban", False),
    "农村牧区低保标准（元/月）": Column("dibao.standard_monthly", "rural", False),
    "农村牧区低保标准（元/年）": Column("dibao.standard_monthly", "rural", True),
    "城乡统一低保标准（元/月）": Column("dibao.standard_monthly", "", False),
    "城市特困人员基本生活标准（元/月）": Column("extreme_poverty.basic_living_monthly", "urban", False),
    "农村牧区特困人员基本生活标准（元/月）": Column("extreme_poverty.basic_living_monthly", "rural", False),
    "农村牧区特困人员基本生活标准（元/年）": Column("extreme_poverty.basic_living_monthly", "rural", True),
    "照料护理标准·完全丧失生活自理能力（元/月）": Column(_CARE + "fully_incapable", "", False),
    "照料护理标准·部分丧失生活自理能力（元/月）": Column(_CARE + "partly_incapable", "", False),
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class NoticeEntry:
    """One figure of the table and where it came from (Excel row and column header)."""

    row: int
    header: str
    division_name: str
    entry: ParameterEntry


@dataclass(frozen=True)
class PreviewLine:
    row: int
    division_code: str
    division_name: str
    label: str
    urban_rural: str
    old: str  # the value in force on the date (with the jurisdiction it comes from), or 无
    new: str
    changed: bool


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def table_read(content: bytes) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return list(book.get_sheet_by_index(0).to_python())
    except Exception as error:  # calamine raises several types for a damaged file
        raise ValidationFailed(f"无法读取 Excel 文件：{error}", field="file") from None


def _amount(text: str, column: Column) -> Decimal:
    try:
        amount = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValueError(f"“{text}”不是数字") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"“{text}”应为不小于 0 的金额")
    if column.annual:
        return (amount / 12).quantize(CENT, rounding=ROUND_HALF_UP)
    if amount != amount.quantize(CENT):
        raise ValueError(f"“{text}”最多两位小数（元、分）")
    return amount.quantize(CENT)


def notice_entries(
    content: bytes, *, valid_from: dt.date, document: str, status: str, note: str = ""
) -> list[NoticeEntry]:
    """Every figure of the uploaded table. Raises ``PolicyFileInvalid`` listing every bad row (row number,
    column, Chinese reason). An empty cell is no figure: the division keeps what it has."""
    table = table_read(content)
    if not table:
        raise PolicyFileInvalid(["表格为空"])
    headers = [_cell(h) for h in table[0]]
    if CODE_HEADER not in headers:
        raise PolicyFileInvalid([f"第 1 行应为表头，且须有“{CODE_HEADER}”列"])
    known = {i: COLUMNS[h] for i, h in enumerate(headers) if h in COLUMNS}
    unknown = [h for h in headers if h and h not in COLUMNS and h not in (CODE_HEADER, NAME_HEADER)]
    errors = [f"第 1 行：不认识的列“{h}”（可用列见模板）" for h in unknown]
    if not known:
        errors.append("第 1 行：没有任何标准列")
    code_at, name_at = (
        headers.index(CODE_HEADER),
        headers.index(NAME_HEADER) if NAME_HEADER in headers else None,
    )
    entries: list[NoticeEntry] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, raw in enumerate(table[1:], start=2):
        cells = [_cell(c) for c in raw] + [""] * (len(headers) - len(raw))
        if not any(cells):
            continue
        name = cells[name_at] if name_at is not None else ""
        try:
            code = normalise_code(cells[code_at])
        except ValueError:
            errors.append(f"第 {number} 行：区划代码“{cells[code_at]}”应为 6、9 或 12 位数字")
            continue
        for index, column in known.items():
            text = cells[index]
            if not text:
                continue
            try:
                value = _amount(text, column)
            except ValueError as problem:
                errors.append(f"第 {number} 行（{headers[index]}）：{problem}")
                continue
            chain = (column.key, code, column.urban_rural)
            if chain in seen:
                errors.append(
                    f"第 {number} 行（{headers[index]}）：与第 {seen[chain]} 行是同一区划的同一标准"
                )
                continue
            seen[chain] = number
            row_note = f"{note}；" if note else ""
            if column.annual:
                row_note += f"年标准 {text} 元 ÷ 12"
            entry = ParameterEntry(
                column.key, code, column.urban_rural, valid_from, None, str(value), status, document, row_note
            )
            entries.append(NoticeEntry(number, headers[index], name, entry))
    if errors:
        raise PolicyFileInvalid(errors)
    if not entries:
        raise PolicyFileInvalid(["表格中没有任何标准数值"])
    return entries


def _document(entries: list[NoticeEntry]) -> str:
    items = [
        {
            "key": n.entry.key,
            "division": n.entry.division_code,
            "urban_rural": n.entry.urban_rural,
            "valid_from": n.entry.valid_from.isoformat(),
            "value": n.entry.value,
            "status": n.entry.status,
            "source": n.entry.source,
            "note": n.entry.note,
        }
        for n in entries
    ]
    return json.dumps(
        {"format_version": FORMAT_VERSION, "kind": FORMAT_KIND, "parameters": items}, ensure_ascii=False
    )


_LABEL = re.compile(r"^第 (\d+) 条(（[^）]*）)?")


def _located(errors: list[str], entries: list[NoticeEntry]) -> list[str]:
    """The import's "第 n 条（key）" labels as Excel rows and columns."""

    def relabel(error: str) -> str:
        found = _LABEL.match(error)
        if not found or not 1 <= int(found.group(1)) <= len(entries):
            return error
        item = entries[int(found.group(1)) - 1]
        return f"第 {item.row} 行（{item.header}）" + error[found.end() :]

    return [relabel(e) for e in errors]


def notice_check(actor: Any, entries: list[NoticeEntry]) -> services.ImportResult:
    """Validate the whole table as the import will (division, level, scope, overlaps); writes nothing."""
    try:
        return services.parameter_import(actor=actor, text=_document(entries), dry_run=True)
    except PolicyFileInvalid as invalid:
        raise PolicyFileInvalid(_located(invalid.errors, entries)) from None


def notice_preview(entries: list[NoticeEntry]) -> list[PreviewLine]:
    """Old → new per division and parameter: the old value is the one in force on the date for that
    division (its own or inherited from the league or region, named), or 无."""
    from minzheng.divisions.models import Division
    from minzheng.policy.selectors import parameter_value

    names = dict(
        Division.objects.filter(code__in={n.entry.division_code for n in entries}).values_list("code", "name")
    )
    lines = []
    for item in entries:
        entry = item.entry
        try:
            current = parameter_value(entry.key, entry.division_code, entry.valid_from, entry.urban_rural)
        except ParameterMissing:
            old, changed = "无", True
        else:
            inherited = (
                "" if current.division_code == entry.division_code else f"（沿用 {current.division_code}）"
            )
            old, changed = (
                f"{current.value}{inherited}",
                str(current.value) != str(entry.value) or bool(inherited),
            )
        lines.append(
            PreviewLine(
                item.row,
                entry.division_code,
                names.get(entry.division_code, item.division_name),
                parameter_key_get(entry.key).label,
                URBAN_RURAL_LABELS[entry.urban_rural],
                old,
                str(entry.value),
                changed,
            )
        )
    return lines


def notice_import(actor: Any, entries: list[NoticeEntry]) -> services.ImportResult:
    """Write the table in one transaction (``services.parameter_import``: all or nothing, audited)."""
    try:
        return services.parameter_import(actor=actor, text=_document(entries))
    except PolicyFileInvalid as invalid:
        raise PolicyFileInvalid(_located(invalid.errors, entries)) from None


def entries_dump(entries: list[NoticeEntry]) -> list[dict[str, Any]]:
    """JSON-ready form carried (signed) from the preview to the confirmation."""
    return [
        {
            "row": n.row,
            "header": n.header,
            "name": n.division_name,
            "entry": [
                n.entry.key,
                n.entry.division_code,
                n.entry.urban_rural,
                n.entry.valid_from.isoformat(),
                str(n.entry.value),
                n.entry.status,
                n.entry.source,
                n.entry.note,
            ],
        }
        for n in entries
    ]


def entries_load(items: list[dict[str, Any]]) -> list[NoticeEntry]:
    result = []
    for item in items:
        key, code, urban_rural, valid_from, value, status, source, note = item["entry"]
        entry = ParameterEntry(
            key, code, urban_rural, dt.date.fromisoformat(valid_from), None, value, status, source, note
        )
        result.append(NoticeEntry(item["row"], item["header"], item["name"], entry))
    return result
